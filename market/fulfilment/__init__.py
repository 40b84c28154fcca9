"""After allocation: field collection, shipment, compliance certificate, the supermarket's receipt,
public trace pages (/t/<code>) and the public disclosure of an order (村务公示)."""
from flask import Blueprint

bp = Blueprint("fulfilment", __name__)

from . import views  # noqa: E402,F401
