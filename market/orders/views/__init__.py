"""Pages of buyers, buyer orders and allocation: lists and forms, the order with its allocation
runs, the coordinator's board, and the villager's own allocations; one module each, on one
blueprint.
"""
from . import allocation_runs, board, buyer_orders, buyers  # noqa: F401  (their routes)
from .blueprint import bp

__all__ = ["bp"]
