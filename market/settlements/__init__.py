"""Settlements (三方结算单): prepared from what was weighed and received, reviewed, posted.

The services live in ``services.py``: they compute a settlement's figures with ``computing.py``
(``splits.py`` does the sums to the fen, without the database) and post what ``vouchers.py`` plans;
``states.py`` is its transition table. ``views.py`` holds the pages, ``api.py`` the JSON API.
"""
from .views import bp

__all__ = ["bp"]
