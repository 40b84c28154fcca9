"""Human document numbers (HT2026-0001, DD2026-0003, GB20260826-0007): sequential per scope.

On PostgreSQL a transaction-scoped advisory lock serialises numbering within a scope, so two
writers never pick the same next number; SQLite serialises writers anyway. The unique
constraint on the number column stays the last line of defence.
"""
from __future__ import annotations

import zlib

from sqlalchemy import select, text
from sqlalchemy.orm import InstrumentedAttribute

from models import db


def lock_scope(scope: str) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(scope.encode())})


def next_numbers(column: InstrumentedAttribute, prefix: str, count: int, width: int = 4) -> list[str]:
    """The next ``count`` numbers after the highest one already using ``prefix``, in order (one look
    at the column for a whole batch, e.g. a settlement's purchase invoices)."""
    lock_scope(f"{column}:{prefix}")
    highest = 0
    for number in db.session.scalars(select(column).where(column.startswith(prefix, autoescape=True))):
        suffix = number[len(prefix):]
        if suffix.isdigit():
            highest = max(highest, int(suffix))
    return [f"{prefix}{highest + n:0{width}d}" for n in range(1, count + 1)]


def next_number(column: InstrumentedAttribute, prefix: str, width: int = 4) -> str:
    """``prefix`` followed by one more than the highest number already using it."""
    return next_numbers(column, prefix, 1, width)[0]
