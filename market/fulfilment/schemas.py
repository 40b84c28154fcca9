"""JSON shapes of field collection, shipments, certificates, receipts, trace and disclosure.
Weights, prices and money travel as strings, never floats; names are masked where the reader
may not see them."""
from __future__ import annotations

import marshmallow as ma

from models import AllocationPolicy, CertificateBasis, DeductionKind, ReceiptOutcome, RunStatus

from ..units import Unit, price_in_unit
from ..weighing.schemas import SlipSchema
from .shipments import shipment_net_kg


def _weight(**kwargs):
    kwargs.setdefault("metadata", {"description": "kilograms, as a string"})
    return ma.fields.Decimal(as_string=True, places=3, **kwargs)


def _money(**kwargs):
    return ma.fields.Decimal(as_string=True, places=2, **kwargs)


_TEXT = {"validate": ma.validate.Length(min=1, max=32)}


def _price_text(value) -> str:
    """At least two decimals, more only when exact needs them (7.15 元/公斤 = 3.575 元/斤)."""
    places = max(2, -value.as_tuple().exponent)
    return f"{value:.{places}f}"


# --- collection ------------------------------------------------------------------------------------

class LineProgressSchema(ma.Schema):
    allocation_id = ma.fields.Function(lambda p: p.line.id)
    run_id = ma.fields.Function(lambda p: p.line.run_id)
    lot_id = ma.fields.Function(lambda p: p.line.lot_id)
    household_id = ma.fields.Function(lambda p: p.line.household_id)
    household_name = ma.fields.Function(lambda p: p.line.household.head_name)
    pick_on = ma.fields.Function(lambda p: p.line.pick_on.isoformat() if p.line.pick_on else None)
    allocated_kg = _weight()
    collected_kg = _weight()
    rejected_kg = _weight()
    expected_kg = _weight(metadata={"description": "still to come from this line"})
    finished = ma.fields.Boolean()
    closed = ma.fields.Boolean()
    closure_reason = ma.fields.Function(lambda p: p.closure.reason if p.closure else None)


class CollectionSchema(ma.Schema):
    order_id = ma.fields.Function(lambda c: c.order.id)
    order_number = ma.fields.Function(lambda c: c.order.number)
    status = ma.fields.Function(lambda c: c.order.status.value)
    quantity_kg = _weight()
    allocated_kg = _weight()
    collected_kg = _weight()
    rejected_kg = _weight()
    expected_kg = _weight()
    shortfall_kg = _weight(metadata={"description": "quantity − collected − still expected"})
    lines = ma.fields.List(ma.fields.Nested(LineProgressSchema))


class CollectedSlipSchema(SlipSchema):
    allocation_id = ma.fields.Integer(allow_none=True)


class CollectedGradeSchema(ma.Schema):
    """One grade of the net weight; the order (or the named contract) sets its price."""

    grade_id = ma.fields.Integer(required=True)
    amount = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32), metadata={
        "description": "the grade's weight (e.g. \"120\" in the slip's unit, or \"240斤\") or its percent"})


class CollectSlipCreateSchema(ma.Schema):
    """A slip against an allocation line: the household and variety are the line's, the price the
    order's farm-gate price (or the household's contract, if named)."""

    contract_id = ma.fields.Integer(load_default=None, allow_none=True)
    weighed_at = ma.fields.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "defaults to now"})
    plate = ma.fields.String(load_default="", validate=ma.validate.Length(max=16))
    crates = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(min=0, max=100000))
    unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["jin", "kg", "t"]))
    gross = ma.fields.String(required=True, **_TEXT)
    tare = ma.fields.String(load_default="0", **_TEXT)
    deduction_kind = ma.fields.Enum(DeductionKind, by_value=True, load_default=DeductionKind.NONE)
    deduction_value = ma.fields.String(load_default="0", **_TEXT)
    split_mode = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["kg", "percent"]))
    grade_split = ma.fields.List(ma.fields.Nested(CollectedGradeSchema), required=True,
                                 validate=ma.validate.Length(min=1, max=20))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class RejectCreateSchema(ma.Schema):
    quantity = ma.fields.String(required=True, **_TEXT, metadata={"description": "e.g. \"12.5\" or \"25斤\""})
    unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["jin", "kg", "t"]))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    slip_id = ma.fields.Integer(load_default=None, allow_none=True)


class RejectSchema(ma.Schema):
    id = ma.fields.Integer()
    allocation_id = ma.fields.Integer()
    slip_id = ma.fields.Integer(allow_none=True)
    kg = _weight()
    entered_unit = ma.fields.Function(lambda r: r.entered_unit.value)
    reason = ma.fields.String()
    recorded_by_id = ma.fields.Integer()
    recorded_at = ma.fields.AwareDateTime()


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class ClosureSchema(ma.Schema):
    id = ma.fields.Integer()
    allocation_id = ma.fields.Integer()
    short_kg = _weight()
    reason = ma.fields.String()
    closed_by_id = ma.fields.Integer()
    closed_at = ma.fields.AwareDateTime()


