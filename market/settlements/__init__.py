"""Settlements (三方结算单): prepared from what was weighed and received, reviewed, posted.

The services live in ``services.py`` (``splits.py`` computes a settlement to the fen without the
database); ``views.py`` holds the pages, ``api.py`` the JSON API, ``forms.py`` what the pages read.
"""
from flask import Blueprint

bp = Blueprint("settlements", __name__)

from . import views  # noqa: E402,F401
