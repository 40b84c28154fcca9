"""Payments (收付款) and their batches and applications, input credits (农资赊销) and deposit
closures (定金处理): the money that moves after a settlement, or beside it.

A payment is applied to a household's line of a settlement or to a buyer's settlement; a payment,
credit or closure recorded in error is voided, never deleted.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .contracts import ContractPrepayment, PurchaseContract
from .ledger import Voucher
from .orders import Buyer
from .places import Household, PayoutMethod
from .settlement import Settlement, SettlementHousehold, Supplier
from .types import Money, UTCDateTime, enum_column
from .users import User


class PaymentKind(str, enum.Enum):
    BUYER_RECEIPT = "buyer_receipt"        # 收款: the supermarket pays its receivable
    HOUSEHOLD_PAYOUT = "household_payout"  # 付款: a household is paid what it is owed
    ADVANCE = "advance"                    # 预付: a contract's advance or deposit paid out
    SUPPLIER_PAYOUT = "supplier_payout"    # 付款: a carrier or supplier is paid what it is owed


class PaymentBatch(db.Model):
    """A batch payout, exported as the bank's import file."""

    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    paid_on: Mapped[date] = mapped_column()
    total: Mapped[Decimal] = mapped_column(Money)
    count: Mapped[int] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()
    payments: Mapped[list["Payment"]] = relationship(back_populates="batch", order_by="Payment.id")


#: a payout above this needs a supporting document's reference
LARGE_PAYOUT = Decimal("50000")


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("method <> 'cash' OR signer <> ''", name="cash_is_signed"),
        CheckConstraint("kind <> 'household_payout' OR amount <= 5000000 OR supporting_doc <> ''",
                        name="large_payout_supported"),
        CheckConstraint("(CASE WHEN buyer_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN household_id IS NULL THEN 0 ELSE 1 END)"
                        " + (CASE WHEN supplier_id IS NULL THEN 0 ELSE 1 END) = 1", name="exactly_one_party"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. FK2026-0001 (付款), SK2026-0001 (收款)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[PaymentKind] = mapped_column(enum_column(PaymentKind), index=True)
    method: Mapped[PayoutMethod] = mapped_column(enum_column(PayoutMethod))
    buyer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("buyers.id"), index=True)
    household_id: Mapped[Optional[int]] = mapped_column(ForeignKey("households.id"), index=True)
    supplier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suppliers.id"), index=True)
    #: the contract advance or deposit this pays out (kind ``advance``)
    prepayment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("contract_prepayments.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column()
    #: the bank's or WeChat's transaction reference
    reference: Mapped[str] = mapped_column(String(64), default="")
    #: who signed for cash received
    signer: Mapped[str] = mapped_column(String(64), default="")
    #: contract, receipt or approval that supports a large payout
    supporting_doc: Mapped[str] = mapped_column(String(128), default="")
    batch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    voucher_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vouchers.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a payment recorded in error is voided (its voucher rejected or reversed), never deleted
    voided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    buyer: Mapped[Optional[Buyer]] = relationship()
    household: Mapped[Optional[Household]] = relationship()
    supplier: Mapped[Optional[Supplier]] = relationship()
    prepayment: Mapped[Optional[ContractPrepayment]] = relationship()
    batch: Mapped[Optional[PaymentBatch]] = relationship(back_populates="payments")
    voucher: Mapped[Optional[Voucher]] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    voided_by: Mapped[Optional[User]] = relationship(foreign_keys=[voided_by_id])
    applications: Mapped[list["PaymentApplication"]] = relationship(back_populates="payment",
                                                                    order_by="PaymentApplication.id")


class PaymentApplication(db.Model):
    """How a payment was applied: to a household's line of a settlement, or to a buyer's settlement."""

    __tablename__ = "payment_applications"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint("(line_id IS NULL) <> (settlement_id IS NULL)", name="one_target"))

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    line_id: Mapped[Optional[int]] = mapped_column(ForeignKey("settlement_households.id"), index=True)
    settlement_id: Mapped[Optional[int]] = mapped_column(ForeignKey("settlements.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    payment: Mapped[Payment] = relationship(back_populates="applications")
    line: Mapped[Optional[SettlementHousehold]] = relationship()
    settlement: Mapped[Optional[Settlement]] = relationship()


class InputCredit(db.Model):
    """农资赊销: fertiliser, bags, pesticide … supplied to a household on credit.

    The amount is recovered from the household's next settlements, after its advances, never
    taking a settlement below zero; what does not fit is carried over to the settlement after.
    """

    __tablename__ = "input_credits"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: e.g. NZ2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_on: Mapped[date] = mapped_column()
    #: what was supplied, e.g. "复合肥 40袋"
    item: Mapped[str] = mapped_column(String(128))
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text, default="")
    voucher_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vouchers.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    #: a credit recorded in error is voided (its voucher rejected or reversed), never deleted
    voided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    household: Mapped[Household] = relationship()
    voucher: Mapped[Optional[Voucher]] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    voided_by: Mapped[Optional[User]] = relationship(foreign_keys=[voided_by_id])


class DepositOutcome(str, enum.Enum):
    """How the 定金 of a terminated contract ends (民法典 第五百八十七条)."""

    RETURNED = "returned"    # 退还: the contract ended by agreement, the household pays the deposit back
    FORFEITED = "forfeited"  # 丧失: the company broke the contract, the household keeps the deposit
    DOUBLED = "doubled"      # 双倍返还: the household broke the contract and pays back twice the deposit


class DepositClosure(db.Model):
    """定金处理: how the deposits paid on a terminated contract were settled, once per contract.

    A fulfilled contract's deposit is set off against the price (抵作价款) by the household's next
    settlement instead, like an advance.
    """

    __tablename__ = "deposit_closures"
    __table_args__ = (
        # one standing closure per contract; a void one leaves room for the corrected one
        Index("uq_deposit_closures_standing_contract", "contract_id", unique=True,
              sqlite_where=text("voided_at IS NULL"), postgresql_where=text("voided_at IS NULL")),
        CheckConstraint("deposit > 0", name="deposit_positive"),
        CheckConstraint("(outcome = 'forfeited' AND received = 0 AND method IS NULL)"
                        " OR (outcome = 'returned' AND received = deposit AND method IS NOT NULL)"
                        " OR (outcome = 'doubled' AND received = 2 * deposit AND method IS NOT NULL)",
                        name="received_matches_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. DJ2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("purchase_contracts.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    outcome: Mapped[DepositOutcome] = mapped_column(enum_column(DepositOutcome))
    #: the deposits paid on the contract, all of them
    deposit: Mapped[Decimal] = mapped_column(Money)
    #: what the household paid the company back (0, the deposit, or twice it)
    received: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[Optional[PayoutMethod]] = mapped_column(enum_column(PayoutMethod))
    reference: Mapped[str] = mapped_column(String(64), default="")
    #: who took the cash
    signer: Mapped[str] = mapped_column(String(64), default="")
    closed_on: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    voucher_id: Mapped[Optional[int]] = mapped_column(ForeignKey("vouchers.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a closure recorded in error is voided (its voucher rejected or reversed), never deleted
    voided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    contract: Mapped[PurchaseContract] = relationship()
    household: Mapped[Household] = relationship()
    voucher: Mapped[Optional[Voucher]] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    voided_by: Mapped[Optional[User]] = relationship(foreign_keys=[voided_by_id])
