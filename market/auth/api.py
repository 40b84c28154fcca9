"""Who am I, and API tokens."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from models import db

from ..api import Blueprint, creates
from . import services
from .schemas import NewTokenSchema, TokenCreateSchema, TokenSchema, UserSchema

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
    """Issue a bearer token for the current user, valid for ``days`` (90 unless given, at most 365).
    The token text is returned only here. Only a signed-in person can issue one: a request signed
    with a token is refused (403)."""
    token, plain = services.issue_token(current_user, body["name"], days=body.get("days"),
                                        via_token=bool(g.get("auth_via_token")))
    return {**{name: getattr(token, name) for name in TokenSchema().fields}, "token": plain}


@blp.route("/tokens")
@blp.response(200, TokenSchema(many=True))
def list_tokens():
    """The current user's tokens, newest first, with when each was last used and when it expires."""
    return services.tokens_of(current_user)


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
def revoke_token(token_id):
    """Revoke one of the current user's tokens (an admin may revoke anyone's). It stops working at once."""
    services.revoke_token(current_user, token_id)
    db.session.commit()
    return ""
