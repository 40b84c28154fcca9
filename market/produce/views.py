"""Pages of the produce feature."""
from . import bp  # noqa: F401
