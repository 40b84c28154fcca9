"""JSON API of weigh slips. Confirmed slips are never edited, so there is no PATCH or PUT:
a wrong slip is voided (``POST /slips/<id>/void``) and re-issued (``POST /slips/<id>/reissue``)."""
from __future__ import annotations

from flask_login import current_user

from models import RoleName, db

from ..api import Blueprint, creates, page_schema, paginate, roles_first
from ..auth.permissions import STAFF
from . import services
from .schemas import SlipCreateSchema, SlipListArgsSchema, SlipSchema, VoidSchema

URL_PREFIX = ""
blp = Blueprint("weighing_api", __name__, description="Weigh slips (过磅单): issue, void, re-issue")


@blp.route("/slips")
@roles_first(RoleName.VILLAGER, *STAFF)
@blp.arguments(SlipListArgsSchema, location="query")
@blp.response(200, page_schema(SlipSchema))
def list_slips(args):
    """Slips newest first; villagers see only their own household's."""
    statement = services.slips_query(current_user, day=args["day"], household_id=args["household_id"],
                                     contract_id=args["contract_id"], status=args["status"])
    return paginate(statement, args)


@blp.route("/slips", methods=["POST"])
@roles_first(*services.WEIGHERS)
@creates
@blp.arguments(SlipCreateSchema)
@blp.response(201, SlipSchema)
def create_slip(body):
    """Weigh a delivery and confirm its slip (coordinators and admins; the caller is the weigher)."""
    return services.issue_slip(current_user, **body)


@blp.route("/slips/<int:slip_id>")
@blp.response(200, SlipSchema)
def get_slip(slip_id):
    """One slip with its grade lines."""
    return services.get_slip(current_user, slip_id)


@blp.route("/slips/<int:slip_id>/void", methods=["POST"])
@roles_first(*services.WEIGHERS)
@blp.arguments(VoidSchema)
@blp.response(200, SlipSchema)
def void_slip(body, slip_id):
    """Void a confirmed slip, with the reason. It stays visible, marked void."""
    slip = services.get_slip(current_user, slip_id)
    services.void_slip(current_user, slip, body["reason"])
    db.session.commit()
    return slip


@blp.route("/slips/<int:slip_id>/reissue", methods=["POST"])
@roles_first(*services.WEIGHERS)
@creates
@blp.arguments(SlipCreateSchema)
@blp.response(201, SlipSchema)
def reissue_slip(body, slip_id):
    """Issue the corrected slip for a voided one; it points back with ``replaces_id``."""
    voided = services.get_slip(current_user, slip_id)
    return services.reissue_slip(current_user, voided, **body)
