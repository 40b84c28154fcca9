"""JSON API of the reference feature."""
from __future__ import annotations

from ..api import Blueprint

URL_PREFIX = ""
blp = Blueprint("reference_api", __name__, description="reference")