class ShortfallArgsSchema(ma.Schema):
    policy = ma.fields.Enum(AllocationPolicy, by_value=True, load_default=AllocationPolicy.FAIR)


class RunLineSchema(ma.Schema):
    id = ma.fields.Integer()
    lot_id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    kg = _weight()
    pick_on = ma.fields.Date(allow_none=True)


class SupplementaryRunSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    policy = ma.fields.Enum(AllocationPolicy, by_value=True)
    status = ma.fields.Enum(RunStatus, by_value=True)
    requested_kg = _weight()
    filled_kg = _weight()
    shortfall_kg = _weight()
    lines = ma.fields.List(ma.fields.Nested(RunLineSchema))


# --- shipments -----------------------------------------------------------------------------------

class ShipmentCreateSchema(ma.Schema):
    plate = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    driver_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    driver_phone = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    temperature = ma.fields.String(required=True, **_TEXT, metadata={"description": "°C, e.g. \"3.5\""})
    departed_at = ma.fields.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "defaults to now"})
    slip_ids = ma.fields.List(ma.fields.Integer(), load_default=None, allow_none=True,
                              metadata={"description": "which unshipped slips of the order; all when omitted"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    last = ma.fields.Boolean(load_default=True, metadata={
        "description": "the order's last truck (default): the order is then shipped, and what was weighed for it "
                       "and not loaded stays with the company (bought into stock). false: more trucks follow"})


class ShipmentSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    code = ma.fields.String(metadata={"description": "trace code of the loading note"})
    order_id = ma.fields.Integer()
    order_number = ma.fields.Function(lambda s: s.order.number)
    plate = ma.fields.String()
    driver_name = ma.fields.String()
    driver_phone = ma.fields.String()
    crates = ma.fields.Integer()
    temperature_c = ma.fields.Decimal(as_string=True, places=1)
    departed_at = ma.fields.AwareDateTime()
    net_kg = ma.fields.Method("_net_kg")
    last = ma.fields.Boolean(metadata={"description": "the order's last truck"})
    stock_kg = ma.fields.Decimal(as_string=True, places=3, metadata={
        "description": "the warehouse's part of the order it carried (the order's first truck)"})
    slip_ids = ma.fields.Function(lambda s: [slip.id for slip in s.slips])
    certificate_id = ma.fields.Function(lambda s: s.certificate.id if s.certificate else None)
    receipt_id = ma.fields.Function(lambda s: s.receipt.id if s.receipt else None)
    note = ma.fields.String()
    created_at = ma.fields.AwareDateTime()

    def _net_kg(self, shipment) -> str:
        return f"{shipment_net_kg(shipment):.3f}"


class LabelSchema(ma.Schema):
    number = ma.fields.Integer()
    code = ma.fields.String()
    slip_id = ma.fields.Integer()


class LabelsSchema(ma.Schema):
    shipment_id = ma.fields.Integer()
    labels = ma.fields.List(ma.fields.Nested(LabelSchema))


class ShipmentListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    order_id = ma.fields.Integer(load_default=None)


# --- certificates -----------------------------------------------------------------------------------

class ParentInSchema(ma.Schema):
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=64), metadata={
        "description": "one of our certificates (number or code), or a producer's certificate number"})
    external_number = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    issuer = ma.fields.String(load_default="", validate=ma.validate.Length(max=128))


class CertificateCreateSchema(ma.Schema):
    basis = ma.fields.Enum(CertificateBasis, by_value=True, required=True)
    basis_note = ma.fields.String(load_default="", validate=ma.validate.Length(max=255),
                                  metadata={"description": "the test report's number (own or commissioned test)"})
    issued_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "defaults to today"})
    parents = ma.fields.List(ma.fields.Nested(ParentInSchema), load_default=list,
                             validate=ma.validate.Length(max=200))


class CertificateLotSchema(ma.Schema):
    lot_id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    kg = _weight()


class CertificateParentSchema(ma.Schema):
    parent_id = ma.fields.Integer(allow_none=True)
    parent_number = ma.fields.Function(lambda p: p.parent.number if p.parent else None)
    external_number = ma.fields.String()
    issuer = ma.fields.String()


class CertificateSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.Constant("承诺达标合格证")
    number = ma.fields.String()
    code = ma.fields.String()
    shipment_id = ma.fields.Integer()
    product_name = ma.fields.String()
    variety_name = ma.fields.String()
    quantity_kg = _weight()
    origin = ma.fields.String()
    issuer_name = ma.fields.String()
    brand = ma.fields.String()
    issuer_contact = ma.fields.String()
    issued_on = ma.fields.Date()
    basis = ma.fields.Enum(CertificateBasis, by_value=True)
    basis_note = ma.fields.String()
    commitment = ma.fields.String()
    retain_until = ma.fields.Date()
    lots = ma.fields.List(ma.fields.Nested(CertificateLotSchema))
    parents = ma.fields.List(ma.fields.Nested(CertificateParentSchema))
    created_at = ma.fields.AwareDateTime()


# --- receipts -------------------------------------------------------------------------------------

class ReceiptCreateSchema(ma.Schema):
    received = ma.fields.String(required=True, **_TEXT, metadata={"description": "e.g. \"5380\" or \"5.38吨\""})
    unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["jin", "kg", "t"]))
    defect_pct = ma.fields.String(required=True, **_TEXT, metadata={"description": "percent, e.g. \"2.5\""})
    received_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    supplier_signer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    clerk_signer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    supervisor_signer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    over_loaded_reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500), metadata={
        "description": "why more was received than loaded (磅差); a coordinator's, within the buyer's tolerance"})


class ReceiptSchema(ma.Schema):
    id = ma.fields.Integer()
    shipment_id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    received_at = ma.fields.AwareDateTime()
    received_kg = _weight()
    defect_pct = ma.fields.Decimal(as_string=True, places=2)
    accept_below_pct = ma.fields.Decimal(as_string=True, places=2)
    reject_above_pct = ma.fields.Decimal(as_string=True, places=2)
    ordered_kg = _weight()
    over_order_kg = _weight(metadata={"description": "refused at the door: more than the order lacked"})
    deducted_kg = _weight()
    rejected_kg = _weight()
    accepted_kg = _weight()
    outcome = ma.fields.Enum(ReceiptOutcome, by_value=True)
    supplier_signer = ma.fields.String()
    clerk_signer = ma.fields.String()
    supervisor_signer = ma.fields.String()
    note = ma.fields.String()
    loaded_kg = _weight(allow_none=True, metadata={"description": "what the truck was loaded with; null on "
                                                                  "receipts recorded before it was kept"})
    over_loaded_reason = ma.fields.String()
    recorded_by_id = ma.fields.Integer()


# --- trace and disclosure ------------------------------------------------------------------------

class TraceStepSchema(ma.Schema):
    key = ma.fields.String(metadata={"description": "picked | weighed | shipped | received"})
    at = ma.fields.Function(lambda s: s.at.isoformat() if s.at else None)
    detail = ma.fields.String()


class TraceCertificateSchema(ma.Schema):
    number = ma.fields.String()
    issued_on = ma.fields.Date()
    basis = ma.fields.Enum(CertificateBasis, by_value=True)
    issuer_name = ma.fields.String()
    brand = ma.fields.String()
    retain_until = ma.fields.Date()


class TraceSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "crate | shipment | certificate"})
    code = ma.fields.String()
    brand = ma.fields.String()
    product = ma.fields.String()
    variety = ma.fields.String()
    villages = ma.fields.List(ma.fields.String())
    households = ma.fields.List(ma.fields.String(), metadata={"description": "masked names"})
    grades = ma.fields.List(ma.fields.String())
    harvest_days = ma.fields.List(ma.fields.Date())
    net_kg = _weight()
    crate_number = ma.fields.Integer(allow_none=True)
    crates = ma.fields.Integer()
    weighed_crates = ma.fields.Integer(metadata={"description": "crates on the weighing shown"})
    certificate = ma.fields.Nested(TraceCertificateSchema, allow_none=True)
    steps = ma.fields.List(ma.fields.Nested(TraceStepSchema))


class DisclosureRowSchema(ma.Schema):
    number = ma.fields.Integer(metadata={"description": "the household's number on the notice"})
    household = ma.fields.String(metadata={"description": "masked name"})
    place = ma.fields.String()
    grade = ma.fields.String()
    kg = _weight()
    price_per_kg = ma.fields.Function(lambda r: f"{r.price:.2f}")
    price_per_jin = ma.fields.Function(lambda r: _price_text(price_in_unit(r.price, Unit.JIN)))
    amount = _money()
    corrected = ma.fields.Boolean(metadata={"description": "the price was corrected after settlement (价格更正)"})


class DisclosureSchema(ma.Schema):
    number = ma.fields.String()
    product = ma.fields.String()
    variety = ma.fields.String()
    window_start = ma.fields.Date()
    window_end = ma.fields.Date()
    households = ma.fields.Integer()
    total_kg = _weight()
    total_amount = _money()
    rows = ma.fields.List(ma.fields.Nested(DisclosureRowSchema))

