"""Buyers, their orders, allocation runs and the kilograms each lot gives to an order."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .catalogue import Grade, Variety
from .places import Household, PartyGroup
from .produce import ProduceLot, QuantityUnit
from .types import Percent, Price, UTCDateTime, Weight, enum_column
from .users import User


class Buyer(db.Model):
    """采购商 / 超市."""

    __tablename__ = "buyers"
    __table_args__ = (
        CheckConstraint("payment_terms_days >= 0 AND payment_terms_days <= 60", name="terms_at_most_60_days"),
        CheckConstraint("accept_below_pct >= 0 AND accept_below_pct <= reject_above_pct", name="acceptance_ordered"),
        # stored in hundredths of a percent: 0 % to 5 %
        CheckConstraint("weighbridge_tolerance_pct >= 0 AND weighbridge_tolerance_pct <= 500",
                        name="weighbridge_tolerance_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    #: 统一社会信用代码, 18 characters
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    province: Mapped[str] = mapped_column(String(32), default="")
    city: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    #: defects below this % are accepted as they are
    accept_below_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("1"))
    #: defects above this % reject the delivery; in between, the defect weight is deducted
    reject_above_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("5"))
    #: 磅差: how far (percent of the loaded weight) the supermarket's weighbridge may read above the
    #: loading note before a receipt is refused; within it a coordinator records why
    weighbridge_tolerance_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("1"))
    #: 账期: days after acceptance the buyer pays (at most 60 by law)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name


class SaleMode(str, enum.Enum):
    FIELD_DIRECT = "field_direct"          # 田间直采
    FARM_TO_SUPERMARKET = "farm_to_supermarket"  # 农超直销


class OrderStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    ALLOCATED = "allocated"
    COLLECTING = "collecting"
    SHIPPED = "shipped"
    RECEIVED = "received"
    SETTLED = "settled"
    CANCELLED = "cancelled"


class RejectPolicy(str, enum.Enum):
    """Who bears the supermarket's rejects and shrink."""

    COMPANY_BEARS = "company_bears"
    PRO_RATA = "pro_rata"


class AllocationPolicy(str, enum.Enum):
    FAIR = "fair"
    OPTIMAL = "optimal"


class BuyerOrder(db.Model):
    """采购订单."""

    __tablename__ = "buyer_orders"
    __table_args__ = (
        CheckConstraint("quantity_kg > 0", name="quantity_positive"),
        CheckConstraint("delivered_price > 0", name="price_positive"),
        CheckConstraint("window_end >= window_start", name="window_ordered"),
        CheckConstraint("crate_kg > 0", name="crate_positive"),
        CheckConstraint("expected_cost_per_kg >= 0", name="expected_cost_not_negative"),
        CheckConstraint("min_pick_kg >= 0 AND min_pick_kg <= quantity_kg", name="min_pick_within_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. DD2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    variety_id: Mapped[int] = mapped_column(ForeignKey("varieties.id"))
    #: the worst acceptable grade
    min_grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    quantity_kg: Mapped[Decimal] = mapped_column(Weight)
    entered_unit: Mapped[QuantityUnit] = mapped_column(enum_column(QuantityUnit), default=QuantityUnit.KG)
    #: 元/公斤 the buyer pays, delivered
    delivered_price: Mapped[Decimal] = mapped_column(Price)
    mode: Mapped[SaleMode] = mapped_column(enum_column(SaleMode, 24))
    window_start: Mapped[date] = mapped_column()
    window_end: Mapped[date] = mapped_column()
    destination: Mapped[str] = mapped_column(String(255), default="")
    crate_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("10"))
    party_group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("party_groups.id"))
    reject_policy: Mapped[RejectPolicy] = mapped_column(enum_column(RejectPolicy), default=RejectPolicy.COMPANY_BEARS)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), default=OrderStatus.DRAFT, index=True)
    #: allocation parameters, editable per order (see market/orders/allocation.py)
    share_cap_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("10"))
    stop_cost: Mapped[Decimal] = mapped_column(Price, default=Decimal("30"))
    km_cost: Mapped[Decimal] = mapped_column(Price, default=Decimal("2"))
    urgency_credit: Mapped[Decimal] = mapped_column(Price, default=Decimal("0.5"))
    urgency_horizon_days: Mapped[int] = mapped_column(Integer, default=14)
    #: the least one household is given (0: no least): a trip for a few kilograms costs more than it brings
    min_pick_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    #: 元/公斤 of logistics and packing expected, for the margin shown before picking
    expected_cost_per_kg: Mapped[Decimal] = mapped_column(Price, default=Decimal("0"))
    #: why the order stands although a grade's farm-gate price plus costs exceeds the delivered price
    below_cost_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    cancelled_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    buyer: Mapped[Buyer] = relationship()
    variety: Mapped[Variety] = relationship()
    min_grade: Mapped[Grade] = relationship()
    party_group: Mapped[Optional[PartyGroup]] = relationship()
    created_by: Mapped[User] = relationship()
    prices: Mapped[list["OrderGradePrice"]] = relationship(back_populates="order", cascade="all, delete-orphan")
    runs: Mapped[list["AllocationRun"]] = relationship(back_populates="order", order_by="AllocationRun.id")


class OrderGradePrice(db.Model):
    """The farm-gate price households get for a grade on this order, 元/公斤."""

    __tablename__ = "order_grade_prices"
    __table_args__ = (UniqueConstraint("order_id", "grade_id", name="uq_order_grade_prices_order_grade"),
                      CheckConstraint("price >= 0", name="price_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("buyer_orders.id", ondelete="CASCADE"))
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    price: Mapped[Decimal] = mapped_column(Price)

    order: Mapped[BuyerOrder] = relationship(back_populates="prices")
    grade: Mapped[Grade] = relationship()


class RunStatus(str, enum.Enum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    SUPERSEDED = "superseded"


class AllocationRun(db.Model):
    """One reproducible run of the allocation engine: policy, parameters, inputs' hash, result."""

    __tablename__ = "allocation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("buyer_orders.id"), index=True)
    policy: Mapped[AllocationPolicy] = mapped_column(enum_column(AllocationPolicy))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    input_hash: Mapped[str] = mapped_column(String(64))
    requested_kg: Mapped[Decimal] = mapped_column(Weight)
    filled_kg: Mapped[Decimal] = mapped_column(Weight)
    shortfall_kg: Mapped[Decimal] = mapped_column(Weight)
    #: per-household explanations and ineligible lots, as the engine gave them
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the optimal policy's objective, 元, as text (exact)
    cost: Mapped[Optional[str]] = mapped_column(String(64))
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.PROPOSED)
    #: lines changed by hand after the run (audited)
    adjusted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    order: Mapped[BuyerOrder] = relationship(back_populates="runs")
    lines: Mapped[list["Allocation"]] = relationship(back_populates="run", order_by="Allocation.id",
                                                     cascade="all, delete-orphan")


class Allocation(db.Model):
    """配货: the kilograms one lot gives to one order, in one run."""

    __tablename__ = "allocations"
    __table_args__ = (UniqueConstraint("run_id", "lot_id", name="uq_allocations_run_lot"),
                      CheckConstraint("kg > 0", name="kg_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("allocation_runs.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("buyer_orders.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("produce_lots.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    kg: Mapped[Decimal] = mapped_column(Weight)
    #: planned picking day
    pick_on: Mapped[Optional[date]] = mapped_column()

    run: Mapped[AllocationRun] = relationship(back_populates="lines")
    lot: Mapped[ProduceLot] = relationship()
    household: Mapped[Household] = relationship()
