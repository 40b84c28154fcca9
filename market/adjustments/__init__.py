"""调整单: a buyer's sales allowance and a household's price correction after a settlement is posted.

The services live in ``services.py`` (the arithmetic, pure, in ``amounts.py``); ``views.py`` holds the
pages, ``api.py`` the JSON API.
"""
from .views import bp

__all__ = ["bp"]
