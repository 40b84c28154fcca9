"""Forms of the stock pages. They only read the input; the services judge it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..forms import DATE_INPUT, optional_int

LOSS_KINDS = [SelectChoice("", _l("— (not a loss)")), SelectChoice("normal", _l("Normal shrink (合理损耗)")),
              SelectChoice("abnormal", _l("Abnormal loss (非正常损失)"))]


class CountLineForm(Form):
    """One item as counted; left empty, the item was not counted."""

    variety_id = HiddenField()
    grade_id = HiddenField()
    counted = StringField(_l("Counted (实存)"), render_kw={"inputmode": "decimal", "autocomplete": "off"},
                          description=_l("e.g. 398 公斤; empty when not counted"))
    loss_kind = SelectField(_l("If less than the books"), choices=LOSS_KINDS, validate_choice=False)
    reason = StringField(_l("Why it differs"), validators=[Length(max=500)], render_kw={"autocomplete": "off"})


class CountForm(FlaskForm):
    counted_on = StringField(_l("Date counted"), render_kw=DATE_INPUT)
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    lines = FieldList(FormField(CountLineForm))
    submit = SubmitField(_l("Record the count"))


class OrderStockForm(FlaskForm):
    grade_id = SelectField(_l("Grade"), coerce=optional_int, validate_choice=False)
    quantity = StringField(_l("Quantity from the warehouse"), render_kw={"autocomplete": "off"},
                           description=_l("e.g. 400 公斤 or 800 斤; 0 takes the grade off the order"))
    submit = SubmitField(_l("Take it from the warehouse"))
