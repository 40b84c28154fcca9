"""Adjustments (调整单): a posted settlement's amounts corrected after the fact, as documents.

Two kinds: a 销售折让/价格调整 agreed with the buyer after receipt (the buyer owes less), and a
价格更正 of one household's price for one delivered grade (the household is owed more or less).
Neither changes the settlement it corrects: each is its own document, reviewed by an accountant
other than the one who prepared it, and posting it writes its voucher and moves what the party
owes or is owed (``Settlement.buyer_adjusted``, ``SettlementHousehold.adjusted``).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .ledger import Voucher
from .orders import Buyer
from .places import Household
from .settlement import Settlement, SettlementHousehold, SettlementItem
from .types import Money, Price, UTCDateTime, enum_column
from .users import User


class AdjustmentKind(str, enum.Enum):
    SALES_ALLOWANCE = "sales_allowance"    # 销售折让/价格调整: the buyer owes less after receipt
    PRICE_CORRECTION = "price_correction"  # 价格更正: a household's price for one grade corrected


class AdjustmentStatus(str, enum.Enum):
    SUBMITTED = "submitted"  # 待审核
    POSTED = "posted"        # 审核记账
    RETURNED = "returned"    # 退回: not booked; a new adjustment is prepared instead


class Adjustment(db.Model):
    __tablename__ = "adjustments"
    __table_args__ = (
        CheckConstraint("amount = vat + excl_vat", name="vat_plus_excl_vat"),
        CheckConstraint("(kind = 'sales_allowance' AND amount < 0 AND buyer_id IS NOT NULL AND line_id IS NULL"
                        " AND vat <= 0 AND excl_vat < 0)"
                        " OR (kind = 'price_correction' AND amount <> 0 AND line_id IS NOT NULL"
                        " AND item_id IS NOT NULL AND new_price IS NOT NULL AND buyer_id IS NULL"
                        " AND ((amount > 0 AND vat >= 0 AND excl_vat > 0) OR (amount < 0 AND vat <= 0 AND excl_vat < 0)))",
                        name="kind_has_its_fields"),
        # one correction of a grade line waits for review at a time
        Index("uq_adjustments_waiting_item", "item_id", unique=True,
              sqlite_where=text("status = 'submitted'"), postgresql_where=text("status = 'submitted'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. TZ2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[AdjustmentKind] = mapped_column(enum_column(AdjustmentKind))
    status: Mapped[AdjustmentStatus] = mapped_column(enum_column(AdjustmentStatus), default=AdjustmentStatus.SUBMITTED,
                                                     index=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)
    buyer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("buyers.id"), index=True)
    household_id: Mapped[Optional[int]] = mapped_column(ForeignKey("households.id"), index=True)
    #: the household's line and the grade line (its slips at one price) a price correction changes
    line_id: Mapped[Optional[int]] = mapped_column(ForeignKey("settlement_households.id"), index=True)
    item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("settlement_items.id"))
    #: the day of its voucher
    adjusted_on: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    #: an allowance given per kilogram accepted (元/公斤), when it was agreed that way
    per_kg: Mapped[Optional[Decimal]] = mapped_column(Price)
    #: a price correction's price before and after (元/公斤)
    old_price: Mapped[Optional[Decimal]] = mapped_column(Price)
    new_price: Mapped[Optional[Decimal]] = mapped_column(Price)
    #: the signed change of the settled amount, tax included: what the buyer owes (an allowance, below
    #: zero) or what the household is owed (a correction, either way)
    amount: Mapped[Decimal] = mapped_column(Money)
    #: its VAT (销项税额 of an allowance, calculated 进项税额 of a correction) and the rest, same sign
    vat: Mapped[Decimal] = mapped_column(Money)
    excl_vat: Mapped[Decimal] = mapped_column(Money)
    #: an allowance: the 红字增值税发票 (or its 信息表) number, when the buyer's invoice was reissued;
    #: a correction: the number of the red (or, upwards, supplementary) 收购发票 it issues when posted
    invoice_number: Mapped[str] = mapped_column(String(32), default="")
    voucher_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vouchers.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    returned_reason: Mapped[str] = mapped_column(Text, default="")

    settlement: Mapped[Settlement] = relationship()
    buyer: Mapped[Optional[Buyer]] = relationship()
    household: Mapped[Optional[Household]] = relationship()
    line: Mapped[Optional[SettlementHousehold]] = relationship()
    item: Mapped[Optional[SettlementItem]] = relationship()
    voucher: Mapped[Optional[Voucher]] = relationship()
    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    reviewed_by: Mapped[Optional[User]] = relationship(foreign_keys=[reviewed_by_id])
