"""JSON API of 交售登记 under ``/api/v1/lots``. Villagers see and change only their own lots."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from models import RoleName, db

from ..api import Blueprint, creates, page_schema, paginate, roles_first
from ..auth.permissions import STAFF
from . import services
from .schemas import (LotCreateSchema, LotQuerySchema, LotSchema, LotUpdateSchema, PhotoSchema,
                      PhotoUploadSchema, WithdrawSchema)
from .views import send_photo

URL_PREFIX = ""
blp = Blueprint("produce_api", __name__, description="交售登记: produce lots households offer for sale")


@blp.route("/lots")
@roles_first(RoleName.VILLAGER, *STAFF)
@blp.arguments(LotQuerySchema, location="query")
@blp.response(200, page_schema(LotSchema))
def list_lots(args):
    """Lots, newest first. Villagers get their own household's only."""
    filters = {k: args.get(k) for k in ("household_id", "village_id", "variety_id", "grade_id",
                                         "status", "ready_on")}
    return paginate(services.lots_query(current_user, **filters), args)


@blp.route("/lots", methods=["POST"])
@roles_first(RoleName.VILLAGER, *services.ENTER_FOR_OTHERS)
@creates
@blp.arguments(LotCreateSchema)
@blp.response(201, LotSchema)
def create_lot(body):
    """Register a lot. Staff name the household (proxy entry, audited as such)."""
    return services.register_lot(current_user, **body)


@blp.route("/lots/<int:lot_id>")
@blp.response(200, LotSchema)
def get_lot(lot_id: int):
    return services.get_lot(current_user, lot_id)


@blp.route("/lots/<int:lot_id>", methods=["PATCH"])
@roles_first(RoleName.VILLAGER, *services.ENTER_FOR_OTHERS)
@blp.arguments(LotUpdateSchema)
@blp.response(200, LotSchema)
def update_lot(body, lot_id: int):
    """Change a lot that still waits for a buyer; after allocation it is locked (409)."""
    lot = services.update_lot(current_user, lot_id, **body)
    db.session.commit()
    return lot


@blp.route("/lots/<int:lot_id>/withdraw", methods=["POST"])
@roles_first(RoleName.VILLAGER, *services.ENTER_FOR_OTHERS)
@blp.arguments(WithdrawSchema)
@blp.response(200, LotSchema)
def withdraw_lot(body, lot_id: int):
    """Take a listed lot off the market (409 once it is allocated)."""
    lot = services.withdraw_lot(current_user, lot_id, reason=body.get("reason"))
    db.session.commit()
    return lot


@blp.route("/lots/<int:lot_id>/photos", methods=["POST"])
@roles_first(RoleName.VILLAGER, *services.ENTER_FOR_OTHERS)
@creates
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoSchema(many=True))
def upload_photos(files, lot_id: int):
    """Attach photos (multipart field ``photos``); checked by content, at most three per lot."""
    uploads = [f for f in request.files.getlist("photos") if f and f.filename is not None]
    return services.add_photos(current_user, lot_id, uploads)


@blp.route("/lots/<int:lot_id>/photos/<int:photo_id>")
@blp.doc(responses={"200": {"description": "the image",
                            "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
def download_photo(lot_id: int, photo_id: int):
    """The photo's bytes, to the owner household and staff only."""
    return send_photo(services.get_photo(current_user, lot_id, photo_id))


@blp.route("/lots/<int:lot_id>/photos/<int:photo_id>", methods=["DELETE"])
@roles_first(RoleName.VILLAGER, *services.ENTER_FOR_OTHERS)
@blp.response(204)
def delete_photo(lot_id: int, photo_id: int):
    services.remove_photo(current_user, lot_id, photo_id)
    db.session.commit()
