"""Pages of the contracts feature."""
from . import bp  # noqa: F401
