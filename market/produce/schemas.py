"""JSON shapes of produce lots. Weights travel as strings; floats never touch them."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_smorest.fields import Upload

from models import LotStatus

from ..api import PageArgsSchema
from ..api.schemas import QuantityText
from .services import weight_in_entered_unit

QUANTITY_DOC = {
    "example": "300斤",
    "description": 'Text such as "300" (in `unit`, 斤 if absent) or "300斤", "150 公斤", "0.3吨". '
                   "Whole numbers are accepted too; fractional JSON numbers are refused.",
}
UNIT_DOC = {"type": "string", "enum": ["jin", "kg", "t"], "example": "jin",
            "description": "unit of a bare number: jin (斤), kg (公斤) or t (吨); 斤/公斤/吨 work too"}


class PhotoSchema(ma.Schema):
    id = ma.fields.Integer()
    content_type = ma.fields.String()
    size_bytes = ma.fields.Integer()
    original_name = ma.fields.String()
    url = ma.fields.Method("photo_url")

    def photo_url(self, photo) -> str:
        return url_for("produce_api.download_photo", lot_id=photo.lot_id, photo_id=photo.id)


class LotSchema(ma.Schema):
    id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    household_name = ma.fields.Function(lambda lot: lot.household.head_name)
    variety_id = ma.fields.Integer()
    variety = ma.fields.Function(lambda lot: lot.variety.name)
    product = ma.fields.Function(lambda lot: lot.variety.product.name)
    grade_id = ma.fields.Integer()
    grade = ma.fields.Function(lambda lot: lot.grade.name)
    quantity_kg = ma.fields.Decimal(as_string=True, places=3,
                                    metadata={"description": "the stored weight in kilograms"})
    entered_unit = ma.fields.Function(lambda lot: lot.entered_unit.value,
                                      metadata={"description": "jin, kg or t, as it was entered"})
    quantity = ma.fields.Function(weight_in_entered_unit,
                                  metadata={"description": "the weight in entered_unit, as text"})
    ready_from = ma.fields.Date()
    ready_to = ma.fields.Date()
    spoil_by = ma.fields.Date()
    village_id = ma.fields.Integer()
    group_id = ma.fields.Integer(allow_none=True)
    location_note = ma.fields.String()
    note = ma.fields.String()
    status = ma.fields.Function(lambda lot: lot.status.value,
                                metadata={"enum": [s.value for s in LotStatus]})
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    photos = ma.fields.List(ma.fields.Nested(PhotoSchema))


class LotCreateSchema(ma.Schema):
    household_id = ma.fields.Integer(allow_none=True, load_default=None,
                                     metadata={"description": "staff only; villagers register for their own"})
    variety_id = ma.fields.Integer(required=True)
    grade_id = ma.fields.Integer(required=True)
    quantity = QuantityText(required=True, metadata=QUANTITY_DOC)
    unit = ma.fields.String(allow_none=True, load_default=None, metadata=UNIT_DOC)
    ready_from = ma.fields.Date(required=True)
    ready_to = ma.fields.Date(required=True)
    spoil_by = ma.fields.Date(required=True)
    village_id = ma.fields.Integer(allow_none=True, load_default=None,
                                   metadata={"description": "defaults to the household's village"})
    group_id = ma.fields.Integer(allow_none=True, load_default=None,
                                 metadata={"description": "defaults to the household's group"})
    location_note = ma.fields.String(load_default="", validate=ma.validate.Length(max=128))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class LotUpdateSchema(ma.Schema):
    """Only the fields sent are changed."""

    variety_id = ma.fields.Integer()
    grade_id = ma.fields.Integer()
    quantity = QuantityText(metadata=QUANTITY_DOC)
    unit = ma.fields.String(allow_none=True, metadata=UNIT_DOC)
    ready_from = ma.fields.Date()
    ready_to = ma.fields.Date()
    spoil_by = ma.fields.Date()
    village_id = ma.fields.Integer()
    group_id = ma.fields.Integer(allow_none=True)
    location_note = ma.fields.String(validate=ma.validate.Length(max=128))
    note = ma.fields.String(validate=ma.validate.Length(max=2000))


class WithdrawSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=2000))


class LotQuerySchema(PageArgsSchema):
    household_id = ma.fields.Integer()
    village_id = ma.fields.Integer()
    variety_id = ma.fields.Integer()
    grade_id = ma.fields.Integer()
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in LotStatus]))
    ready_on = ma.fields.Date(metadata={"description": "lots whose pick-up window includes this day"})


class PhotoUploadSchema(ma.Schema):
    photos = ma.fields.List(Upload(), required=True, validate=ma.validate.Length(min=1, max=3),
                            metadata={"description": "one to three JPEG, PNG or WebP photos, 5 MB each at most"})
