"""After allocation: field collection, shipment, compliance certificate and the supermarket's receipt.

Field collection is recorded on weigh slips that point at an allocation line
(``WeighSlip.allocation_id``). What the field sorted out is not bought, so it never appears on a
slip: a :class:`FieldReject` records those kilograms against the line instead. A line the
household cannot fill is finished by an :class:`AllocationClosure`.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, db, utcnow
from .orders import Allocation, BuyerOrder
from .produce import ProduceLot, QuantityUnit
from .places import Household
from .types import Percent, ScaledDecimal, UTCDateTime, Weight, enum_column
from .users import User
from .weighing import WeighSlip

#: °C with one decimal, stored as tenths of a degree
Temperature = ScaledDecimal(1)


class FieldReject(db.Model):
    """田间剔除: kilograms picked for an allocation line but refused in the field (under grade,
    bruised, rotten). They are not bought, and the lot cannot give them again."""

    __tablename__ = "field_rejects"
    __table_args__ = (CheckConstraint("kg > 0", name="kg_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"), index=True)
    #: the weighing the fruit was sorted out at, if any
    slip_id: Mapped[Optional[int]] = mapped_column(ForeignKey("weigh_slips.id"))
    kg: Mapped[Decimal] = mapped_column(Weight)
    entered_unit: Mapped[QuantityUnit] = mapped_column(enum_column(QuantityUnit), default=QuantityUnit.KG)
    reason: Mapped[str] = mapped_column(String(255))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    allocation: Mapped[Allocation] = relationship()
    slip: Mapped[Optional[WeighSlip]] = relationship()
    recorded_by: Mapped[User] = relationship()


class AllocationClosure(db.Model):
    """A line finished before all its kilograms came: the household has no more in this lot."""

    __tablename__ = "allocation_closures"
    __table_args__ = (CheckConstraint("short_kg >= 0", name="short_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocations.id"), unique=True)
    #: allocated − collected − rejected when the line was closed
    short_kg: Mapped[Decimal] = mapped_column(Weight)
    reason: Mapped[str] = mapped_column(Text)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    allocation: Mapped[Allocation] = relationship()
    closed_by: Mapped[User] = relationship()


shipment_slips = Table(
    "shipment_slips",
    Base.metadata,
    Column("shipment_id", ForeignKey("shipments.id"), primary_key=True),
    #: a slip travels in one shipment at most
    Column("slip_id", ForeignKey("weigh_slips.id"), primary_key=True, unique=True),
)


class Shipment(db.Model):
    """发货单 / 装车单: one truck of an order (一车一证); an order may go on several trucks, the last
    one marked ``last``, each received on its own (超市验收单 per truck)."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint("crates >= 0", name="crates_not_negative"),
        CheckConstraint("temperature_c >= -300 AND temperature_c <= 500", name="temperature_plausible"),
        CheckConstraint("stock_kg >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. FH2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    #: trace code printed on the loading note
    code: Mapped[str] = mapped_column(String(16), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("buyer_orders.id"), index=True)
    #: the order's last truck: once it leaves, the order is shipped and what was weighed for it and
    #: never loaded stays with the company (bought into stock)
    last: Mapped[bool] = mapped_column(default=True)
    #: the warehouse's part of the order, loaded on its first truck
    stock_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    plate: Mapped[str] = mapped_column(String(16))
    driver_name: Mapped[str] = mapped_column(String(64))
    driver_phone: Mapped[str] = mapped_column(String(20))
    crates: Mapped[int] = mapped_column(default=0)
    #: load temperature at departure
    temperature_c: Mapped[Decimal] = mapped_column(Temperature)
    departed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[BuyerOrder] = relationship()
    created_by: Mapped[User] = relationship()
    slips: Mapped[list[WeighSlip]] = relationship(secondary=shipment_slips, order_by=WeighSlip.id)
    crate_labels: Mapped[list["CrateLabel"]] = relationship(back_populates="shipment", order_by="CrateLabel.number")
    certificate: Mapped[Optional["Certificate"]] = relationship(back_populates="shipment", uselist=False)
    receipt: Mapped[Optional["Receipt"]] = relationship(back_populates="shipment", uselist=False)


class CrateLabel(db.Model):
    """One crate's label: a trace code that leads to the slip (household, day, grade) it was weighed on."""

    __tablename__ = "crate_labels"
    __table_args__ = (UniqueConstraint("shipment_id", "number", name="uq_crate_labels_shipment_number"),
                      CheckConstraint("number > 0", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    slip_id: Mapped[int] = mapped_column(ForeignKey("weigh_slips.id"), index=True)
    #: 1 … crates, in slip order
    number: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(String(16), unique=True)

    shipment: Mapped[Shipment] = relationship(back_populates="crate_labels")
    slip: Mapped[WeighSlip] = relationship()


class CertificateBasis(str, enum.Enum):
    """What the commitment rests on (承诺依据)."""

    QUALITY_CONTROL = "quality_control"  # 质量安全控制
    OWN_TEST = "own_test"                # 自行检测
    LAB_TEST = "lab_test"                # 委托检测


class Certificate(db.Model):
    """承诺达标合格证. Retained at least two years; nothing deletes one."""

    __tablename__ = "certificates"
    __table_args__ = (CheckConstraint("retain_until > issued_on", name="retained_after_issue"),
                      CheckConstraint("quantity_kg > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. HG2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    #: trace code in the QR
    code: Mapped[str] = mapped_column(String(16), unique=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), unique=True)
    # What the paper says is kept as written on the day it was issued.
    product_name: Mapped[str] = mapped_column(String(32))
    variety_name: Mapped[str] = mapped_column(String(32))
    quantity_kg: Mapped[Decimal] = mapped_column(Weight)
    origin: Mapped[str] = mapped_column(String(255))
    issuer_name: Mapped[str] = mapped_column(String(128))
    brand: Mapped[str] = mapped_column(String(32))
    issuer_contact: Mapped[str] = mapped_column(String(128))
    issued_on: Mapped[date] = mapped_column()
    basis: Mapped[CertificateBasis] = mapped_column(enum_column(CertificateBasis))
    #: e.g. the test report's number for own or commissioned tests
    basis_note: Mapped[str] = mapped_column(String(255), default="")
    commitment: Mapped[str] = mapped_column(Text)
    retain_until: Mapped[date] = mapped_column()
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="certificate")
    issued_by: Mapped[User] = relationship()
    lots: Mapped[list["CertificateLot"]] = relationship(back_populates="certificate", order_by="CertificateLot.id")
    parents: Mapped[list["CertificateParent"]] = relationship(
        back_populates="certificate", order_by="CertificateParent.id",
        foreign_keys="CertificateParent.certificate_id")


class CertificateLot(db.Model):
    """A produce lot the certificate's batch mixes, and the kilograms it gave."""

    __tablename__ = "certificate_lots"
    __table_args__ = (UniqueConstraint("certificate_id", "lot_id", name="uq_certificate_lots_certificate_lot"),
                      CheckConstraint("kg > 0", name="kg_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("produce_lots.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    kg: Mapped[Decimal] = mapped_column(Weight)

    certificate: Mapped[Certificate] = relationship(back_populates="lots")
    lot: Mapped[ProduceLot] = relationship()
    household: Mapped[Household] = relationship()


class CertificateParent(db.Model):
    """A certificate the mixed batch came with: one of ours, or a paper one a producer issued."""

    __tablename__ = "certificate_parents"
    __table_args__ = (CheckConstraint("parent_id IS NOT NULL OR external_number <> ''", name="parent_named"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("certificates.id"))
    external_number: Mapped[str] = mapped_column(String(64), default="")
    issuer: Mapped[str] = mapped_column(String(128), default="")

    certificate: Mapped[Certificate] = relationship(back_populates="parents", foreign_keys=[certificate_id])
    parent: Mapped[Optional[Certificate]] = relationship(foreign_keys=[parent_id])


@event.listens_for(Session, "before_flush")
def _certificates_are_retained(session, flush_context, instances) -> None:
    """承诺达标合格证 are kept (two years at least, and this service never purges): refuse any
    deletion before a single row is touched."""
    if any(isinstance(obj, (Certificate, CertificateLot, CertificateParent)) for obj in session.deleted):
        raise PermissionError("certificates are retained: they are never deleted")


class ReceiptOutcome(str, enum.Enum):
    ACCEPTED = "accepted"    # defects below the buyer's acceptance threshold
    DEDUCTED = "deducted"    # between the thresholds: the defect weight is deducted
    REJECTED = "rejected"    # above the rejection threshold: all refused


class Receipt(db.Model):
    """超市验收单: what the supermarket weighed, found and accepted, signed by three people."""

    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint("received_kg > 0", name="received_positive"),
        CheckConstraint("defect_pct >= 0 AND defect_pct <= 10000", name="defect_pct_range"),
        CheckConstraint("accepted_kg >= 0 AND deducted_kg >= 0 AND rejected_kg >= 0 AND over_order_kg >= 0",
                        name="parts_not_negative"),
        CheckConstraint("accepted_kg + deducted_kg + rejected_kg = received_kg", name="parts_make_received"),
        CheckConstraint("over_order_kg <= rejected_kg", name="over_order_is_rejected"),
        CheckConstraint("accepted_kg <= ordered_kg", name="accepted_within_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("buyer_orders.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_kg: Mapped[Decimal] = mapped_column(Weight)
    entered_unit: Mapped[QuantityUnit] = mapped_column(enum_column(QuantityUnit), default=QuantityUnit.KG)
    defect_pct: Mapped[Decimal] = mapped_column(Percent)
    # The rules as they stood when applied
    accept_below_pct: Mapped[Decimal] = mapped_column(Percent)
    reject_above_pct: Mapped[Decimal] = mapped_column(Percent)
    ordered_kg: Mapped[Decimal] = mapped_column(Weight)
    over_order_kg: Mapped[Decimal] = mapped_column(Weight, default=Decimal("0"))
    #: what the truck was loaded with (its confirmed slips and the warehouse's part), as the receipt
    #: was recorded; none on receipts recorded before it was kept
    loaded_kg: Mapped[Optional[Decimal]] = mapped_column(Weight)
    #: why more was received than loaded (磅差), recorded by a coordinator within the buyer's tolerance
    over_loaded_reason: Mapped[str] = mapped_column(Text, default="")
    deducted_kg: Mapped[Decimal] = mapped_column(Weight)
    rejected_kg: Mapped[Decimal] = mapped_column(Weight)
    accepted_kg: Mapped[Decimal] = mapped_column(Weight)
    outcome: Mapped[ReceiptOutcome] = mapped_column(enum_column(ReceiptOutcome))
    #: 供货方
    supplier_signer: Mapped[str] = mapped_column(String(64))
    #: 收货员
    clerk_signer: Mapped[str] = mapped_column(String(64))
    #: 生鲜主管
    supervisor_signer: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="receipt")
    order: Mapped[BuyerOrder] = relationship()
    recorded_by: Mapped[User] = relationship()
