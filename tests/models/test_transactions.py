"""Rolling back undoes everything, savepoints included, on SQLite as on PostgreSQL."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Village, db


def test_a_savepoint_released_inside_a_transaction_is_undone_by_its_rollback(app):
    with db.session.begin_nested():
        db.session.add(Village(code="610404004299", name="试验村"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Village)) == 0
