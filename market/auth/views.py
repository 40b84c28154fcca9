"""Log in and out, switch language, manage one's password and API tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from models import db, utcnow

from ..errors import MarketError
from ..pages import refuse, submit
from ..extensions import limiter, login_address_key, login_failed, login_key
from . import services
from .forms import LoginForm, PasswordForm, TokenForm
from .loader import SESSION_VERSION_KEY

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=login_key, methods=["POST"], deduct_when=login_failed)
@limiter.limit(_address_limit, key_func=login_address_key, methods=["POST"], deduct_when=login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.phone.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.password.errors = list(form.password.errors) + [_("Wrong mobile number or password.")]
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            session[SESSION_VERSION_KEY] = user.session_version
            if user.locale:
                session["lang"] = user.locale
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Every copy of this session's cookie, and the user's other sessions, end here too.
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.pop("lang", None)
    session.pop(SESSION_VERSION_KEY, None)
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        services.set_locale(current_user, code)
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    password_form = PasswordForm(prefix="pw")
    token_form = TokenForm(prefix="tk")
    new_token = None
    status = 200
    if password_form.submit.data:
        outcome = submit(password_form, lambda: services.change_own_password(
                             current_user, password_form.current_password.data, password_form.new_password.data),
                         done=_("Password changed; your other sessions and your API tokens have ended."),
                         then=url_for("auth.account"),
                         rename=lambda name: name if name in password_form else "new_password")
        if outcome.response:
            session[SESSION_VERSION_KEY] = current_user.session_version  # this session stays; the others end
            return outcome.response
        status = outcome.status
    if token_form.submit.data and token_form.validate_on_submit():
        try:
            _token, new_token = services.issue_token(current_user, token_form.name.data,
                                                     days=int(token_form.days.data))
        except MarketError as exc:
            refuse(token_form, exc, rename=lambda name: name if name in token_form else "name")
            status = exc.status
        else:
            db.session.commit()  # the new token is shown once, on this page: no redirect
    tokens = services.tokens_of(current_user)
    return render_template("auth/account.html", password_form=password_form, token_form=token_form,
                           tokens=tokens, new_token=new_token, now=utcnow()), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    try:
        services.revoke_token(current_user, token_id)
    except MarketError:
        abort(404)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("auth.account"))
