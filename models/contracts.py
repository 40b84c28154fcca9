"""订单收购合同, its prices, prepayments, and market quotes."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .catalogue import Grade, GradeTable, Variety
from .places import Household
from .types import Area, Money, Percent, Price, UTCDateTime, Weight, enum_column
from .users import User


class PriceMechanism(str, enum.Enum):
    #: the grade price, whatever the market does
    FIXED = "fixed"
    #: 保底价: max(floor, that day's quote)
    FLOOR = "floor"
    #: 随行就市: quote × (1 + premium %), never below the floor
    MARKET_PLUS = "market_plus"
    #: base price now, a bonus per kg paid later from profit (二次返利)
    BASE_BONUS = "base_bonus"


class ContractStatus(str, enum.Enum):
    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    FULFILLED = "fulfilled"
    TERMINATED = "terminated"


class PurchaseContract(db.Model):
    __tablename__ = "purchase_contracts"
    __table_args__ = (
        CheckConstraint("expected_kg > 0", name="expected_positive"),
        CheckConstraint("tolerance_pct >= 0 AND tolerance_pct <= 5000", name="tolerance_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: e.g. "2026"
    season: Mapped[str] = mapped_column(String(16))
    variety_id: Mapped[int] = mapped_column(ForeignKey("varieties.id"))
    grade_table_id: Mapped[int] = mapped_column(ForeignKey("grade_tables.id"))
    #: the grade the contract value (and so the 20 % 定金 cap) is reckoned at
    main_grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    area_mu: Mapped[Decimal] = mapped_column(Area)
    expected_kg: Mapped[Decimal] = mapped_column(Weight)
    tolerance_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("5"))
    mechanism: Mapped[PriceMechanism] = mapped_column(enum_column(PriceMechanism))
    #: for market_plus: the premium over the quote
    premium_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    #: for base_bonus: the promised second payout, 元/公斤
    bonus_per_kg: Mapped[Decimal] = mapped_column(Price, default=Decimal("0"))
    #: named market whose quote the floor and market_plus mechanisms follow
    quote_source: Mapped[str] = mapped_column(String(64), default="")
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    delivery_terms: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus), default=ContractStatus.DRAFT)
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    terminated_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()
    variety: Mapped[Variety] = relationship()
    grade_table: Mapped[GradeTable] = relationship()
    main_grade: Mapped[Grade] = relationship()
    created_by: Mapped[User] = relationship()
    prices: Mapped[list["ContractGradePrice"]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )
    prepayments: Mapped[list["ContractPrepayment"]] = relationship(
        back_populates="contract", order_by="ContractPrepayment.id"
    )


class ContractGradePrice(db.Model):
    """Per-grade price: the fixed price, the floor, or the base, by mechanism (元/公斤)."""

    __tablename__ = "contract_grade_prices"
    __table_args__ = (
        UniqueConstraint("contract_id", "grade_id", name="uq_contract_grade_prices_contract_grade"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("purchase_contracts.id", ondelete="CASCADE"))
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    price: Mapped[Decimal] = mapped_column(Price)

    contract: Mapped[PurchaseContract] = relationship(back_populates="prices")
    grade: Mapped[Grade] = relationship()


class PrepaymentKind(str, enum.Enum):
    #: 定金: at most 20 % of the contract value (民法典 art. 586)
    DEPOSIT = "deposit"
    #: 预付款: an advance on the price, recovered at settlement
    ADVANCE = "advance"


class ContractPrepayment(db.Model):
    __tablename__ = "contract_prepayments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("purchase_contracts.id"), index=True)
    kind: Mapped[PrepaymentKind] = mapped_column(enum_column(PrepaymentKind))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[PurchaseContract] = relationship(back_populates="prepayments")


class MarketQuote(db.Model):
    """行情: one market's price for a variety and grade on a day."""

    __tablename__ = "market_quotes"
    __table_args__ = (
        UniqueConstraint("variety_id", "grade_id", "quoted_on", "source",
                         name="uq_market_quotes_variety_grade_day_source"),
        CheckConstraint("price > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variety_id: Mapped[int] = mapped_column(ForeignKey("varieties.id"), index=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    quoted_on: Mapped[date] = mapped_column(index=True)
    price: Mapped[Decimal] = mapped_column(Price)
    source: Mapped[str] = mapped_column(String(64))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    variety: Mapped[Variety] = relationship()
    grade: Mapped[Grade] = relationship()
