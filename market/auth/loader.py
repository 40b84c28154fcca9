"""Flask-Login: sessions for people, bearer tokens for machines."""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from models import User, db

from ..extensions import login_manager
from . import services


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.is_active else None

    @login_manager.request_loader
    def load_from_token(req) -> User | None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        user = services.user_for_token(header[7:].strip())
        if user is not None:
            g.auth_via_token = True
        return user
