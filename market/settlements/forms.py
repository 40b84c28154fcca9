"""Forms of the settlement pages. They only read the input; the services judge it (amounts, dates
and rates come back as the services' own messages on these fields)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import DATE_INPUT, MONEY_INPUT, optional_int


class AmountsForm(FlaskForm):
    """What the preparer enters on an order settlement; the rest comes from the weighings and receipt."""

    settle_on = StringField(_l("Settlement date"), render_kw=DATE_INPUT,
                            description=_l("The date of its vouchers; the buyer's due date counts from it."))
    logistics = StringField(_l("Logistics (元)"), default="0", render_kw=MONEY_INPUT)
    packing = StringField(_l("Packing (元)"), default="0", render_kw=MONEY_INPUT)
    logistics_invoice_no = StringField(_l("Special VAT invoice no. (logistics)"), validators=[Length(max=64)],
                                       description=_l("Only when the freight came with a 增值税专用发票."))
    logistics_vat_rate_pct = StringField(_l("Its VAT rate (%)"), render_kw=MONEY_INPUT)
    packing_invoice_no = StringField(_l("Special VAT invoice no. (packing)"), validators=[Length(max=64)])
    packing_vat_rate_pct = StringField(_l("Its VAT rate (%)"), render_kw=MONEY_INPUT)
    logistics_supplier_id = SelectField(_l("Carrier owed the logistics"), coerce=optional_int, validate_choice=False,
                                        description=_l("Leave empty when it was paid from the bank on the day."))
    packing_supplier_id = SelectField(_l("Supplier owed the packing"), coerce=optional_int, validate_choice=False,
                                      description=_l("Leave empty when it was paid from the bank on the day."))
    buyer_deductions = StringField(_l("Buyer's deductions (元)"), default="0", render_kw=MONEY_INPUT,
                                   description=_l("Agreed deductions from what the buyer pays, e.g. a late-delivery charge."))
    vat_rate_pct = StringField(_l("Calculated input VAT rate (%)"), render_kw=MONEY_INPUT,
                               description=_l("Of the 农产品收购发票; 9 unless the law says otherwise."))
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Compute again"))


class OrderSettlementForm(AmountsForm):
    order_id = SelectField(_l("Received order"), coerce=optional_int, validate_choice=False,
                           validators=[DataRequired(message=_l("Choose the order to settle."))])
    submit = SubmitField(_l("Prepare the settlement"))


class BatchSettlementForm(FlaskForm):
    start = StringField(_l("Weighed from"), render_kw=DATE_INPUT)
    end = StringField(_l("Weighed until"), render_kw=DATE_INPUT)
    settle_on = StringField(_l("Settlement date"), render_kw=DATE_INPUT)
    vat_rate_pct = StringField(_l("Calculated input VAT rate (%)"), render_kw=MONEY_INPUT)
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Prepare the settlement"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why is it returned?"), validators=[Length(max=2000)],
                           description=_l("The preparer sees this on the draft."))
    submit = SubmitField(_l("Return to draft"))
