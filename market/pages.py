"""What the pages of the money features (settlements, payments, input credits, deposits) share:
a role check, a service's refusal shown on a form, double submits, voiding from a list and the
link to a voucher in the books."""
from __future__ import annotations

from decimal import Decimal

from flask import current_app, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from models import RoleName, Voucher, db

from .errors import MarketError, PermissionDenied
from .forms import place_errors

PAGE_SIZE = 30


def voucher_url(voucher: Voucher) -> str | None:
    """The voucher's page in the books, when the books' pages are installed."""
    if "books.voucher" not in current_app.view_functions:
        return None
    for rule in current_app.url_map.iter_rules("books.voucher"):
        if len(rule.arguments) == 1:
            return url_for("books.voucher", **{next(iter(rule.arguments)): voucher.id})
    return None


def require(*roles: RoleName) -> None:
    if not current_user.has_role(*roles):
        raise PermissionDenied()


def visible(form) -> list[str]:
    """The fields a service's message may be shown on (not the hidden ones)."""
    return [name for name, f in form._fields.items() if f.type not in ("HiddenField", "CSRFTokenField")]


def form_errors(form, exc: MarketError) -> list[str]:
    """Undo the refused change and put its messages on the form's visible fields; return the rest."""
    db.session.rollback()
    return place_errors(form, exc, only=visible(form))


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def already_used(key: str | None, model) -> bool:
    """A double submit: the key of this form has been used already (the service returns the original)."""
    return bool(key) and db.session.scalar(select(model.id).where(model.idempotency_key == key)) is not None


def void_from_list(form, void, done, back: str):
    """Void a record from its list's form: the reason is given to ``void``; the list then says what
    happened (or why not)."""
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    try:
        void(form.reason.data)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(done(), "success")
    return redirect(back)
