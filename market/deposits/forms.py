"""Forms of the deposits page. They only read the input; the services judge it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from models import DepositOutcome, PayoutMethod

from ..forms import DATE_INPUT
from ..labels import choices
from ..payments.forms import method_choices
from ..weighing.forms import options


def outcome_choices():
    return options(choices(DepositOutcome))


class DepositClosureForm(FlaskForm):
    idempotency_key = HiddenField()
    outcome = RadioField(_l("How does the deposit end?"), choices=outcome_choices(),
                         default=DepositOutcome.RETURNED.value, validate_choice=False)
    reason = TextAreaField(_l("Why did the contract end, and who broke it?"), validators=[Length(max=2000)])
    closed_on = StringField(_l("Date"), render_kw=DATE_INPUT)
    method = RadioField(_l("Paid back by"), choices=method_choices(), default=PayoutMethod.BANK.value,
                        validate_choice=False)
    reference = StringField(_l("Bank or WeChat reference"), validators=[Length(max=64)])
    signer = StringField(_l("Cash taken by"), validators=[Length(max=64)],
                         description=_l("Needed for cash: the name of who took it."))
    submit = SubmitField(_l("Close the deposit"))


class VoidClosureForm(FlaskForm):
    reason = TextAreaField(_l("Why is this deposit closure void?"), validators=[Length(max=2000)],
                           description=_l("E.g. the wrong outcome was chosen; close the deposit again afterwards."))
    submit = SubmitField(_l("Void this closure"))
