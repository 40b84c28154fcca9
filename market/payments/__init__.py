"""Payments (收付款): households paid what settlements owe them, buyers' payments received, batch
payouts, the money paid out on contract advances and deposits booked, and voiding a payment.

The services live in ``services.py`` (``applying.py`` applies a payment oldest first and ages
what is open, without the database); ``views.py`` holds the pages, ``api.py`` the JSON API.
"""
from .views import bp

__all__ = ["bp"]
