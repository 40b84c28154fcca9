"""The stock migration enters already-posted contract batches as receipts with the same split the
services use: its own copy of largest remainder agrees with ``units.split_largest_remainder``."""
from __future__ import annotations

import importlib.util
import pathlib

from hypothesis import given, strategies as st

from market.units import split_largest_remainder

_PATH = next(pathlib.Path(__file__).parents[3].joinpath("migrations", "versions").glob("*_stock_at_cost.py"))
_SPEC = importlib.util.spec_from_file_location("stock_at_cost", _PATH)
migration = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(migration)


@given(st.integers(0, 10**9), st.dictionaries(st.tuples(st.integers(1, 5), st.integers(1, 8)),
                                              st.integers(0, 10**8), min_size=1, max_size=12))
def test_the_migration_splits_a_batch_cost_exactly_as_the_services_do(total, weights):
    if not any(weights.values()):
        weights = {key: 1 for key in weights}
    assert migration._split(total, weights) == split_largest_remainder(total, weights)


def test_the_migration_enters_posted_batches_as_the_services_would(stocked, deliver):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import select

    from market import database_rules
    from market.stock import services as stock
    from models import StockMovement, db

    deliver({"一级": "33.333", "特级": "12.5"})
    columns = (StockMovement.variety_id, StockMovement.grade_id, StockMovement.kind, StockMovement.moved_on,
               StockMovement.quantity_kg, StockMovement.value, StockMovement.balance_kg, StockMovement.balance_value,
               StockMovement.settlement_id, StockMovement.summary)
    by_services = db.session.execute(select(*columns).order_by(StockMovement.id)).all()
    connection = db.session.connection()
    database_rules.lift_guards(connection)
    try:
        db.session.execute(StockMovement.__table__.delete())
        with Operations.context(MigrationContext.configure(connection)):
            migration._receipts_of_posted_batches()
        db.session.expire_all()
        assert db.session.execute(select(*columns).order_by(StockMovement.id)).all() == by_services
        assert stock.verify() == []
    finally:
        db.session.rollback()
        database_rules.reinstall(db.session.connection())
        db.session.commit()
