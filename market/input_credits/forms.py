"""Forms of the input credit page. They only read the input; the services judge it (amounts and
dates come back as the services' own messages on these fields)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import DATE_INPUT, MONEY_INPUT, optional_int


class InputCreditForm(FlaskForm):
    """农资赊销: supplies handed to a household on credit, recovered from its next settlements."""

    idempotency_key = HiddenField()
    household_id = SelectField(_l("Household"), coerce=optional_int, validate_choice=False,
                               validators=[DataRequired(message=_l("Choose the household that got the supplies."))])
    item = StringField(_l("What was supplied"), validators=[Length(max=128)],
                       description=_l("e.g. 复合肥 40袋, 农药 5瓶, 果袋 2000个"), render_kw={"autocomplete": "off"})
    amount = StringField(_l("Amount (元)"), render_kw=MONEY_INPUT)
    issued_on = StringField(_l("Date supplied"), render_kw=DATE_INPUT)
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record the input credit"))


class VoidCreditForm(FlaskForm):
    reason = TextAreaField(_l("Why is this input credit void?"), validators=[Length(max=2000)],
                           description=_l("E.g. recorded for the wrong household, or recorded twice."))
    submit = SubmitField(_l("Void this input credit"))
