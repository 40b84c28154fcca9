"""Contracts and quotes built straight from the models, and a helper to issue slips."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from market.weighing import services
from models import (ContractGradePrice, ContractStatus, MarketQuote, PriceMechanism, PurchaseContract, User,
                    db)

#: 2026-08-26 09:30 in Xianyang
WEIGHED_AT = datetime(2026, 8, 26, 1, 30, tzinfo=timezone.utc)
DAY = date(2026, 8, 26)
_numbers = itertools.count(1)


@pytest.fixture
def household(make_household):
    household = make_household(head_name="张秀英")
    db.session.commit()  # requests run in their own session and see only committed rows
    return household


@pytest.fixture
def make_contract(app, catalogue, coordinator):
    def build(household, mechanism: PriceMechanism = PriceMechanism.FIXED, prices: dict | None = None,
              status: ContractStatus = ContractStatus.SIGNED, variety=None, premium_pct: str = "0",
              bonus_per_kg: str = "0", quote_source: str = "西安北二环市场") -> PurchaseContract:
        grades = catalogue["grades"]
        prices = prices or {"特级": "6.00", "一级": "5.00", "二级": "4.00", "等外": "2.00"}
        contract = PurchaseContract(
            number=f"HT2026-{next(_numbers):04d}", household_id=household.id, season="2026",
            variety_id=(variety or catalogue["varieties"][0]).id, grade_table_id=catalogue["table"].id,
            main_grade_id=grades["一级"].id, area_mu=Decimal("3.50"), expected_kg=Decimal("5000.000"),
            tolerance_pct=Decimal("10"), mechanism=mechanism, premium_pct=Decimal(premium_pct),
            bonus_per_kg=Decimal(bonus_per_kg), quote_source=quote_source, starts_on=date(2026, 6, 1),
            ends_on=date(2026, 9, 30), status=status, created_by_id=coordinator.id,
            prices=[ContractGradePrice(grade_id=grades[name].id, price=Decimal(p)) for name, p in prices.items()],
        )
        db.session.add(contract)
        db.session.commit()
        return contract

    return build


@pytest.fixture
def make_quote(app, catalogue, coordinator):
    def build(grade_name: str, price: str, day: date = DAY, source: str = "西安北二环市场", variety=None):
        quote = MarketQuote(variety_id=(variety or catalogue["varieties"][0]).id,
                            grade_id=catalogue["grades"][grade_name].id, quoted_on=day, price=Decimal(price),
                            source=source, recorded_by_id=coordinator.id)
        db.session.add(quote)
        db.session.commit()
        return quote

    return build


@pytest.fixture
def issue(app, catalogue, coordinator, household):
    """Issue a slip with sensible defaults; grade rows are (grade name, amount[, unit price])."""

    def do(actor: User | None = None, *, rows=(("一级", "100"),), commit: bool = True, **values):
        grades = catalogue["grades"]
        values.setdefault("household_id", household.id)
        values.setdefault("variety_id", catalogue["varieties"][0].id)
        values.setdefault("weighed_at", WEIGHED_AT)
        values.setdefault("gross", "130")
        values.setdefault("tare", "30")
        if "grade_split" not in values:
            values["grade_split"] = [
                {"grade_id": grades[row[0]].id, "amount": row[1], "unit_price": row[2] if len(row) > 2 else None}
                for row in rows]
        if not values.get("contract_id"):
            for part in values["grade_split"]:
                if part.get("unit_price") is None:
                    part["unit_price"] = "5.00"
        slip = services.issue_slip(actor or coordinator, **values)
        if commit:
            db.session.commit()
        return slip

    return do
