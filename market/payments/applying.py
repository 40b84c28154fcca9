"""Applying a payment to what is open, and ageing what is still open. Pure: no database.

A payment is applied oldest first (by due date, then by the record's key), never beyond what a
record still has open; ageing sorts what is open by days past its due date into the buckets a
Chinese accountant's 账龄分析 uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Hashable, Iterable, Sequence

#: (label, first day overdue, last day overdue or None) — 未到期 is "not yet due"
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -10**9, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("over_90", 91, None),
)


class ApplyError(ValueError):
    pass


@dataclass(frozen=True)
class Open:
    key: Hashable
    due_on: date
    open_fen: int


def apply_oldest_first(amount_fen: int, items: Sequence[Open]) -> list[tuple[Hashable, int]]:
    """Split ``amount_fen`` over ``items``, oldest due first, each up to what it has open.

    :raises ApplyError: the amount is not positive or more than everything open.
    """
    if amount_fen <= 0:
        raise ApplyError("amount must be positive")
    if any(item.open_fen < 0 for item in items):
        raise ApplyError("open amounts must not be negative")
    if amount_fen > sum(item.open_fen for item in items):
        raise ApplyError("amount exceeds what is open")
    applied: list[tuple[Hashable, int]] = []
    left = amount_fen
    for item in sorted(items, key=lambda i: (i.due_on, _key_order(i.key))):
        if left == 0:
            break
        part = min(left, item.open_fen)
        if part:
            applied.append((item.key, part))
            left -= part
    return applied


def _key_order(key: Hashable) -> tuple:
    """Whole-number keys (row ids) in numeric order, so record 9 comes before record 10; others by text."""
    if isinstance(key, int) and not isinstance(key, bool):
        return (0, key, "")
    return (1, 0, str(key))


def bucket_of(due_on: date, as_of: date) -> str:
    overdue = (as_of - due_on).days
    for label, first, last in BUCKETS:
        if overdue >= first and (last is None or overdue <= last):
            return label
    raise AssertionError("buckets cover every day")  # pragma: no cover


def ageing(items: Iterable[Open], as_of: date) -> dict[str, int]:
    """Open fen per bucket (every bucket present, zero where nothing is open)."""
    totals = {label: 0 for label, *_ in BUCKETS}
    for item in items:
        totals[bucket_of(item.due_on, as_of)] += item.open_fen
    return totals
