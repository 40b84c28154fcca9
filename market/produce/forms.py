"""Forms of the produce pages. They only read what was typed; the services judge it."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, MultipleFileField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from models import LotStatus

from .. import labels

UNIT_CHOICES = [SelectChoice("jin", "斤"), SelectChoice("kg", "公斤"), SelectChoice("t", "吨")]
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


def int_or_none(value):
    """Select values: ``""`` means nothing chosen; anything else must be a whole number."""
    if value is None or value == "" or isinstance(value, int):
        return value if value != "" else None
    return int(value)


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
            raise ValueError(_("Enter a date like 2026-08-10.")) from None


REQUIRED = {"required": True}


class LotForm(FlaskForm):
    """交售登记: one short form. Staff also choose the household (proxy entry)."""

    # ``required`` marks a field before it is sent (the browser asks for it, the label shows ＊);
    # the service still checks each one and says what is wrong in words.
    household_id = SelectField(_l("Household"), coerce=int_or_none, validate_choice=False, render_kw=REQUIRED)
    variety_id = SelectField(_l("Variety"), coerce=int_or_none, validate_choice=False, render_kw=REQUIRED)
    grade_id = SelectField(_l("Grade"), coerce=int_or_none, validate_choice=False, render_kw=REQUIRED)
    quantity = StringField(_l("How much"), render_kw={"inputmode": "decimal", "autocomplete": "off", **REQUIRED})
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES, default="jin", validate_choice=False)
    ready_from = DayField(_l("Ready from"), render_kw=REQUIRED)
    ready_to = DayField(_l("Ready until"), render_kw=REQUIRED)
    spoil_by = DayField(_l("Spoils after"), description=_l("The last day before it goes bad."), render_kw=REQUIRED)
    photos = MultipleFileField(_l("Photos (up to 3)"), render_kw={"accept": PHOTO_ACCEPT})
    location_note = StringField(_l("Where is it?"), render_kw={"placeholder": _l("e.g. the orchard east of the village")})
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})
    submit = SubmitField(_l("Register"))


class EditLotForm(LotForm):
    submit = SubmitField(_l("Save"))


class PhotoForm(FlaskForm):
    photos = MultipleFileField(_l("Add photos"), render_kw={"accept": PHOTO_ACCEPT})
    submit = SubmitField(_l("Upload"))


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Why? (optional)"), render_kw={"placeholder": _l("e.g. sold at the market")})
    submit = SubmitField(_l("Yes, withdraw"))


class LotFilterForm(FlaskForm):
    """The staff list's filters, sent by GET."""

    class Meta:
        csrf = False

    village_id = SelectField(_l("Village"), coerce=int_or_none, validate_choice=False)
    variety_id = SelectField(_l("Variety"), coerce=int_or_none, validate_choice=False)
    grade_id = SelectField(_l("Grade"), coerce=int_or_none, validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    ready_on = DayField(_l("Ready on"))
    submit = SubmitField(_l("Filter"))

    def fill_status_choices(self) -> None:
        self.status.choices = [SelectChoice("", _("All"))] + [
            SelectChoice(value, str(text)) for value, text in labels.choices(LotStatus)]


def choice(value, text, optgroup: str | None = None) -> SelectChoice:
    """An option; values are text in HTML, whatever the field coerces them to."""
    return SelectChoice("" if value is None else str(value), str(text), optgroup=optgroup)
