"""Forms of the payment pages. They only read the input; the services judge it (amounts and
dates come back as the services' own messages on these fields)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional

from models import PayoutMethod

from ..forms import DATE_INPUT, MONEY_INPUT, optional_int
from ..labels import choices
from ..weighing.forms import options


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Why is this payment void?"), validators=[Length(max=2000)],
                           description=_l("E.g. the bank returned the transfer, or it was paid to the wrong person."))
    submit = SubmitField(_l("Void this payment"))


def method_choices():
    return options(choices(PayoutMethod))


class _PaymentFields(FlaskForm):
    idempotency_key = HiddenField()
    method = RadioField(_l("Paid by"), choices=method_choices(), default=PayoutMethod.BANK.value,
                        validate_choice=False)
    paid_on = StringField(_l("Date paid"), render_kw=DATE_INPUT)
    reference = StringField(_l("Bank or WeChat reference"), validators=[Length(max=64)],
                            render_kw={"autocomplete": "off"})
    signer = StringField(_l("Signed for by"), validators=[Length(max=64)],
                         description=_l("Needed for cash: the person who took the money and signed."))
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])


class PayoutForm(_PaymentFields):
    household_id = SelectField(_l("Household"), coerce=optional_int, validate_choice=False,
                               validators=[DataRequired(message=_l("Choose the household to pay."))])
    amount = StringField(_l("Amount (元)"), render_kw=MONEY_INPUT)
    supporting_doc = StringField(_l("Supporting document"), validators=[Length(max=128)],
                                 description=_l("Needed above ¥50,000: the contract, receipt or approval it rests on."))
    submit = SubmitField(_l("Pay"))


class ReceiptForm(_PaymentFields):
    buyer_id = SelectField(_l("Buyer"), coerce=optional_int, validate_choice=False,
                           validators=[DataRequired(message=_l("Choose the buyer who paid."))])
    method = RadioField(_l("Received by"), choices=method_choices(), default=PayoutMethod.BANK.value,
                        validate_choice=False)
    amount = StringField(_l("Amount received (元)"), render_kw=MONEY_INPUT)
    submit = SubmitField(_l("Record the money received"))


class SupplierPayForm(_PaymentFields):
    supplier_id = SelectField(_l("Carrier or supplier"), coerce=optional_int, validate_choice=False,
                              validators=[DataRequired(message=_l("Choose the supplier to pay."))])
    amount = StringField(_l("Amount (元)"), render_kw=MONEY_INPUT)
    submit = SubmitField(_l("Pay"))


class PrepaymentPayForm(_PaymentFields):
    supporting_doc = StringField(_l("Supporting document"), validators=[Length(max=128)])
    submit = SubmitField(_l("Book it"))


class BatchRowForm(Form):
    household_id = HiddenField()
    chosen = BooleanField(_l("Pay"), default=True)
    amount = StringField(_l("Amount (元)"), render_kw=MONEY_INPUT)


class BatchForm(FlaskForm):
    idempotency_key = HiddenField()
    paid_on = StringField(_l("Date paid"), render_kw=DATE_INPUT, validators=[Optional()])
    rows = FieldList(FormField(BatchRowForm), min_entries=0, max_entries=2000)
    submit = SubmitField(_l("Pay the chosen households"))
