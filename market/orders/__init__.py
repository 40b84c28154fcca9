"""Buyers, buyer orders and their allocation to households' lots.

Services: :mod:`.buyers`, :mod:`.buyer_orders`, :mod:`.allocation_runs` and :mod:`.supply` (what
the board reads); pure rules: :mod:`.allocation` (the engine), :mod:`.board`, :mod:`.states`;
the pages in :mod:`.views`, the JSON API in :mod:`.api`.
"""
from .views import bp

__all__ = ["bp"]
