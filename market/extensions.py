"""Extension objects, unbound until ``create_app`` calls ``init_app``."""
from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from models import db  # noqa: F401  (re-exported: the one SQLAlchemy object)

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="fixed-window")


def login_key() -> str:
    """Throttle by the account being tried as well as by address."""
    phone = (request.form.get("phone") or "").strip()
    return f"login:{phone}" if phone else f"login-ip:{get_remote_address()}"
