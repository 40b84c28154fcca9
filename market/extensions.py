"""Extension objects, unbound until ``create_app`` calls ``init_app``."""
from __future__ import annotations

import math
import time

from flask import request
from flask_babel import Babel, gettext
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
    """Failed sign-ins are counted per account first, so one person's typos lock out nobody else."""
    phone = (request.form.get("phone") or "").strip()[:20]
    return f"login:{phone}" if phone else f"login-ip:{get_remote_address()}"


def login_address_key() -> str:
    """…and per client address (the proxy's X-Forwarded-For once ``PROXY_FIX_X_FOR`` trusts it)."""
    return f"login-ip:{get_remote_address()}"


def login_failed(response) -> bool:
    """A sign-in that did not redirect onward failed (a success is a 302 and is never counted)."""
    return response.status_code != 302


def too_many_attempts_message() -> str:
    """How long the person must really wait, read from the limit that was breached."""
    breached = limiter.current_limit
    if breached is None:
        return gettext("Too many attempts. Wait a minute and try again.")
    # reset_at is rounded up to the next whole second
    minutes = max(1, math.ceil((breached.reset_at - 1 - time.time()) / 60))
    if minutes == 1:
        return gettext("Too many attempts. Wait a minute and try again.")
    return gettext("Too many attempts. Try again in %(minutes)d minutes.", minutes=minutes)
