"""JSON shapes of buyers, buyer orders and allocation runs.

Weights, prices and percentages travel as strings ("5400.000", "8.60") so no float ever holds
them; weights are 公斤 and prices 元/公斤 unless a field says otherwise.
"""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from flask_login import current_user

from models import AllocationPolicy, OrderStatus, RejectPolicy, RoleName, RunStatus, SaleMode

from ..api.schemas import ExactNumber, QuantityText
from ..units import Weight, price_in_unit
from .allocation_runs import households_by_id, reserved_for
from .buyer_orders import margins_of
from .common import ORDER_STAFF


def _out(places: int, description: str) -> ma.fields.Decimal:
    return ma.fields.Decimal(as_string=True, places=places, dump_only=True, metadata={"description": description})


def _kg(grams: int) -> str:
    return str(Weight.from_grams(int(grams)).kg)


def _per_jin(per_kg: Decimal) -> str:
    value = price_in_unit(per_kg, "jin")
    return str(value if value.as_tuple().exponent < -2 else value.quantize(Decimal("0.01")))


# --- buyers ---------------------------------------------------------------------------------

class BuyerSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"example": "金昌赢华联超市"})
    credit_code = ma.fields.String(metadata={"description": "统一社会信用代码"})
    province = ma.fields.String()
    city = ma.fields.String()
    address = ma.fields.String()
    contact_name = ma.fields.String()
    contact_phone = ma.fields.String()
    accept_below_pct = _out(2, "defects below this percent are accepted as they are")
    reject_above_pct = _out(2, "defects above this percent reject the delivery")
    weighbridge_tolerance_pct = _out(2, "磅差: how far above the loading note a receipt may read, percent; "
                                        "within it only with a coordinator's reason")
    payment_terms_days = ma.fields.Integer(metadata={"description": "账期, at most 60"})
    active = ma.fields.Boolean()
    created_at = ma.fields.DateTime()


class BuyerUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(max=128))
    credit_code = ma.fields.String(validate=ma.validate.Length(max=18))
    province = ma.fields.String(validate=ma.validate.Length(max=32))
    city = ma.fields.String(validate=ma.validate.Length(max=32))
    address = ma.fields.String(validate=ma.validate.Length(max=255))
    contact_name = ma.fields.String(validate=ma.validate.Length(max=64))
    contact_phone = ma.fields.String(validate=ma.validate.Length(max=20))
    accept_below_pct = ExactNumber(metadata={"example": "1"})
    reject_above_pct = ExactNumber(metadata={"example": "5"})
    weighbridge_tolerance_pct = ExactNumber(metadata={"example": "1", "description": "0 to 5 percent"})
    payment_terms_days = ma.fields.Integer(metadata={"example": 30})
    active = ma.fields.Boolean()


class BuyerCreateSchema(BuyerUpdateSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=128))
    credit_code = ma.fields.String(required=True, validate=ma.validate.Length(max=18),
                                   metadata={"example": "91620300MA74XK3B0X"})


class BuyerQuerySchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


def _grade_id_key() -> ma.fields.String:
    """A grade id as a JSON object key. OpenAPI 3.0 cannot describe what a key holds, so the
    service says when one is not a grade id (``rule_not_met``), as the document cannot."""
    return ma.fields.String()


# --- orders ---------------------------------------------------------------------------------

class FarmGatePriceSchema(ma.Schema):
    grade_id = ma.fields.Integer()
    grade = ma.fields.Function(lambda p: p.grade.name)
    rank = ma.fields.Function(lambda p: p.grade.rank)
    price = _out(2, "元/公斤 paid to the household")
    price_per_jin = ma.fields.Function(lambda p: _per_jin(p.price), metadata={"description": "元/斤"})


class OrderSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "DD2026-0001"})
    status = ma.fields.Enum(OrderStatus, by_value=True)
    buyer_id = ma.fields.Integer()
    buyer = ma.fields.Function(lambda o: o.buyer.name)
    variety_id = ma.fields.Integer()
    variety = ma.fields.Function(lambda o: o.variety.name)
    min_grade_id = ma.fields.Integer()
    min_grade = ma.fields.Function(lambda o: o.min_grade.name)
    quantity_kg = _out(3, "公斤")
    entered_unit = ma.fields.Function(lambda o: o.entered_unit.value,
                                      metadata={"description": "the unit the quantity was entered in: jin, kg or t"})
    delivered_price = _out(2, "元/公斤 the buyer pays, delivered")
    mode = ma.fields.Enum(SaleMode, by_value=True)
    window_start = ma.fields.Date()
    window_end = ma.fields.Date()
    destination = ma.fields.String()
    crate_kg = _out(3, "公斤 per crate")
    party_group_id = ma.fields.Integer(allow_none=True)
    reject_policy = ma.fields.Enum(RejectPolicy, by_value=True)
    share_cap_pct = _out(2, "most one household may give, percent of the order")
    stop_cost = _out(2, "元 per collection stop (lowest-cost allocation)")
    km_cost = _out(2, "元 per kilometre (lowest-cost allocation)")
    urgency_credit = _out(2, "元/公斤 credit for fruit about to spoil (lowest-cost allocation)")
    urgency_horizon_days = ma.fields.Integer()
    min_pick_kg = _out(3, "公斤: the least one household is picked for (0: no least)")
    note = ma.fields.String()
    cancelled_reason = ma.fields.String()
    created_at = ma.fields.DateTime()
    expected_cost_per_kg = _out(2, "元/公斤 of logistics and packing expected")
    below_cost_reason = ma.fields.String(metadata={"description": "why the order stands although a grade is sold "
                                                                  "below its farm-gate price plus costs"})
    expected_margins = ma.fields.Method("margins", metadata={
        "description": "company staff only (null for a buyer): per grade, best first, "
                       "{grade_id, grade, farm_gate_price, margin_per_kg, below_cost}; margin = delivered price − "
                       "farm-gate price − expected costs, 元/公斤 as strings"})
    farm_gate_prices = ma.fields.Method("sorted_prices")
    reserved_kg = ma.fields.Method("reserved", metadata={"description": "公斤 reserved by confirmed allocations"})

    def margins(self, order):
        if not current_user.has_role(*ORDER_STAFF, RoleName.ACCOUNTANT):
            return None
        grades = {p.grade_id: p.grade.name for p in order.prices}
        return [{"grade_id": m.grade_id, "grade": grades[m.grade_id], "farm_gate_price": f"{m.farm_gate:.2f}",
                 "margin_per_kg": f"{m.per_kg:.2f}", "below_cost": m.below_cost} for m in margins_of(order)]

    def sorted_prices(self, order):
        return FarmGatePriceSchema(many=True).dump(sorted(order.prices, key=lambda p: p.grade.rank))

    def reserved(self, order):
        """A list puts every order's total on it in one query; a single order asks here."""
        total = getattr(order, "_reserved_kg", None)
        if total is None:
            total = reserved_for(order)
        return str(total)


class OrderUpdateSchema(ma.Schema):
    buyer_id = ma.fields.Integer()
    variety_id = ma.fields.Integer()
    min_grade_id = ma.fields.Integer(metadata={"description": "the worst grade accepted"})
    quantity = QuantityText(metadata={"description": "a number in unit, or text with a unit: \"5.4吨\"",
                                     "example": "5.4"})
    unit = ma.fields.String(validate=ma.validate.OneOf(["jin", "kg", "t"]),
                            metadata={"description": "unit of a bare quantity"})
    delivered_price = ExactNumber(metadata={"description": "per price_unit", "example": "8.60"})
    price_unit = ma.fields.String(validate=ma.validate.OneOf(["kg", "jin"]),
                                  metadata={"description": "kg: 元/公斤; jin: 元/斤 (converted exactly)"})
    farm_gate_prices = ma.fields.Dict(keys=_grade_id_key(), values=ExactNumber(),
                                      metadata={"description": "grade id → price per price_unit, for every grade "
                                                               "the order accepts",
                                                "example": {"1": "8.00", "2": "6.80", "3": "5.20"}})
    mode = ma.fields.Enum(SaleMode, by_value=True)
    window_start = ma.fields.Date()
    window_end = ma.fields.Date()
    destination = ma.fields.String(validate=ma.validate.Length(max=255))
    crate_kg = ExactNumber(metadata={"example": "10"})
    party_group_id = ma.fields.Integer(allow_none=True)
    reject_policy = ma.fields.Enum(RejectPolicy, by_value=True)
    note = ma.fields.String(validate=ma.validate.Length(max=4000))
    share_cap_pct = ExactNumber()
    stop_cost = ExactNumber()
    km_cost = ExactNumber()
    urgency_credit = ExactNumber()
    urgency_horizon_days = ma.fields.Integer()
    min_pick_kg = ExactNumber(metadata={
        "description": "公斤: the least one household is picked for; a household that would give less is left "
                       "out and the others share its part (0, the default: no least)", "example": "50"})
    expected_cost_per_kg = ExactNumber(metadata={
        "description": "logistics and packing expected, per price_unit (default: the company's setting)",
        "example": "1.10"})
    below_cost_reason = ma.fields.String(validate=ma.validate.Length(max=2000), metadata={
        "description": "needed when a grade's farm-gate price plus expected costs is above the delivered price"})


