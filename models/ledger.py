"""The double-entry ledger: accounts (科目), periods (会计期间), vouchers (记账凭证) and their lines.

Rules the database itself keeps (see ``market/database_rules.py``): every line is a debit xor a
credit above zero; lines of a posted voucher can be neither changed nor deleted nor added to;
a posted voucher cannot be changed or deleted; a voucher can only be posted balanced.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .types import Money, UTCDateTime, enum_column
from .users import User


class AccountKind(str, enum.Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    COST = "cost"
    REVENUE = "revenue"
    EXPENSE = "expense"


class PartyType(str, enum.Enum):
    """辅助核算: what kind of party an account's lines carry."""

    NONE = "none"
    HOUSEHOLD = "household"
    BUYER = "buyer"
    SUPPLIER = "supplier"  # 供应商 / 承运商 (2202 应付账款 for freight and packing)


class Account(db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: small-enterprise numbering, e.g. 1002 银行存款, 2221.01 应交增值税(进项税额)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind))
    party_type: Mapped[PartyType] = mapped_column(enum_column(PartyType), default=PartyType.NONE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PeriodStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Period(db.Model):
    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("year", "month", name="uq_periods_year_month"),
                      CheckConstraint("month BETWEEN 1 AND 12", name="month_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    status: Mapped[PeriodStatus] = mapped_column(enum_column(PeriodStatus), default=PeriodStatus.OPEN)
    #: the highest voucher number given in this period (numbers are gapless, given at posting)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class VoucherStatus(str, enum.Enum):
    PREPARED = "prepared"    # 制单
    APPROVED = "approved"    # 审核
    POSTED = "posted"        # 记账
    REJECTED = "rejected"


class VoucherSource(str, enum.Enum):
    MANUAL = "manual"
    SETTLEMENT = "settlement"
    PAYMENT = "payment"
    REVERSAL = "reversal"
    INPUT_CREDIT = "input_credit"  # 农资赊销
    DEPOSIT = "deposit"            # 定金处理: a terminated contract's deposit settled
    #: 期末结转: 损益类 to 3103 本年利润 (each month), 3103 to 3104 利润分配 (December), and the
    #: red reversal of either when its period is reopened (``reverses_id`` set)
    CLOSING = "closing"
    STOCK_COUNT = "stock_count"    # 盘点: surplus and loss found counting the warehouse
    ADJUSTMENT = "adjustment"      # 调整单: a sales allowance or a household's price corrected


class Voucher(db.Model):
    __tablename__ = "vouchers"
    __table_args__ = (UniqueConstraint("period_id", "number", name="uq_vouchers_period_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    #: gapless per period, given when posted
    number: Mapped[Optional[int]] = mapped_column(Integer)
    voucher_date: Mapped[date] = mapped_column()
    #: 摘要
    summary: Mapped[str] = mapped_column(String(255))
    attachments: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[VoucherStatus] = mapped_column(enum_column(VoucherStatus), default=VoucherStatus.PREPARED,
                                                  index=True)
    source: Mapped[VoucherSource] = mapped_column(enum_column(VoucherSource), default=VoucherSource.MANUAL)
    source_id: Mapped[Optional[int]] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    #: SHA-256 of the voucher's canonical body, to tell a retry from a conflicting reuse of the key
    body_hash: Mapped[str] = mapped_column(String(64))
    #: the voucher this 红字 voucher reverses; a voucher is reversed at most once
    reverses_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vouchers.id"), unique=True)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    rejected_reason: Mapped[str] = mapped_column(Text, default="")
    #: when posted: SHA-256 over its content and the previous posted voucher's of the period
    #: (``market.ledger.rules.chain_hash``), so that ``flask ledger verify`` sees any later change
    chain_hash: Mapped[Optional[str]] = mapped_column(String(64))

    period: Mapped[Period] = relationship()
    lines: Mapped[list["VoucherLine"]] = relationship(back_populates="voucher", order_by="VoucherLine.line_no",
                                                      cascade="save-update, merge")
    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[Optional[User]] = relationship(foreign_keys=[approved_by_id])
    posted_by: Mapped[Optional[User]] = relationship(foreign_keys=[posted_by_id])
    reverses: Mapped[Optional["Voucher"]] = relationship(remote_side=[id])


class VoucherLine(db.Model):
    """分录: a debit xor a credit, above zero, on one account, for an optional party."""

    __tablename__ = "voucher_lines"
    __table_args__ = (
        UniqueConstraint("voucher_id", "line_no", name="uq_voucher_lines_voucher_line_no"),
        CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="debit_xor_credit"),
        # one party's lines on an account (its balance, its 明细账, a payout's limit) without reading the
        # account's every line: 2202 holds most of a year's lines
        Index("ix_voucher_lines_account_party", "account_id", "party_type", "party_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    party_type: Mapped[PartyType] = mapped_column(enum_column(PartyType), default=PartyType.NONE)
    party_id: Mapped[Optional[int]] = mapped_column(Integer)
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    memo: Mapped[str] = mapped_column(String(255), default="")
    #: the party's name when the voucher was prepared (a household's head, a buyer's name): a
    #: later renaming changes the party, not what this voucher recorded
    party_name: Mapped[str] = mapped_column(String(128), default="")

    voucher: Mapped[Voucher] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship()


class PeriodBalance(db.Model):
    """Closing balances snapshotted when a period closes (per account and party)."""

    __tablename__ = "period_balances"
    __table_args__ = (UniqueConstraint("period_id", "account_id", "party_type", "party_key",
                                       name="uq_period_balances_period_account_party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    party_type: Mapped[PartyType] = mapped_column(enum_column(PartyType), default=PartyType.NONE)
    #: party id, or 0 for none (so the unique constraint sees one row per account without party)
    party_key: Mapped[int] = mapped_column(Integer, default=0)
    #: the period's own movements
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: cumulative debit-positive balance at the period's end
    closing: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    account: Mapped[Account] = relationship()
