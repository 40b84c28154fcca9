"""Log in and out, switch language, manage one's password and API tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from models import ApiToken, db

from ..errors import MarketError
from ..extensions import limiter, login_key
from . import services
from .forms import LoginForm, PasswordForm, TokenForm

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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=login_key, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"])
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
            if user.locale:
                session["lang"] = user.locale
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.pop("lang", None)
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
    if password_form.submit.data and password_form.validate_on_submit():
        try:
            services.change_own_password(current_user, password_form.current_password.data,
                                         password_form.new_password.data)
        except MarketError as exc:
            db.session.rollback()
            for field, messages in exc.field_texts().items():
                getattr(password_form, field, password_form.new_password).errors = messages
        else:
            db.session.commit()
            flash(_("Password changed."), "success")
            return redirect(url_for("auth.account"))
    if token_form.submit.data and token_form.validate_on_submit():
        _token, new_token = services.issue_token(current_user, token_form.name.data)
        db.session.commit()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("auth/account.html", password_form=password_form, token_form=token_form,
                           tokens=tokens, new_token=new_token)


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
