"""Row locks for read-check-write services.

``lock_row`` takes the row's lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises
writers anyway) and re-reads the object, so the check that follows sees what the lock protects.
Take locks in a fixed order (order before lots, lots by id) so two writers never deadlock.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from models import db

T = TypeVar("T")


def lock_row(obj: T) -> T:
    model = type(obj)
    db.session.execute(select(model.id).where(model.id == obj.id).with_for_update())
    db.session.refresh(obj)
    return obj
