"""Forms of the books pages. They only read the input; the rules live in the ledger's services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField,
                     SubmitField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Confirm"))


class ActionForm(FlaskForm):
    """A bare POST with its CSRF token (approve, post, close)."""

    submit = SubmitField(_l("Confirm"))


class OpenPeriodForm(FlaskForm):
    #: choices are the months without a period yet, set by the page
    month = SelectField(_l("Month"), validators=[DataRequired(), Length(max=7)], validate_choice=False)
    submit = SubmitField(_l("Open the period"))


class VoucherLineForm(Form):
    account = SelectField(_l("Account (科目)"), validate_choice=False)
    party = SelectField(_l("Party (辅助核算)"), validate_choice=False)
    debit = StringField(_l("Debit"), render_kw=_DECIMAL)
    credit = StringField(_l("Credit"), render_kw=_DECIMAL)
    memo = StringField(_l("Memo"), validators=[Length(max=255)])


class VoucherForm(FlaskForm):
    """制单: a manual voucher with several lines; empty lines are left out."""

    voucher_date = DateField(_l("Date"), validators=[DataRequired()])
    summary = StringField(_l("Summary (摘要)"), validators=[DataRequired(), Length(max=255)])
    attachments = IntegerField(_l("Attachments"), default=0, validators=[Optional(), NumberRange(min=0, max=999)],
                               render_kw={"inputmode": "numeric"})
    lines = FieldList(FormField(VoucherLineForm), min_entries=4, max_entries=20)
    key = HiddenField()
    submit = SubmitField(_l("Prepare the voucher"))



class AccountForm(FlaskForm):
    """A new account of the chart (科目); the code rules live in ``market.ledger.chart``."""

    code = StringField(_l("Account code"), validators=[DataRequired(), Length(max=16)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"},
                       description=_l("Four digits, or a parent account's code and two more digits (e.g. 560101)."))
    name = StringField(_l("Account name"), validators=[DataRequired(), Length(max=64)])
    kind = SelectField(_l("Kind of account"), validate_choice=False)
    party_type = SelectField(_l("Party (辅助核算)"), validate_choice=False)
    submit = SubmitField(_l("Add the account"))


class AccountEditForm(FlaskForm):
    """Rename an account and, while no voucher uses it, change its 辅助核算."""

    name = StringField(_l("Account name"), validators=[DataRequired(), Length(max=64)])
    party_type = SelectField(_l("Party (辅助核算)"), validate_choice=False)
    submit = SubmitField(_l("Save"))


class SupplierForm(FlaskForm):
    """A carrier or packing supplier (供应商/承运商); the service checks the credit code and account."""

    name = StringField(_l("Name"), validators=[Length(max=128)])
    credit_code = StringField(_l("Unified social credit code (统一社会信用代码)"), validators=[Length(max=18)],
                              description=_l("Optional: 18 characters."))
    bank_name = StringField(_l("Bank"), validators=[Length(max=64)])
    account_number = StringField(_l("Bank account number"), validators=[Length(max=40)],
                                 render_kw={"inputmode": "numeric", "autocomplete": "off"})
    submit = SubmitField(_l("Record the supplier"))
