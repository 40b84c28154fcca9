"""Forms of the contracts pages. They only shape input; the services validate it."""
from __future__ import annotations

from typing import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, SelectChoice, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from models import Grade, PrepaymentKind, PriceMechanism

from ..labels import choices
from .services import local_today

PRICE_UNITS = [SelectChoice("kg", _l("元/公斤")), SelectChoice("jin", _l("元/斤"))]


def enum_choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in choices(enum_cls)]


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ContractFilterForm(FlaskForm):
    class Meta:
        csrf = False

    season = SelectField(_l("Season"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    variety_id = SelectField(_l("Variety"), coerce=_int_or_none, validate_choice=False)


class ContractForm(FlaskForm):
    """A new contract. Per-grade price fields ``price_<grade id>`` are added by :func:`contract_form`."""

    variety_id = HiddenField()
    grade_table_id = HiddenField()
    household_id = SelectField(_l("Household (seller, 乙方)"), coerce=_int_or_none, validate_choice=False,
                               validators=[InputRequired()])
    season = StringField(_l("Season"), validators=[InputRequired(), Length(max=16)],
                         default=lambda: str(local_today().year))
    area_mu = StringField(_l("Planted area (亩)"), validators=[InputRequired()])
    expected = StringField(_l("Expected quantity"), validators=[InputRequired()],
                           description=_l("For example 5000 公斤, 10000斤 or 5吨. A bare number is kilograms."))
    tolerance_pct = StringField(_l("Tolerance (± %)"), default="5",
                                description=_l("Deliveries within this share above or below the expected "
                                               "quantity fulfil the contract."))
    main_grade_id = SelectField(_l("Main grade"), coerce=_int_or_none, validate_choice=False,
                                description=_l("The contract value, and with it the cap on deposits (定金), "
                                               "is reckoned at this grade's price."))
    mechanism = SelectField(_l("Price mechanism"), choices=enum_choices(PriceMechanism), default="fixed")
    premium_pct = StringField(_l("Premium over the quote (%)"), default="0",
                              description=_l("Only for market price plus a premium."))
    bonus_per_kg = StringField(_l("Later bonus (元/公斤)"), default="0",
                               description=_l("Only for base price plus a later bonus."))
    quote_source = StringField(_l("Market whose daily quote is followed"), validators=[Length(max=64)],
                               description=_l("Needed for the floor and market mechanisms, e.g. 西安北郊果品市场."))
    starts_on = DateField(_l("First delivery day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last delivery day"), validators=[InputRequired()])
    delivery_terms = TextAreaField(_l("Delivery terms"),
                                   description=_l("Where and how the fruit is handed over, who pays transport."))
    submit = SubmitField(_l("Create contract"))

    #: field name of each grade's price, in the grade table's order
    price_fields: list[tuple[Grade, str]] = []

    def prices(self) -> dict[int, str]:
        return {grade.id: (getattr(self, name).data or "").strip() for grade, name in self.price_fields}


def contract_form(grades: Iterable[Grade], **kwargs) -> ContractForm:
    """A :class:`ContractForm` with one price field per grade (元/公斤)."""
    grades = list(grades)

    class GradedContractForm(ContractForm):
        pass

    fields = []
    for grade in grades:
        name = f"price_{grade.id}"
        setattr(GradedContractForm, name, StringField(grade.name, validators=[InputRequired()]))
        fields.append((grade, name))
    GradedContractForm.price_fields = fields
    form = GradedContractForm(**kwargs)
    form.main_grade_id.choices = [(g.id, g.name) for g in grades]
    return form


class PrepaymentForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=enum_choices(PrepaymentKind), default="advance")
    amount = StringField(_l("Amount (元)"), validators=[InputRequired()])
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()], default=local_today)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Record payment"))


class TerminateForm(FlaskForm):
    reason = StringField(_l("Reason for terminating"), validators=[InputRequired(), Length(max=500)])
    submit = SubmitField(_l("Terminate contract"))


class QuoteForm(FlaskForm):
    variety_id = SelectField(_l("Variety"), coerce=_int_or_none, validate_choice=False, validators=[InputRequired()])
    grade_id = SelectField(_l("Grade"), coerce=_int_or_none, validate_choice=False, validators=[InputRequired()])
    quoted_on = DateField(_l("Day"), validators=[InputRequired()], default=local_today)
    price = StringField(_l("Price"), validators=[InputRequired()])
    unit = SelectField(_l("Per"), choices=PRICE_UNITS, default="kg")
    source = StringField(_l("Wholesale market"), validators=[InputRequired(), Length(max=64)],
                         render_kw={"list": "known-sources", "autocomplete": "off"})
    correct = BooleanField(_l("This corrects a quote already recorded"))
    reason = StringField(_l("Reason for the correction"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record quote"))
