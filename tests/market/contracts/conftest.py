"""Builders for contracts, quotes and weigh slips used across the contract tests."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from market.contracts import services
from models import SlipStatus, WeighSlip, db

_serials = itertools.count(1)


@pytest.fixture
def grades(catalogue):
    return catalogue["grades"]


@pytest.fixture
def peach(catalogue):
    """水蜜桃."""
    return catalogue["varieties"][0]


def price_rows(grades, special="8.00", first="6.00", second="4.00", offgrade="1.00"):
    return {grades["特级"].id: special, grades["一级"].id: first, grades["二级"].id: second,
            grades["等外"].id: offgrade}


@pytest.fixture
def contract_args(villager, peach, grades):
    """Arguments of a fixed-price contract: 5000 kg of 水蜜桃, main grade 一级 at 6.00 元/公斤."""
    def build(**overrides):
        args = dict(
            household_id=villager.household_id, season="2026", variety_id=peach.id,
            main_grade_id=grades["一级"].id, area_mu=Decimal("3.5"), expected_kg=Decimal("5000"),
            tolerance_pct=Decimal("5"), mechanism="fixed", grade_prices=price_rows(grades),
            starts_on=date(2026, 7, 1), ends_on=date(2026, 8, 31), delivery_terms="田间交货，乙方运输",
        )
        args.update(overrides)
        return args
    return build


@pytest.fixture
def make_contract(coordinator, contract_args):
    """A contract in the given status (draft, signed or active), committed."""
    def build(status: str = "draft", actor=None, **overrides):
        actor = actor or coordinator
        contract = services.create_contract(actor, **contract_args(**overrides))
        if status in ("signed", "active", "fulfilled"):
            services.sign(actor, contract)
        if status in ("active", "fulfilled"):
            services.activate(actor, contract)
        if status == "fulfilled":
            services.fulfil(actor, contract)
        if status == "terminated":
            services.terminate(actor, contract, "双方协商解除")
        db.session.commit()
        return contract
    return build


@pytest.fixture
def make_slip(coordinator):
    """A weigh slip against a contract, written directly (the weighing feature has its own tests)."""
    def build(contract, net_kg: str, amount: str = "0.00", status: SlipStatus = SlipStatus.CONFIRMED):
        net = Decimal(net_kg)
        slip = WeighSlip(
            serial=f"GB20260801-{next(_serials):04d}", weighed_at=datetime(2026, 8, 1, 2, 0, tzinfo=timezone.utc),
            weigher_id=coordinator.id, household_id=contract.household_id, contract_id=contract.id,
            variety_id=contract.variety_id, gross_kg=net + Decimal("20.000"), tare_kg=Decimal("20.000"),
            net_kg=net, amount=Decimal(amount), status=status,
            void_reason="磅秤故障" if status is SlipStatus.VOID else "",
        )
        db.session.add(slip)
        db.session.commit()
        return slip
    return build
