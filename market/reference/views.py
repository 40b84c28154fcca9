"""Pages of the reference feature."""
from . import bp  # noqa: F401
