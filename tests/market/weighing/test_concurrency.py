"""Two weighbridges numbering slips at the same moment (PostgreSQL: real concurrent transactions)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from market.weighing import services
from models import User, WeighSlip, db

from .conftest import WEIGHED_AT


@pytest.mark.postgres_only
def test_two_weighers_reading_the_same_last_serial_both_get_a_unique_number(app, catalogue, coordinator, admin,
                                                                           household, monkeypatch):
    both_read = threading.Barrier(2, timeout=20)
    real = services._day_serial_max
    seen = threading.local()

    def read_then_wait(day):
        value = real(day)
        if not getattr(seen, "waited", False):
            seen.waited = True
            both_read.wait()  # each has read the day's highest serial before either inserts
        return value

    monkeypatch.setattr(services, "_day_serial_max", read_then_wait)
    grade_id = catalogue["grades"]["一级"].id
    variety_id = catalogue["varieties"][0].id
    household_id = household.id
    user_ids = [coordinator.id, admin.id]
    errors: list[BaseException] = []

    def weigh(user_id: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, user_id)
                services.issue_slip(actor, household_id=household_id, variety_id=variety_id, gross="130",
                                    tare="30", weighed_at=WEIGHED_AT,
                                    grade_split=[{"grade_id": grade_id, "amount": "100", "unit_price": "5"}])
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=weigh, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    assert sorted(db.session.scalars(select(WeighSlip.serial))) == ["GB20260826-0001", "GB20260826-0002"]
