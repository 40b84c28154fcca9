"""Settlements (结算单), their households and items, purchase invoices (农产品收购发票) and the
suppliers (供应商/承运商) their costs may be owed to. Payments (收付款), input credits and deposit
closures are in ``models/payments.py``.

A settlement is the three-way record of one order — what the buyer owes, what each household is
owed and what the company keeps — or of a batch of contract deliveries the company buys for its
own stock. The database itself checks that every settlement reconciles to the fen and that no
household is ever paid more than it is owed.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .catalogue import Grade
from .fulfilment import Shipment
from .orders import Buyer, BuyerOrder, RejectPolicy
from .places import Household
from .types import Money, Percent, Price, UTCDateTime, Weight, enum_column
from .users import User
from .weighing import WeighSlip


class SettlementKind(str, enum.Enum):
    ORDER = "order"                    # 三方结算: buyer, households, company
    CONTRACT_BATCH = "contract_batch"  # 订单式收购: the company buys for its own stock


class SettlementStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    POSTED = "posted"
    PAID = "paid"
    #: 冲销: reversed as a whole in red after posting (its vouchers, invoices and stock undone); the
    #: order's slips settle again in a corrected settlement
    REVERSED = "reversed"


#: statuses whose households' advances and input credit count as recovered (drafts too, so that two
#: settlements never recover the same 元)
SETTLEMENT_COUNTING = (SettlementStatus.DRAFT, SettlementStatus.SUBMITTED, SettlementStatus.APPROVED,
                       SettlementStatus.POSTED, SettlementStatus.PAID)
#: statuses whose vouchers are in the books
SETTLEMENT_IN_BOOKS = (SettlementStatus.POSTED, SettlementStatus.PAID)


class Supplier(db.Model):
    """供应商 / 承运商: a carrier or packing supplier the company may owe (2202 应付账款 by supplier)."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    #: 统一社会信用代码 (18 characters), when the supplier has one
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    account_number: Mapped[str] = mapped_column(String(34), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name


#: the weigh slips a settlement pays for; a slip is settled at most once
settlement_slips = Table(
    "settlement_slips", db.metadata,
    Column("settlement_id", ForeignKey("settlements.id", ondelete="CASCADE"), primary_key=True),
    Column("slip_id", ForeignKey("weigh_slips.id"), primary_key=True, unique=True),
)


#: the trucks (and their receipts) an order settlement sells; a truck is settled at most once
settlement_shipments = Table(
    "settlement_shipments", db.metadata,
    Column("settlement_id", ForeignKey("settlements.id", ondelete="CASCADE"), primary_key=True),
    Column("shipment_id", ForeignKey("shipments.id"), primary_key=True, unique=True),
)


class Settlement(db.Model):
    __tablename__ = "settlements"
    __table_args__ = (
        CheckConstraint("buyer_total = purchase_total + logistics + packing + margin", name="three_way_reconciles"),
        CheckConstraint("purchase_total = input_vat + purchase_cost", name="vat_plus_cost"),
        CheckConstraint("buyer_total = buyer_gross - buyer_deductions", name="buyer_total_net"),
        CheckConstraint("buyer_received >= 0 AND buyer_received <= buyer_total", name="received_within_total"),
        CheckConstraint("logistics >= 0 AND packing >= 0 AND buyer_deductions >= 0 AND purchase_total >= 0",
                        name="amounts_not_negative"),
        CheckConstraint("buyer_total = sale_net + output_vat AND output_vat >= 0 AND sale_net >= 0",
                        name="sale_net_plus_output_vat"),
        CheckConstraint("output_vat = 0 OR (sale_vat_rate_pct IS NOT NULL AND sale_vat_exempt_basis = '')",
                        name="output_vat_only_when_taxable"),
        CheckConstraint("(logistics_invoice_no = '') = (logistics_vat_rate_pct IS NULL)"
                        " AND logistics_input_vat >= 0 AND logistics_input_vat <= logistics"
                        " AND (logistics_invoice_no <> '' OR logistics_input_vat = 0)",
                        name="logistics_special_invoice"),
        CheckConstraint("(packing_invoice_no = '') = (packing_vat_rate_pct IS NULL)"
                        " AND packing_input_vat >= 0 AND packing_input_vat <= packing"
                        " AND (packing_invoice_no <> '' OR packing_input_vat = 0)",
                        name="packing_special_invoice"),
        CheckConstraint("abnormal_kg >= 0 AND abnormal_stock_kg >= 0 AND abnormal_stock_kg <= abnormal_kg"
                        " AND (abnormal_kg = 0 OR abnormal_kg <= lost_kg)"
                        " AND loss_cost >= 0 AND loss_cost <= purchase_cost AND loss_vat >= 0 AND loss_vat <= input_vat",
                        name="abnormal_loss_within_purchase"),
        CheckConstraint("buyer_adjusted <= 0 AND buyer_received <= buyer_total + buyer_adjusted",
                        name="adjusted_within_total"),
        # one standing final settlement per order (interim ones before it); a reversed one leaves room
        Index("uq_settlements_standing_order", "order_id", unique=True,
              sqlite_where=text("status <> 'reversed' AND final"), postgresql_where=text("status <> 'reversed' AND final")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. JS2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[SettlementKind] = mapped_column(enum_column(SettlementKind))
    #: one standing final settlement per order; a reversed one leaves room for its correction
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("buyer_orders.id"))
    #: an order settlement prepared once every truck was received (最终结算), or before, of the trucks
    #: received so far (中期结算); a contract batch is final
    final: Mapped[bool] = mapped_column(default=True)
    #: the reversed settlement this one corrects (its 更正结算单)
    corrects_id: Mapped[Optional[int]] = mapped_column(ForeignKey("settlements.id"))
    buyer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("buyers.id"), index=True)
    #: the date of its vouchers
    settle_on: Mapped[date] = mapped_column()
    #: when the buyer must have paid (settle date + the buyer's terms)
    due_on: Mapped[Optional[date]] = mapped_column()
    reject_policy: Mapped[RejectPolicy] = mapped_column(enum_column(RejectPolicy), default=RejectPolicy.COMPANY_BEARS)
    #: calculated input VAT rate of the purchase invoices, percent (9.00)
    vat_rate_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal("9"))
    delivered_price: Mapped[Decimal] = mapped_column(Price, default=Decimal("0"))
    field_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    accepted_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    lost_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    #: of the lost kg, what the supermarket rejected for quality above its threshold (非正常损失),
    #: and the warehouse's share of it
    abnormal_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    abnormal_stock_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    #: the field share of that loss the company paid for: its cost (moved from 5401 to 5711) and its
    #: input VAT (进项税额转出); zero when the households bore the rejects
    loss_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    loss_vat: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    buyer_gross: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    buyer_deductions: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    buyer_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    purchase_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    input_vat: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    purchase_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    logistics: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    packing: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    margin: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: the sale's VAT treatment, from its product when computed: a rate (percent), or None with the
    #: exemption's basis; None with no basis on a settlement posted before output VAT was booked
    sale_vat_rate_pct: Mapped[Optional[Decimal]] = mapped_column(Percent)
    sale_vat_exempt_basis: Mapped[str] = mapped_column(String(128), default="")
    #: 不含税金额 of the sale (5001) and its 销项税额 (22210102): buyer_total = sale_net + output_vat
    sale_net: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    output_vat: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: 增值税专用发票 for the logistics and the packing, when bought with one: its number, its rate
    #: (percent) and the deductible input VAT it contains (the amounts above include it)
    logistics_invoice_no: Mapped[str] = mapped_column(String(32), default="")
    logistics_vat_rate_pct: Mapped[Optional[Decimal]] = mapped_column(Percent)
    logistics_input_vat: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    packing_invoice_no: Mapped[str] = mapped_column(String(32), default="")
    packing_vat_rate_pct: Mapped[Optional[Decimal]] = mapped_column(Percent)
    packing_input_vat: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: the carrier or supplier the logistics (the packing) is owed to, 2202 by supplier; none when
    #: it was paid from the bank on the settlement day
    logistics_supplier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suppliers.id"))
    packing_supplier_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suppliers.id"))
    #: what the buyer has paid against this settlement so far
    buyer_received: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: the allowances (销售折让) posted against it since, below zero: the buyer owes
    #: buyer_total + buyer_adjusted
    buyer_adjusted: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    status: Mapped[SettlementStatus] = mapped_column(enum_column(SettlementStatus), default=SettlementStatus.DRAFT,
                                                     index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    order: Mapped[Optional[BuyerOrder]] = relationship()
    buyer: Mapped[Optional[Buyer]] = relationship()
    logistics_supplier: Mapped[Optional[Supplier]] = relationship(foreign_keys=[logistics_supplier_id])
    packing_supplier: Mapped[Optional[Supplier]] = relationship(foreign_keys=[packing_supplier_id])
    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[Optional[User]] = relationship(foreign_keys=[approved_by_id])
    posted_by: Mapped[Optional[User]] = relationship(foreign_keys=[posted_by_id])
    households: Mapped[list["SettlementHousehold"]] = relationship(
        back_populates="settlement", order_by="SettlementHousehold.household_id", cascade="all, delete-orphan")
    slips: Mapped[list[WeighSlip]] = relationship(secondary=settlement_slips, order_by=WeighSlip.id)
    shipments: Mapped[list[Shipment]] = relationship(secondary=settlement_shipments, order_by=Shipment.id)
    corrects: Mapped[Optional["Settlement"]] = relationship(remote_side=[id], foreign_keys=[corrects_id])

    @property
    def costs(self) -> Decimal:
        return self.logistics + self.packing

    @property
    def costs_input_vat(self) -> Decimal:
        """The deductible input VAT of the logistics and packing special invoices."""
        return self.logistics_input_vat + self.packing_input_vat

    @property
    def buyer_owes(self) -> Decimal:
        """What the buyer owes on it in all: its total less the allowances posted since."""
        return self.buyer_total + self.buyer_adjusted

    @property
    def buyer_outstanding(self) -> Decimal:
        return self.buyer_owes - self.buyer_received


class SettlementHousehold(db.Model):
    """One household's part of a settlement: its purchase invoice's amount, deductions, net and paid."""

    __tablename__ = "settlement_households"
    __table_args__ = (
        UniqueConstraint("settlement_id", "household_id", name="uq_settlement_households_settlement_household"),
        CheckConstraint("gross = net + recovered_advances + recovered_input_credit", name="gross_is_net_plus_recovered"),
        CheckConstraint("net >= 0 AND recovered_advances >= 0 AND recovered_input_credit >= 0", name="not_negative"),
        CheckConstraint("paid >= 0 AND paid <= net + adjusted", name="paid_within_net"),
        CheckConstraint("net + adjusted >= 0", name="adjusted_within_net"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    field_kg: Mapped[Decimal] = mapped_column(Weight)
    payable_kg: Mapped[Decimal] = mapped_column(Weight)
    #: 买价 on the purchase invoice
    gross: Mapped[Decimal] = mapped_column(Money)
    input_vat: Mapped[Decimal] = mapped_column(Money)
    recovered_advances: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    recovered_input_credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: what is owed in cash after deductions
    net: Mapped[Decimal] = mapped_column(Money)
    #: deductions that did not fit and stay owed by the household
    carried_over: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: the price corrections (价格更正) posted against it since, either way: the household is owed
    #: net + adjusted
    adjusted: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    settlement: Mapped[Settlement] = relationship(back_populates="households")
    household: Mapped[Household] = relationship()
    items: Mapped[list["SettlementItem"]] = relationship(back_populates="line", order_by="SettlementItem.id",
                                                         cascade="all, delete-orphan")
    invoice: Mapped[Optional["PurchaseInvoice"]] = relationship(back_populates="line", uselist=False)

    @property
    def payable(self) -> Decimal:
        """What the household is owed on it in all: its net and the corrections posted since."""
        return self.net + self.adjusted

    @property
    def owed(self) -> Decimal:
        return self.payable - self.paid


class SettlementItem(db.Model):
    """A delivered quantity of one grade at one price: field kg, payable kg after any pass-back, amount."""

    __tablename__ = "settlement_items"
    __table_args__ = (CheckConstraint("payable_kg >= 0 AND payable_kg <= field_kg", name="payable_within_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("settlement_households.id", ondelete="CASCADE"), index=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    #: the day of the (first) delivery, for statements
    delivered_on: Mapped[date] = mapped_column()
    field_kg: Mapped[Decimal] = mapped_column(Weight)
    payable_kg: Mapped[Decimal] = mapped_column(Weight)
    price: Mapped[Decimal] = mapped_column(Price)
    amount: Mapped[Decimal] = mapped_column(Money)
    #: the slips it sums, for people ("GB20260826-0007, …")
    slip_serials: Mapped[str] = mapped_column(Text, default="")

    line: Mapped[SettlementHousehold] = relationship(back_populates="items")
    grade: Mapped[Grade] = relationship()


class PurchaseInvoice(db.Model):
    """农产品收购发票: issued by the company for produce bought from an individual farmer.

    What the paper says is kept as it was on the day it was issued; the ID number is kept masked.
    """

    __tablename__ = "purchase_invoices"
    __table_args__ = (CheckConstraint("amount = vat + cost", name="vat_plus_cost"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. SG2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("settlement_households.id"), unique=True)
    issued_on: Mapped[date] = mapped_column()
    seller_name: Mapped[str] = mapped_column(String(64))
    seller_id_masked: Mapped[str] = mapped_column(String(18))
    seller_address: Mapped[str] = mapped_column(String(255))
    product_name: Mapped[str] = mapped_column(String(64))
    quantity_kg: Mapped[Decimal] = mapped_column(Weight)
    amount: Mapped[Decimal] = mapped_column(Money)
    vat_rate_pct: Mapped[Decimal] = mapped_column(Percent)
    vat: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[SettlementHousehold] = relationship(back_populates="invoice")
