"""Pages of the weighing feature."""
from . import bp  # noqa: F401
