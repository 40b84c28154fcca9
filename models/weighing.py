"""过磅单. Confirmed slips are never edited: void with a reason and issue a new one."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .catalogue import Grade, Variety
from .contracts import MarketQuote, PurchaseContract
from .places import Household
from .types import Money, Percent, Price, UTCDateTime, Weight, enum_column
from .users import User


class DeductionKind(str, enum.Enum):
    NONE = "none"
    #: a percentage of (gross − tare)
    PERCENT = "percent"
    #: a fixed number of kilograms
    FIXED = "fixed"
    #: kilograms per crate
    PER_UNIT = "per_unit"


class SlipStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    VOID = "void"


class WeighSlip(db.Model):
    __tablename__ = "weigh_slips"
    __table_args__ = (
        CheckConstraint("gross_kg > 0", name="gross_positive"),
        CheckConstraint("tare_kg >= 0", name="tare_not_negative"),
        CheckConstraint("deduction_kg >= 0", name="deduction_not_negative"),
        CheckConstraint("net_kg > 0", name="net_positive"),
        CheckConstraint("net_kg = gross_kg - tare_kg - deduction_kg", name="net_is_gross_less_tare_and_deduction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. GB20260826-0007, sequential per day
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    weighed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    weigher_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    contract_id: Mapped[Optional[int]] = mapped_column(ForeignKey("purchase_contracts.id"), index=True)
    variety_id: Mapped[int] = mapped_column(ForeignKey("varieties.id"))
    plate: Mapped[str] = mapped_column(String(16), default="")
    crates: Mapped[int] = mapped_column(default=0)
    gross_kg: Mapped[Decimal] = mapped_column(Weight)
    tare_kg: Mapped[Decimal] = mapped_column(Weight)
    deduction_kind: Mapped[DeductionKind] = mapped_column(enum_column(DeductionKind), default=DeductionKind.NONE)
    #: percent for PERCENT, kg for FIXED, kg per crate for PER_UNIT (stored in grams' precision)
    deduction_value: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    deduction_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    net_kg: Mapped[Decimal] = mapped_column(Weight)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[SlipStatus] = mapped_column(enum_column(SlipStatus), default=SlipStatus.CONFIRMED, index=True)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    voided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: the voided slip this one re-issues
    replaces_id: Mapped[Optional[int]] = mapped_column(ForeignKey("weigh_slips.id"))
    #: the allocation line (配货) this slip collects for a buyer order; none for contract or spot buying
    allocation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("allocations.id"), index=True)
    allocation: Mapped[Optional["Allocation"]] = relationship()  # noqa: F821  (models.orders)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    weigher: Mapped[User] = relationship(foreign_keys=[weigher_id])
    voided_by: Mapped[Optional[User]] = relationship(foreign_keys=[voided_by_id])
    household: Mapped[Household] = relationship()
    contract: Mapped[Optional[PurchaseContract]] = relationship()
    variety: Mapped[Variety] = relationship()
    replaces: Mapped[Optional["WeighSlip"]] = relationship(remote_side=[id])
    lines: Mapped[list["WeighSlipLine"]] = relationship(
        back_populates="slip", order_by="WeighSlipLine.id", cascade="all, delete-orphan"
    )


class WeighSlipLine(db.Model):
    """One grade of the slip's net weight, with the price applied and why."""

    __tablename__ = "weigh_slip_lines"
    __table_args__ = (
        UniqueConstraint("slip_id", "grade_id", name="uq_weigh_slip_lines_slip_grade"),
        CheckConstraint("net_kg > 0", name="net_positive"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slip_id: Mapped[int] = mapped_column(ForeignKey("weigh_slips.id", ondelete="CASCADE"), index=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    net_kg: Mapped[Decimal] = mapped_column(Weight)
    #: 元/公斤 as applied
    unit_price: Mapped[Decimal] = mapped_column(Price)
    amount: Mapped[Decimal] = mapped_column(Money)
    #: the quote the floor or market_plus mechanism used, if any
    quote_id: Mapped[Optional[int]] = mapped_column(ForeignKey("market_quotes.id"))
    #: a short machine-readable reason: fixed, floor, quote, quote_plus, base
    price_basis: Mapped[str] = mapped_column(String(32))

    slip: Mapped[WeighSlip] = relationship(back_populates="lines")
    grade: Mapped[Grade] = relationship()
    quote: Mapped[Optional[MarketQuote]] = relationship()
