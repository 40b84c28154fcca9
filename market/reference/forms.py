"""Forms of the reference pages. They only parse; the services validate and explain."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, PasswordField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from models import PayoutMethod, RoleName

from ..labels import choices

NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def enum_choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in choices(enum_cls)]


def choice(value: Any, text: str, optgroup: str | None = None) -> SelectChoice:
    """One option; ``None`` is the empty "none chosen" option."""
    return SelectChoice("" if value is None else str(value), text, optgroup=optgroup)


def optional_int(value: Any) -> int | None:
    """Select values: "" means none; anything that is not a number is kept for the service to refuse."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class IdSelectField(SelectField):
    """A select of rows by id; the service checks the id, so any value is accepted here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("choices", [])
        super().__init__(*args, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VillageForm(FlaskForm):
    code = StringField(_l("Area code (12 digits)"), validators=[Length(max=40)], render_kw=NUMERIC,
                       description=_l("The 12-digit statistical area code, e.g. 610404102201."))
    name = StringField(_l("Village name"), validators=[Length(max=200)])
    township = StringField(_l("Township or street"), validators=[Length(max=200)])
    county = StringField(_l("County or district"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class VillageGroupForm(FlaskForm):
    number = StringField(_l("Group number"), validators=[Length(max=10)], render_kw=NUMERIC)
    name = StringField(_l("Group name"), validators=[Length(max=200)],
                       description=_l("Leave empty for “N组”."))
    submit = SubmitField(_l("Save"))


class PartyBranchForm(FlaskForm):
    name = StringField(_l("Party branch name"), validators=[Length(max=200)])
    secretary = StringField(_l("Secretary"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class PartyGroupForm(FlaskForm):
    branch_id = IdSelectField(_l("Party branch"))
    name = StringField(_l("Party group name"), validators=[Length(max=200)])
    leader = StringField(_l("Leader"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class PartyGroupEditForm(FlaskForm):
    name = StringField(_l("Party group name"), validators=[Length(max=200)])
    leader = StringField(_l("Leader"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class HouseholdForm(FlaskForm):
    head_name = StringField(_l("Head of household"), validators=[Length(max=200)])
    id_number = StringField(_l("ID number"), validators=[Length(max=40)], render_kw={"autocomplete": "off"})
    phone = StringField(_l("Mobile number"), validators=[Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    village_id = IdSelectField(_l("Village"))
    group_id = IdSelectField(_l("Group"))
    party_group_id = IdSelectField(_l("Party group"))
    payout_method = SelectField(_l("Paid by"), choices=enum_choices(PayoutMethod), validate_choice=False)
    bank_name = StringField(_l("Bank"), validators=[Length(max=200)])
    account_number = StringField(_l("Bank card number or WeChat ID"), validators=[Length(max=60)],
                                 render_kw={"autocomplete": "off"})
    priority = BooleanField(_l("Serve first (unsold produce or hardship)"))
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    active = BooleanField(_l("Household is active"), default=True)
    submit = SubmitField(_l("Save"))


class RevealForm(FlaskForm):
    reason = StringField(_l("Why do you need the full numbers?"), validators=[Length(max=500)])
    submit = SubmitField(_l("Show full numbers"))


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class ProductVatForm(FlaskForm):
    """A product's sales VAT: taxable at a rate (price includes tax), or exempt with its basis."""

    treatment = SelectField(_l("Sales VAT"), choices=[SelectChoice("taxable", _l("Taxable at a rate")),
                                                      SelectChoice("exempt", _l("Exempt"))])
    rate_pct = StringField(_l("VAT rate, %"), validators=[Length(max=20)])
    basis = StringField(_l("Basis of the exemption"), validators=[Length(max=200)],
                        description=_l("e.g. 蔬菜流通环节免税"))
    submit = SubmitField(_l("Save VAT"))


class VarietyForm(FlaskForm):
    name = StringField(_l("Variety name"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class GradeTableForm(FlaskForm):
    name = StringField(_l("Grade table name"), validators=[Length(max=200)])
    is_default = BooleanField(_l("Default table for this product"))
    submit = SubmitField(_l("Save"))


class GradeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=100)], description=_l("e.g. special, first"))
    name = StringField(_l("Grade name"), validators=[Length(max=200)])
    rank = StringField(_l("Rank (0 = best)"), validators=[Length(max=10)], render_kw=NUMERIC)
    min_fruit_g = StringField(_l("Minimum single fruit (g)"), validators=[Length(max=10)], render_kw=NUMERIC)
    min_diameter_mm = StringField(_l("Minimum diameter (mm)"), validators=[Length(max=10)], render_kw=NUMERIC)
    price_diff = StringField(_l("Price differential (yuan/kg)"), validators=[Length(max=20)],
                             render_kw={"inputmode": "decimal"},
                             description=_l("Added to the base price; negative for lower grades, e.g. -1.00."))
    submit = SubmitField(_l("Save"))


class UserCreateForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    name = StringField(_l("Name"), validators=[Length(max=200)])
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "new-password"})
    roles = MultiCheckboxField(_l("Roles"), choices=enum_choices(RoleName), validate_choice=False)
    household_id = IdSelectField(_l("Household (for villagers)"))
    party_group_id = IdSelectField(_l("Party group (for coordinators)"))
    buyer_id = IdSelectField(_l("Buyer (for a supermarket's staff)"))
    submit = SubmitField(_l("Create login"))


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    roles = MultiCheckboxField(_l("Roles"), choices=enum_choices(RoleName), validate_choice=False)
    household_id = IdSelectField(_l("Household (for villagers)"))
    party_group_id = IdSelectField(_l("Party group (for coordinators)"))
    buyer_id = IdSelectField(_l("Buyer (for a supermarket's staff)"))
    submit = SubmitField(_l("Save"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Reset password"))


class PayeeDecisionForm(FlaskForm):
    """Approve (the button alone) or turn down (with a reason) a change of payout account."""

    reason = StringField(_l("Why is it turned down?"), validators=[Length(max=2000)],
                         render_kw={"placeholder": _l("e.g. the household says it asked for no change")})
    approve = SubmitField(_l("Approve the change"))
    reject = SubmitField(_l("Turn it down"))
