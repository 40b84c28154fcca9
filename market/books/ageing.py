"""Receivables by age (账龄分析): what each buyer still owes, by days past due."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from models import Buyer, Settlement, SettlementKind, User, db

from ..payments.applying import BUCKETS
from ..settlements.states import IN_BOOKS
from .common import ZERO, as_of_day, require_reader
from .statements import buyer_statement


@dataclass
class AgeingRow:
    buyer: Buyer
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass
class Ageing:
    as_of: date
    rows: list[AgeingRow]

    @property
    def totals(self) -> dict[str, Decimal]:
        return {label: sum((row.buckets[label] for row in self.rows), ZERO) for label, *_ in BUCKETS}

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)


def receivables_ageing(actor: User, as_of: Any = None) -> Ageing:
    """账龄分析: what each buyer still owes at ``as_of``, by days past due."""
    require_reader(actor)
    day = as_of_day(as_of)
    rows = []
    buyer_ids = db.session.scalars(
        select(Settlement.buyer_id).where(Settlement.kind == SettlementKind.ORDER, Settlement.status.in_(IN_BOOKS),
                                          Settlement.settle_on <= day, Settlement.buyer_id.is_not(None))
        .distinct()).all()
    for buyer in db.session.scalars(select(Buyer).where(Buyer.id.in_(buyer_ids)).order_by(Buyer.name, Buyer.id)):
        statement = buyer_statement(actor, buyer, day)
        if statement.outstanding > 0:
            rows.append(AgeingRow(buyer=buyer, buckets=statement.buckets))
    return Ageing(as_of=day, rows=rows)
