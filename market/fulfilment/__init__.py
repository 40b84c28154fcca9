"""After allocation: field collection, shipment, compliance certificate, the supermarket's receipt,
public trace pages (/t/<code>) and the public disclosure of an order (村务公示)."""
from .views import bp

__all__ = ["bp"]
