"""JSON shapes more than one feature answers with or takes: who did something, a voucher it
wrote, the reason a person gives for sending something back, and exact numbers."""
from __future__ import annotations

import re

import marshmallow as ma
from flask_babel import gettext

#: how an exact decimal looks on the wire: money to the fen, weights to the gram, as JSON strings
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
#: text as the API takes it: no control character (``input_guard`` refuses them with a 400), in
#: JSON Schema's notation of ``input_guard.CONTROL_CHARACTERS`` (a test holds them equal)
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"
_DECIMAL = re.compile(DECIMAL_PATTERN)


class ExactNumber(ma.fields.Field):
    """A number sent as a string of digits ("8.60", "-3", no sign of +, no exponent, no grouping) or
    as a whole JSON number. Fractional JSON numbers are refused: they arrive as floats and may already
    have lost the exact value. The service receives the text and says which range and places it takes."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)) \
                or (isinstance(value, str) and not _DECIMAL.match(value)):
            raise ma.ValidationError(gettext('Send this number as a string, for example "8.60".'))
        return str(value)


class QuantityText(ma.fields.Field):
    """A weight sent as text with or without its unit ("300", "300斤", "5.4吨") or as a whole JSON
    number; the service parses it. Fractional JSON numbers are refused, as for :class:`ExactNumber`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ma.ValidationError(gettext('Send the quantity as text, e.g. "300.5".'))
        return value


def exact_number_document(converter, field, ret=None, **kwargs) -> dict:
    """What :class:`ExactNumber` and :class:`QuantityText` take, in the OpenAPI document."""
    if isinstance(field, ExactNumber):
        return {"oneOf": [{"type": "string", "pattern": DECIMAL_PATTERN}, {"type": "integer"}]}
    if isinstance(field, QuantityText):
        return {"oneOf": [{"type": "string", "minLength": 1, "pattern": TEXT_PATTERN}, {"type": "integer"}]}
    return {}


class SettlementActorSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ReturnReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class SettlementVoucherRefSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.Integer(allow_none=True, metadata={"description": "gapless per period, given at posting"})
    period = ma.fields.Function(lambda v: str(v.period), metadata={"example": "2026-08"})
    voucher_date = ma.fields.Date()
    summary = ma.fields.String(metadata={"description": "摘要"})
    status = ma.fields.Function(lambda v: v.status.value)
