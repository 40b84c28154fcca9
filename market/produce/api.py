"""JSON API of the produce feature."""
from __future__ import annotations

from ..api import Blueprint

URL_PREFIX = ""
blp = Blueprint("produce_api", __name__, description="produce")
