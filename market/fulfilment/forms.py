"""Forms of the fulfilment pages. They only read the input; the rules live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, DateTimeLocalField, FieldList, Form, FormField, HiddenField, IntegerField,
                     RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models import AllocationPolicy, CertificateBasis, DeductionKind, QuantityUnit

from ..labels import choices
from ..weighing.forms import options

_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}
_MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class GradeAmountForm(Form):
    grade_id = HiddenField()
    amount = StringField(_l("Weight"), render_kw=_DECIMAL)


class CollectSlipForm(FlaskForm):
    """A weigh slip for one allocation line: the household, variety and prices come from the line."""

    contract_id = SelectField(_l("Contract"), coerce=_optional_int, validate_choice=False,
                              description=_l("Leave empty to pay the order's farm-gate price."))
    weighed_at = DateTimeLocalField(_l("Weighed at"), format=_MOMENT_FORMATS, validators=[Optional()])
    plate = StringField(_l("Vehicle plate"), validators=[Length(max=16)],
                        render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    unit = SelectField(_l("Weight unit"), choices=options(choices(QuantityUnit)), default="jin")
    crates = IntegerField(_l("Crates"), default=0, validators=[Optional(), NumberRange(min=0, max=100000)],
                          render_kw={"inputmode": "numeric"})
    gross = StringField(_l("Gross weight (毛重)"), validators=[DataRequired()], render_kw=_DECIMAL)
    tare = StringField(_l("Tare (皮重)"), default="0", render_kw=_DECIMAL)
    deduction_kind = SelectField(_l("Deduction (扣重)"), choices=options(choices(DeductionKind)), default="none")
    deduction_value = StringField(_l("Deduction value"), default="0", render_kw=_DECIMAL,
                                  description=_l("Percent, or weight in the unit above (per crate for per-crate)."))
    grades = FieldList(FormField(GradeAmountForm), min_entries=0, max_entries=12)
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Confirm slip"))


class RejectForm(FlaskForm):
    quantity = StringField(_l("Weight refused in the field"), validators=[DataRequired()], render_kw=_DECIMAL)
    unit = SelectField(_l("Weight unit"), choices=options(choices(QuantityUnit)), default="jin")
    reason = StringField(_l("Why refused"), validators=[DataRequired(), Length(max=255)],
                         description=_l("e.g. under size, bruised, rotten"))
    slip_id = SelectField(_l("Sorted out at the weighing of"), coerce=_optional_int, validate_choice=False,
                          validators=[Optional()])
    submit = SubmitField(_l("Record field reject"))


class CloseForm(FlaskForm):
    reason = TextAreaField(_l("Why is this line finished short?"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Close the line"))


class ShortfallForm(FlaskForm):
    policy = RadioField(_l("Allocation"), choices=options(choices(AllocationPolicy)), default="fair")
    submit = SubmitField(_l("Re-allocate the shortfall"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ShipmentForm(FlaskForm):
    plate = StringField(_l("Truck plate"), validators=[DataRequired(), Length(max=16)],
                        render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    driver_name = StringField(_l("Driver"), validators=[DataRequired(), Length(max=64)])
    driver_phone = StringField(_l("Driver's phone"), validators=[DataRequired(), Length(max=20)],
                               render_kw={"inputmode": "tel", "autocomplete": "off"})
    temperature = StringField(_l("Load temperature (°C)"), validators=[InputRequired()], render_kw=_DECIMAL,
                              description=_l("Peaches travel at 0–4 °C."))
    departed_at = DateTimeLocalField(_l("Departure"), format=_MOMENT_FORMATS, validators=[Optional()])
    slip_ids = MultiCheckboxField(_l("Weigh slips on this truck"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    last = RadioField(_l("Is this the order's last truck?"), default="yes", validate_choice=False,
                      choices=options([("yes", _l("Yes: the order is shipped when it leaves")),
                                       ("no", _l("No: another truck follows with what is still being picked"))]),
                      description=_l("What was weighed for the order and is on no truck when the last one leaves "
                                     "stays with the company (bought into stock)."))
    submit = SubmitField(_l("Ship the truck"))


class FinishShippingForm(FlaskForm):
    submit = SubmitField(_l("No more trucks: the order is shipped"))


class CertificateForm(FlaskForm):
    basis = RadioField(_l("The commitment rests on"), choices=options(choices(CertificateBasis)), default="quality_control")
    basis_note = StringField(_l("Test report number"), validators=[Length(max=255)],
                             description=_l("Needed for own or commissioned tests."))
    issued_on = DateField(_l("Issue date"), validators=[Optional()])
    parents = TextAreaField(_l("Certificates the produce came with"), validators=[Length(max=4000)],
                            description=_l("One per line: its number, then who issued it."))
    submit = SubmitField(_l("Issue the certificate"))


class ReceiptForm(FlaskForm):
    received = StringField(_l("Weight received"), validators=[DataRequired()], render_kw=_DECIMAL)
    unit = SelectField(_l("Weight unit"), choices=options(choices(QuantityUnit)), default="kg")
    defect_pct = StringField(_l("Defects found (%)"), validators=[InputRequired()], render_kw=_DECIMAL)
    received_at = DateTimeLocalField(_l("Received at"), format=_MOMENT_FORMATS, validators=[Optional()])
    supplier_signer = StringField(_l("Supplier (供货方)"), validators=[DataRequired(), Length(max=64)])
    clerk_signer = StringField(_l("Receiving clerk (收货员)"), validators=[DataRequired(), Length(max=64)])
    supervisor_signer = StringField(_l("Produce supervisor (生鲜主管)"), validators=[DataRequired(), Length(max=64)])
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    over_loaded_reason = TextAreaField(_l("If more arrived than was loaded: why (磅差)"), validators=[Length(max=500)],
                                       description=_l("A coordinator only, within the buyer's weighbridge tolerance."))
    submit = SubmitField(_l("Record the receipt"))


class TraceLookupForm(Form):
    code = StringField(_l("Code on the label"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})
