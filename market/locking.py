"""Row locks for read-check-write services.

``lock_row`` takes the row's lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises
writers anyway) and re-reads the object, so the check that follows sees what the lock protects.
Take locks in a fixed order (order before lots, lots by id) so two writers never deadlock.

The lock is ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: services change rows, never their ids, and
the weaker lock does not conflict with the ``FOR KEY SHARE`` that inserting a row referencing this
one takes. With ``FOR UPDATE``, two transactions that each inserted a voucher into a month (a key
share on the period) and then locked the month to number it waited for each other: a deadlock.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import inspect, select

from models import db

T = TypeVar("T")


def lock_row(obj: T) -> T:
    """Lock ``obj``'s row and read its columns again, in one statement; what it refers to is read
    afresh when next used."""
    model = type(obj)
    state = inspect(obj)
    # (the row must be fetched: populate_existing refreshes the object as the row is read)
    db.session.scalars(select(model).where(model.id == obj.id).with_for_update(key_share=True)
                       .execution_options(populate_existing=True)).all()
    loaded = [r.key for r in state.mapper.relationships if r.key not in state.unloaded]
    if loaded:
        db.session.expire(obj, loaded)
    return obj
