"""JSON API of the weighing feature."""
from __future__ import annotations

from ..api import Blueprint

URL_PREFIX = ""
blp = Blueprint("weighing_api", __name__, description="weighing")
