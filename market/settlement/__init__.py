"""Settlements (三方结算单) and payments (收付款): the accountant's pages.

The services live in ``services.py`` (settlements) and ``payments.py`` (payouts, receipts,
advances, batches); ``views.py`` holds the pages, ``forms.py`` what the pages read.
"""
from flask import Blueprint

bp = Blueprint("settlement", __name__)

from . import views  # noqa: E402,F401
