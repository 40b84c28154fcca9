"""Forms of the adjustment pages. They only read the input; the services judge it (amounts, prices
and dates come back as the services' own messages on these fields)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from ..forms import DATE_INPUT, MONEY_INPUT, optional_int


class AllowanceForm(FlaskForm):
    """销售折让/价格调整 agreed with the buyer after receipt."""

    idempotency_key = HiddenField()
    amount = StringField(_l("Allowance (元, tax included)"), render_kw=MONEY_INPUT,
                         description=_l("Or give it per kilogram below, not both."))
    per_kg = StringField(_l("Or per kilogram accepted (元/公斤)"), render_kw=MONEY_INPUT)
    invoice_number = StringField(_l("Red VAT invoice number (红字发票), if issued"), validators=[Length(max=32)],
                                 render_kw={"autocomplete": "off"})
    reason = TextAreaField(_l("Why (agreed with the buyer)"), validators=[Length(max=2000)],
                           description=_l("E.g. 超市验收后协商降价 0.20元/公斤 (fruit softer than agreed)."))
    adjusted_on = StringField(_l("Date"), render_kw=DATE_INPUT)
    submit = SubmitField(_l("Send the allowance for review"))


class CorrectionForm(FlaskForm):
    """价格更正 of one household's delivered grade line."""

    idempotency_key = HiddenField()
    item_id = SelectField(_l("Household and grade"), coerce=optional_int, validate_choice=False)
    new_price = StringField(_l("Corrected price (元/公斤)"), render_kw=MONEY_INPUT)
    reason = TextAreaField(_l("Why"), validators=[Length(max=2000)],
                           description=_l("E.g. 一级果按二级果价格结算，更正为一级价."))
    adjusted_on = StringField(_l("Date"), render_kw=DATE_INPUT)
    submit = SubmitField(_l("Send the correction for review"))


class ApproveForm(FlaskForm):
    submit = SubmitField(_l("Approve and post (审核记账)"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why is it returned?"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Return it"))
