"""交售登记: what a household offers to sell."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .catalogue import Grade, Variety
from .places import Household, Village, VillageGroup
from .types import UTCDateTime, Weight, enum_column
from .users import User


class QuantityUnit(str, enum.Enum):
    """The unit a person typed; kilograms are what is stored."""

    JIN = "jin"
    KG = "kg"
    TONNE = "t"


class LotStatus(str, enum.Enum):
    LISTED = "listed"
    ALLOCATED = "allocated"
    COLLECTED = "collected"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class ProduceLot(db.Model):
    __tablename__ = "produce_lots"
    __table_args__ = (
        CheckConstraint("quantity_kg > 0", name="quantity_positive"),
        CheckConstraint("ready_to >= ready_from", name="ready_window_ordered"),
        CheckConstraint("reserved_kg >= 0 AND reserved_kg <= quantity_kg", name="reserved_within_quantity"),
        # lists show the newest lots first, a page at a time: read in this order, not all sorted
        Index("ix_produce_lots_newest", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    variety_id: Mapped[int] = mapped_column(ForeignKey("varieties.id"), index=True)
    #: grade the household declares; the weigh slip records the graded truth
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    quantity_kg: Mapped[Decimal] = mapped_column(Weight)
    entered_unit: Mapped[QuantityUnit] = mapped_column(enum_column(QuantityUnit))
    #: kilograms promised to confirmed orders; changed only under a row lock
    reserved_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    ready_from: Mapped[date] = mapped_column()
    ready_to: Mapped[date] = mapped_column()
    #: after this day the fruit is lost (滞销 urgency)
    spoil_by: Mapped[date] = mapped_column()
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("village_groups.id"))
    location_note: Mapped[str] = mapped_column(String(128), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[LotStatus] = mapped_column(enum_column(LotStatus), default=LotStatus.LISTED, index=True)
    #: who typed it in: the villager, or a coordinator entering on their behalf
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = relationship()
    variety: Mapped[Variety] = relationship()
    grade: Mapped[Grade] = relationship()
    village: Mapped[Village] = relationship()
    group: Mapped[Optional[VillageGroup]] = relationship()
    created_by: Mapped[User] = relationship()
    photos: Mapped[list["LotPhoto"]] = relationship(
        back_populates="lot", order_by="LotPhoto.id", cascade="all, delete-orphan"
    )


class LotPhoto(db.Model):
    """A photo stored under the instance folder; the name on disk is random."""

    __tablename__ = "lot_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("produce_lots.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[ProduceLot] = relationship(back_populates="photos")
