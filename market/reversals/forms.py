"""Forms of the reversal page. They only read the input; the services judge it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from ..forms import DATE_INPUT


class ReverseForm(FlaskForm):
    idempotency_key = HiddenField()
    reason = TextAreaField(_l("Why is the whole settlement reversed?"), validators=[Length(max=2000)],
                           render_kw={"required": True},
                           description=_l("E.g. 验收重量录错，整单冲销后重新结算."))
    reverse_on = StringField(_l("Date of the red vouchers"), render_kw=DATE_INPUT,
                             description=_l("In the open period; never before a closed one."))
    submit = SubmitField(_l("Send the reversal for review"))


class ApproveForm(FlaskForm):
    submit = SubmitField(_l("Approve and post the reversal (审核记账)"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why is it returned?"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Return it"))
