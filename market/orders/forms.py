"""Forms of the orders pages. They only read what was typed; the services judge it."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField, ValidationError)
from wtforms.fields.choices import SelectChoice

from models import AllocationPolicy, Grade, RejectPolicy, SaleMode

from ..labels import choices

#: ``required`` marks a field before the form is sent (the label shows ＊); the service still checks
#: each one and says in words what is wrong
REQUIRED = {"required": True}
QUANTITY_UNITS = [SelectChoice("t", "吨"), SelectChoice("kg", "公斤"), SelectChoice("jin", "斤")]
PRICE_UNITS = [SelectChoice("kg", _l("元/公斤")), SelectChoice("jin", _l("元/斤"))]


def int_or_none(value):
    """Select values: ``""`` means nothing chosen; anything not a whole number is nothing too."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def enum_choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in choices(enum_cls)]


class DayField(DateField):
    """A date from ``<input type=date>``; empty means not given (the service says what is missing)."""

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_("Enter a date like 2026-08-18.")) from None


class BuyerForm(FlaskForm):
    name = StringField(_l("Buyer name"), render_kw={"autocomplete": "organization", **REQUIRED})
    credit_code = StringField(_l("Unified social credit code"),
                              description=_l("18 characters, on the business licence."),
                              render_kw={"autocomplete": "off", "maxlength": 18, "autocapitalize": "characters",
                                         **REQUIRED})
    province = StringField(_l("Province"))
    city = StringField(_l("City"))
    address = StringField(_l("Address"))
    contact_name = StringField(_l("Contact person"))
    contact_phone = StringField(_l("Contact phone"), render_kw={"type": "tel", "inputmode": "tel"})
    accept_below_pct = StringField(_l("Defects accepted up to (%)"), default="1",
                                   description=_l("Below this share of defective fruit the delivery is taken "
                                                  "as it is."),
                                   render_kw={"inputmode": "decimal"})
    reject_above_pct = StringField(_l("Delivery rejected above (%)"), default="5",
                                   description=_l("In between, the defective weight is deducted."),
                                   render_kw={"inputmode": "decimal"})
    weighbridge_tolerance_pct = StringField(_l("Weighbridge difference allowed (磅差, %)"), default="1",
                                            description=_l("How far the supermarket's scale may read above the "
                                                           "loading note; a coordinator says why."),
                                            render_kw={"inputmode": "decimal"})
    payment_terms_days = StringField(_l("Payment terms (days)"), default="30",
                                     description=_l("Days after acceptance the buyer pays; at most 60."),
                                     render_kw={"inputmode": "numeric"})
    active = BooleanField(_l("Takes new orders"), default=True)
    submit = SubmitField(_l("Save buyer"))


class OrderFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False)
    buyer_id = SelectField(_l("Buyer"), coerce=int_or_none, validate_choice=False)


