"""Who am I, and API tokens."""
from __future__ import annotations

from flask_login import current_user

from ..api import Blueprint, creates
from . import services
from .schemas import NewTokenSchema, TokenCreateSchema, UserSchema

URL_PREFIX = ""
blp = Blueprint("auth_api", __name__, description="The signed-in user and API tokens")


@blp.route("/me")
@blp.response(200, UserSchema)
def me():
    """The user behind this session or token."""
    return current_user


@blp.route("/tokens", methods=["POST"])
@creates
@blp.arguments(TokenCreateSchema)
@blp.response(201, NewTokenSchema)
def create_token(body):
    """Issue a bearer token for the current user. The token text is returned only here."""
    token, plain = services.issue_token(current_user, body["name"])
    return {**{k: getattr(token, k) for k in ("id", "name", "prefix", "created_at",
                                                "last_used_at", "revoked_at")}, "token": plain}
