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

from sqlalchemy import select

from models import db

T = TypeVar("T")


def lock_row(obj: T) -> T:
    model = type(obj)
    db.session.execute(select(model.id).where(model.id == obj.id).with_for_update(key_share=True))
    db.session.refresh(obj)
    return obj
