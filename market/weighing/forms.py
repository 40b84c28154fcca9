"""Forms of the weighing pages. They only read the input; the rules live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import (DateField, DateTimeLocalField, FieldList, Form, FormField, HiddenField, IntegerField,
                     RadioField, SelectField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from models import DeductionKind, QuantityUnit, SlipStatus

from ..labels import choices
from .services import GradePart, SlipInput

#: rows of the grade split on the form: enough for every grade of a peach table
GRADE_ROWS = 4

_DECIMAL_INPUT = {"inputmode": "decimal", "autocomplete": "off"}


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs, or (value, label, html attributes), as WTForms' choices."""
    return [SelectChoice(str(p[0]) if p[0] is not None else "", p[1], p[2] if len(p) > 2 else {}) for p in pairs]


def price_unit_choices():
    return options([("jin", _l("yuan per jin (元/斤)")), ("kg", _l("yuan per kg (元/公斤)"))])


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class GradeRowForm(Form):
    grade_id = SelectField(_l("Grade"), coerce=_optional_int, validate_choice=False)
    amount = StringField(_l("Weight or percent"), render_kw=_DECIMAL_INPUT)
    unit_price = StringField(_l("Unit price"), render_kw={**_DECIMAL_INPUT, "placeholder": "¥"})


class SlipForm(FlaskForm):
    replaces_id = HiddenField()
    household_id = SelectField(_l("Household"), coerce=_optional_int, validators=[InputRequired()])
    contract_id = SelectField(_l("Contract"), coerce=_optional_int, validate_choice=False,
                              description=_l("Leave empty for a spot purchase without a contract."))
    variety_id = SelectField(_l("Variety"), coerce=_optional_int, validators=[InputRequired()])
    weighed_at = DateTimeLocalField(_l("Weighed at"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                    validators=[Optional()])
    plate = StringField(_l("Vehicle plate"), validators=[Length(max=16)],
                        render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    unit = SelectField(_l("Weight unit"), choices=options(choices(QuantityUnit)), default="jin")
    gross = StringField(_l("Gross weight (毛重)"), validators=[DataRequired()], render_kw=_DECIMAL_INPUT)
    tare = StringField(_l("Tare (皮重)"), default="0", render_kw=_DECIMAL_INPUT)
    crates = IntegerField(_l("Crates"), default=0, validators=[Optional(), NumberRange(min=0, max=100000)],
                          render_kw={"inputmode": "numeric"})
    deduction_kind = SelectField(_l("Deduction (扣重)"), choices=options(choices(DeductionKind)), default="none")
    deduction_value = StringField(_l("Deduction value"), default="0", render_kw=_DECIMAL_INPUT,
                                  description=_l("Percent, or weight in the unit above (per crate for per-crate)."))
    split_mode = RadioField(_l("Split the net by"), choices=options([("kg", _l("weight")), ("percent", _l("percent"))]),
                            default="kg")
    price_unit = SelectField(_l("Price unit (spot only)"), choices=price_unit_choices(), default="jin")
    grades = FieldList(FormField(GradeRowForm), min_entries=GRADE_ROWS, max_entries=12)
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Confirm slip"))

    def slip_input(self) -> SlipInput:
        """What was typed, as the service takes it; the grade rows left empty are not sent."""
        rows = [GradePart(row.grade_id.data, row.amount.data, row.unit_price.data)
                for row in self.grades if (row.amount.data or "").strip()]
        return SlipInput(
            household_id=self.household_id.data, contract_id=self.contract_id.data, variety_id=self.variety_id.data,
            weighed_at=self.weighed_at.data, plate=self.plate.data, crates=self.crates.data or 0,
            unit=self.unit.data, gross=self.gross.data, tare=self.tare.data, deduction_kind=self.deduction_kind.data,
            deduction_value=self.deduction_value.data, split_mode=self.split_mode.data,
            price_unit=self.price_unit.data, grade_split=rows, note=self.note.data)


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Why is this slip void?"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Void slip"))


class SlipFilterForm(Form):
    """The list's filters, read from the query string."""

    day = DateField(_l("Date"), validators=[Optional()])
    household_id = SelectField(_l("Household"), coerce=_optional_int, validate_choice=False,
                               validators=[Optional()])
    contract_id = SelectField(_l("Contract"), coerce=_optional_int, validate_choice=False,
                              validators=[Optional()])
    status = SelectField(_l("Status"), choices=options([("", _l("All"))] + choices(SlipStatus)),
                         validators=[Optional()])
