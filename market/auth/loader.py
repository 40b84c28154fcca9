"""Flask-Login: sessions for people, bearer tokens for machines."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from models import User, db

from ..extensions import login_manager
from . import services


#: the key in the session cookie holding the user's session version at sign-in
SESSION_VERSION_KEY = "sv"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # the user and their roles in one statement: every signed-in page asks it first
        user = (db.session.get(User, int(user_id), options=[joinedload(User.roles)])
                if user_id.isdigit() and len(user_id) < 12 else None)
        if user is None or not user.is_active:
            return None
        if session.get(SESSION_VERSION_KEY) != user.session_version:
            return None  # opened before a logout, a new password, a change of roles or a disabling
        return user

    @app.teardown_request
    def record_token_use(_error) -> None:
        services.record_token_use()

    @login_manager.request_loader
    def load_from_token(req) -> User | None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        user = services.user_for_token(header[7:].strip())
        if user is not None:
            g.auth_via_token = True
        return user