class OrderCreateSchema(OrderUpdateSchema):
    buyer_id = ma.fields.Integer(load_default=None,
                                 metadata={"description": "a buyer's own staff may leave it out"})
    variety_id = ma.fields.Integer(required=True)
    min_grade_id = ma.fields.Integer(required=True, metadata={"description": "the worst grade accepted"})
    quantity = QuantityText(required=True, metadata={"description": "a number in unit, or text with a unit: \"5.4吨\"",
                                                    "example": "5.4"})
    unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["jin", "kg", "t"]))
    delivered_price = ExactNumber(required=True, metadata={"description": "per price_unit", "example": "8.60"})
    price_unit = ma.fields.String(load_default="kg", validate=ma.validate.OneOf(["kg", "jin"]))
    farm_gate_prices = ma.fields.Dict(keys=_grade_id_key(), values=ExactNumber(), required=True,
                                      metadata={"description": "grade id → price per price_unit, for every grade "
                                                               "the order accepts",
                                                "example": {"1": "8.00", "2": "6.80", "3": "5.20"}})
    mode = ma.fields.Enum(SaleMode, by_value=True, required=True)
    window_start = ma.fields.Date(required=True)
    window_end = ma.fields.Date(required=True)


class OrderQuerySchema(ma.Schema):
    status = ma.fields.Enum(OrderStatus, by_value=True, load_default=None)
    buyer_id = ma.fields.Integer(load_default=None)
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


class CancelSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=500))


# --- allocation runs --------------------------------------------------------------------------

class RunCreateSchema(ma.Schema):
    policy = ma.fields.Enum(AllocationPolicy, by_value=True, load_default=AllocationPolicy.FAIR)
    priority_first = ma.fields.Boolean(load_default=True,
                                       metadata={"description": "fair policy: priority households are served first"})


class AllocationLineSchema(ma.Schema):
    id = ma.fields.Integer()
    lot_id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    household = ma.fields.Function(lambda line: line.household.head_name)
    grade = ma.fields.Function(lambda line: line.lot.grade.name)
    kg = _out(3, "公斤 this lot gives")
    pick_on = ma.fields.Date(allow_none=True, metadata={"description": "planned picking day"})


class RunSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    policy = ma.fields.Enum(AllocationPolicy, by_value=True)
    status = ma.fields.Enum(RunStatus, by_value=True)
    params = ma.fields.Dict(metadata={"description": "the policy's parameters as the engine used them"})
    input_hash = ma.fields.String(metadata={"description": "SHA-256 of every input; the same inputs give the same run"})
    requested_kg = _out(3, "公斤 the run had to find")
    filled_kg = _out(3, "公斤 found")
    shortfall_kg = _out(3, "公斤 missing")
    cost = ma.fields.String(allow_none=True, metadata={"description": "lowest-cost policy: the objective, 元"})
    adjusted = ma.fields.Boolean(metadata={"description": "lines were changed by hand"})
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    confirmed_by_id = ma.fields.Integer(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)


class RunDetailSchema(RunSchema):
    lines = ma.fields.List(ma.fields.Nested(AllocationLineSchema))
    households = ma.fields.Method("explain_households",
                                  metadata={"description": "why each household got what it got"})
    ineligible_lots = ma.fields.Method("explain_ineligible",
                                       metadata={"description": "lot id → why it could not serve the order: "
                                                                "variety, grade, no_quantity, not_ready, spoiled"})

    def explain_households(self, run):
        rows = run.explanation.get("households", [])
        names = households_by_id(row["household_id"] for row in rows)
        return [{"household_id": row["household_id"],
                 "household": names[row["household_id"]].head_name if row["household_id"] in names else None,
                 "tier": row["tier"], "tier_reason": row["tier_reason"],
                 "offered_kg": _kg(row["offered_g"]), "allocated_kg": _kg(row["allocated_g"]),
                 "cap_kg": _kg(row["cap_g"]), "reasons": list(row["reasons"])} for row in rows]

    def explain_ineligible(self, run):
        return dict(run.explanation.get("ineligible", {}))


class AdjustSchema(ma.Schema):
    lot_id = ma.fields.Integer(required=True)
    kg = ExactNumber(required=True, metadata={"description": "公斤 from this lot; 0 takes it out", "example": "50"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=500))


class MyAllocationSchema(ma.Schema):
    id = ma.fields.Integer()
    lot_id = ma.fields.Integer()
    variety = ma.fields.Function(lambda line: line.lot.variety.name)
    grade = ma.fields.Function(lambda line: line.lot.grade.name)
    kg = _out(3, "公斤")
    jin = ma.fields.Function(lambda line: str((line.kg * 2).quantize(Decimal("0.001"))), metadata={"description": "斤"})
    pick_on = ma.fields.Date(allow_none=True)
    order_number = ma.fields.Function(lambda line: line.run.order.number)
    buyer = ma.fields.Function(lambda line: line.run.order.buyer.name)
    destination = ma.fields.Function(lambda line: line.run.order.destination)
    order_status = ma.fields.Function(lambda line: line.run.order.status.value)
    farm_gate_price = ma.fields.Method("price", metadata={"description": "元/公斤 for this lot's grade"})

    def price(self, line):
        found = next((p.price for p in line.run.order.prices if p.grade_id == line.lot.grade_id), None)
        return None if found is None else str(found)
