"""JSON API of the contracts feature."""
from __future__ import annotations

from ..api import Blueprint

URL_PREFIX = ""
blp = Blueprint("contracts_api", __name__, description="contracts")
