"""Settlement reversals (结算单冲销): a posted settlement undone as a whole, as a document.

An accountant prepares the reversal with the reason; another accountant reviews it, and posting
it writes a red voucher for every voucher the settlement (and its posted adjustments) wrote, voids
its purchase invoices, returns what it moved in or out of stock, releases its weigh slips to be
settled again and carries the payments already applied to it forward, as amounts paid in advance,
to the corrected settlement. The reversed settlement keeps every figure it was posted with.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .orders import Buyer
from .places import Household
from .payments import Payment
from .settlement import Settlement
from .types import Money, UTCDateTime, enum_column
from .users import User
from .weighing import WeighSlip


class ReversalStatus(str, enum.Enum):
    SUBMITTED = "submitted"  # 待审核
    POSTED = "posted"        # 审核记账: the red vouchers are in the books
    RETURNED = "returned"    # 退回: nothing was undone


#: the weigh slips a posted reversal released from its settlement (kept for the record)
reversal_slips = Table(
    "settlement_reversal_slips", db.metadata,
    Column("reversal_id", ForeignKey("settlement_reversals.id"), primary_key=True),
    Column("slip_id", ForeignKey("weigh_slips.id"), primary_key=True),
)


class SettlementReversal(db.Model):
    __tablename__ = "settlement_reversals"
    __table_args__ = (
        # one reversal of a settlement waits or stands at a time; a returned one leaves room
        Index("uq_settlement_reversals_standing", "settlement_id", unique=True,
              sqlite_where=text("status <> 'returned'"), postgresql_where=text("status <> 'returned'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. CX2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[ReversalStatus] = mapped_column(enum_column(ReversalStatus), default=ReversalStatus.SUBMITTED,
                                                   index=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)
    #: the day of the red vouchers (in an open period)
    reverse_on: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    settlement: Mapped[Settlement] = relationship()
    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    reviewed_by: Mapped[Optional[User]] = relationship(foreign_keys=[reviewed_by_id])
    slips: Mapped[list[WeighSlip]] = relationship(secondary=reversal_slips, order_by=WeighSlip.id)
    carried: Mapped[list["CarriedPayment"]] = relationship(back_populates="reversal", order_by="CarriedPayment.id")


class CarriedPayment(db.Model):
    """What a payment had paid on a reversed settlement: taken off it and kept as paid in advance,
    applied by the party's next settlement posted (the corrected one), oldest first."""

    __tablename__ = "carried_payments"
    __table_args__ = (
        CheckConstraint("amount > 0 AND applied >= 0 AND applied <= amount", name="applied_within_amount"),
        CheckConstraint("(buyer_id IS NULL) <> (household_id IS NULL)", name="one_party"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reversal_id: Mapped[int] = mapped_column(ForeignKey("settlement_reversals.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    buyer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("buyers.id"), index=True)
    household_id: Mapped[Optional[int]] = mapped_column(ForeignKey("households.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    #: how much of it later settlements have taken
    applied: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    reversal: Mapped[SettlementReversal] = relationship(back_populates="carried")
    payment: Mapped[Payment] = relationship()
    buyer: Mapped[Optional[Buyer]] = relationship()
    household: Mapped[Optional[Household]] = relationship()

    @property
    def left(self) -> Decimal:
        return self.amount - self.applied