class OrderForm(FlaskForm):
    """A buyer order. Farm-gate price fields ``price_<grade id>`` are added by :func:`order_form`."""

    variety_id = HiddenField()
    grade_table_id = HiddenField()
    buyer_id = SelectField(_l("Buyer"), coerce=int_or_none, validate_choice=False, render_kw=REQUIRED)
    min_grade_id = SelectField(_l("Lowest grade accepted"), coerce=int_or_none, validate_choice=False,
                               render_kw=REQUIRED)
    quantity = StringField(_l("Quantity"), render_kw={"inputmode": "decimal", "autocomplete": "off", **REQUIRED},
                           description=_l("For example 5.4 吨; a number with 公斤 or 斤 works too."))
    unit = SelectField(_l("Unit"), choices=QUANTITY_UNITS, default="t", validate_choice=False)
    delivered_price = StringField(_l("Delivered price the buyer pays"),
                                  render_kw={"inputmode": "decimal", **REQUIRED})
    price_unit = SelectField(_l("Prices per"), choices=PRICE_UNITS, default="kg", validate_choice=False)
    mode = RadioField(_l("How it is sold"), choices=enum_choices(SaleMode), default=SaleMode.FIELD_DIRECT.value,
                      validate_choice=False)
    window_start = DayField(_l("First delivery day"), render_kw=REQUIRED)
    window_end = DayField(_l("Last delivery day"), render_kw=REQUIRED)
    destination = StringField(_l("Destination"), render_kw={"placeholder": _l("e.g. 甘肃省金昌市, the supermarket's store")})
    crate_kg = StringField(_l("Crate size (公斤)"), default="10", render_kw={"inputmode": "decimal"},
                           description=_l("Allocations are rounded to whole crates."))
    party_group_id = SelectField(_l("Party group in charge"), coerce=int_or_none, validate_choice=False)
    reject_policy = SelectField(_l("Who bears the supermarket's rejects"), choices=enum_choices(RejectPolicy),
                                default=RejectPolicy.COMPANY_BEARS.value, validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})
    expected_cost_per_kg = StringField(_l("Expected logistics and packing"), render_kw={"inputmode": "decimal"},
                                       description=_l("Per 公斤 or 斤 as chosen above: freight, crates, labour. "
                                                      "The margin below is worked out with it."))
    below_cost_reason = TextAreaField(_l("Why the order stands although a grade is sold at a loss"),
                                      render_kw={"rows": 2}, description=_l(
                                          "Needed only when a grade's margin is below zero."))
    share_cap_pct = StringField(_l("Most one household may give, in percent of the order"), default="10",
                                render_kw={"inputmode": "decimal"},
                                description=_l("Spreads the order over many households; lifted only when "
                                               "the order cannot be filled otherwise."))
    min_pick_kg = StringField(_l("Least one household is picked for (公斤)"), default="0",
                              render_kw={"inputmode": "decimal"},
                              description=_l("A household that would give less is left out and the others share "
                                             "its part; 0 for no least."))
    stop_cost = StringField(_l("Cost of one collection stop (元)"), default="30", render_kw={"inputmode": "decimal"})
    km_cost = StringField(_l("Cost per kilometre (元)"), default="2", render_kw={"inputmode": "decimal"})
    urgency_credit = StringField(_l("Credit for fruit about to spoil (元/公斤)"), default="0.5",
                                 render_kw={"inputmode": "decimal"})
    urgency_horizon_days = StringField(_l("Spoiling counts from (days before)"), default="14",
                                       render_kw={"inputmode": "numeric"})
    submit = SubmitField(_l("Save order"))

    #: field name of each grade's farm-gate price, best grade first
    price_fields: list[tuple[Grade, str]] = []
    #: messages about the farm-gate prices as a whole
    price_errors: list[str]

    def validate_party_group_id(self, field) -> None:
        known = {c[0] for c in (field.choices or [])}
        if field.data is not None and field.data not in known:
            raise ValidationError(_("Choose a party group from the list."))

    def mark_required_prices(self) -> None:
        """Every grade down to the lowest accepted needs a farm-gate price: those fields are marked
        required (the page's script moves the mark when another lowest grade is chosen)."""
        lowest = next((grade for grade, _name in self.price_fields if grade.id == self.min_grade_id.data), None)
        for grade, name in self.price_fields:
            field = getattr(self, name)
            kw = dict(field.render_kw or {})
            kw.pop("required", None)
            if lowest is not None and grade.rank <= lowest.rank:
                kw["required"] = True
            field.render_kw = kw

    def farm_gate_prices(self) -> dict[int, str]:
        return {grade.id: (getattr(self, name).data or "").strip() for grade, name in self.price_fields
                if (getattr(self, name).data or "").strip()}

    #: what only the company's staff see and set: the margin is the company's own business
    MARGIN_FIELDS = ("expected_cost_per_kg", "below_cost_reason")
    ALLOCATION_FIELDS = ("share_cap_pct", "min_pick_kg", "stop_cost", "km_cost", "urgency_credit", "urgency_horizon_days")


def order_form(grades: Iterable[Grade], **kwargs) -> OrderForm:
    """An :class:`OrderForm` with one farm-gate price field per grade."""
    grades = list(grades)

    class GradedOrderForm(OrderForm):
        pass

    fields = []
    for grade in grades:
        name = f"price_{grade.id}"
        setattr(GradedOrderForm, name, StringField(grade.name, render_kw={
            "inputmode": "decimal", "data-grade": grade.name, "data-grade-id": grade.id, "data-rank": grade.rank}))
        fields.append((grade, name))
    GradedOrderForm.price_fields = fields
    form = GradedOrderForm(**kwargs)
    form.price_errors = []
    form.min_grade_id.choices = [(g.id, g.name) for g in grades]
    return form


class CancelForm(FlaskForm):
    reason = StringField(_l("Why is the order cancelled?"))
    submit = SubmitField(_l("Cancel the order"))


class RunForm(FlaskForm):
    policy = RadioField(_l("How to share the order"), choices=enum_choices(AllocationPolicy),
                        default=AllocationPolicy.FAIR.value, validate_choice=False)
    priority_first = BooleanField(_l("Priority households first"), default=True)
    submit = SubmitField(_l("Run allocation"))


class AdjustForm(FlaskForm):
    lot_id = SelectField(_l("Lot"), coerce=int_or_none, validate_choice=False)
    kg = StringField(_l("Kilograms from this lot"), render_kw={"inputmode": "decimal", "autocomplete": "off"},
                     description=_l("0 takes the lot out."))
    reason = StringField(_l("Why"), render_kw={"placeholder": _l("e.g. fruit too soft, household asked to wait")})
    submit = SubmitField(_l("Save the change"))
