"""Exact column types on the real database: fen and grams in, Decimal out, floats refused."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import exc

from models import Household, ProduceLot, QuantityUnit, db
from models.types import Money


def test_money_columns_store_integer_fen(app):
    assert Money.process_bind_param(Decimal("12.34"), None) == 1234
    assert Money.process_result_value(1234, None) == Decimal("12.34")
    with pytest.raises(TypeError):
        Money.process_bind_param(12.34, None)
    with pytest.raises(ValueError):
        Money.process_bind_param(Decimal("0.001"), None)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.integers(min_value=1, max_value=10**15))
def test_weights_survive_the_database_exactly(app, catalogue, make_household, villager, grams):
    household = db.session.get(Household, villager.household_id)
    kg = Decimal(grams).scaleb(-3)
    lot = ProduceLot(household_id=household.id, variety_id=catalogue["varieties"][0].id,
                     grade_id=catalogue["table"].grades[0].id, quantity_kg=kg, entered_unit=QuantityUnit.KG,
                     ready_from=dt.date(2026, 8, 1), ready_to=dt.date(2026, 8, 3),
                     spoil_by=dt.date(2026, 8, 6), village_id=household.village_id,
                     created_by_id=villager.id)
    db.session.add(lot)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ProduceLot, lot.id).quantity_kg == kg
    raw = db.session.execute(db.text("SELECT quantity_kg FROM produce_lots WHERE id = :id"), {"id": lot.id}).scalar()
    assert raw == grams
    db.session.delete(db.session.get(ProduceLot, lot.id))
    db.session.commit()


def test_the_database_refuses_a_lot_of_zero_kilograms(app, catalogue, villager):
    household = db.session.get(Household, villager.household_id)
    db.session.add(ProduceLot(household_id=household.id, variety_id=catalogue["varieties"][0].id,
                              grade_id=catalogue["table"].grades[0].id, quantity_kg=Decimal("0"),
                              entered_unit=QuantityUnit.KG, ready_from=dt.date(2026, 8, 1),
                              ready_to=dt.date(2026, 8, 1), spoil_by=dt.date(2026, 8, 2),
                              village_id=household.village_id, created_by_id=villager.id))
    with pytest.raises(exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
