"""库存商品: stock by variety and grade at moving weighted average cost — receipts from contract
batches, orders filled from the warehouse, counts (盘点), the stock ledger and its proof against 1405.

The pure costing rules live in ``costing.py``; ``movements.py`` moves stock in and out, ``counts.py``
counts it, ``stock_ledger.py`` reads and proves it (``services.py`` gathers them for callers);
``views.py`` holds the pages, ``api.py`` the JSON API.
"""
from .views import bp

__all__ = ["bp"]
