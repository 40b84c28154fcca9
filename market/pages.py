"""What pages share: the one shape of a form's handler (``submit``) and of a button's (``act``),
a role check, a service's refusal shown on a form, double submits, voiding from a list and the
link to a voucher in the books.

Every page that changes something goes the same way: the form parses, one service acts, then
either commit → flash → redirect, or roll back → the refusal's messages on the form's fields (the
rest above the form) → the form again with the refusal's status (422 for a rule not met). A
refusal of who the user is or of what does not exist is not shown on the form: it stays the 403
or 404 page.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Collection, Mapping

from flask import current_app, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from models import RoleName, Voucher, db

from .errors import MarketError, NotFound, PermissionDenied
from .forms import place_errors

PAGE_SIZE = 30

#: a text or a URL, given as it is or made from what the service returned
Said = str | Callable[[Any], str]


@dataclass
class Outcome:
    """What a form's submission came to. ``response`` is the redirect when the service did it;
    otherwise the form is shown again with ``status``: 200 before it is sent, 422 when it does not
    validate, the refusal's own status (``refusal``) when the service refused."""
    response: Any = None
    status: int = 200
    refusal: MarketError | None = None


def _said(what: Said | None, value: Any) -> str | None:
    return what(value) if callable(what) else what


def _flash_done(done: Said | None, value: Any) -> None:
    """``done`` says what was done; made from the value it may also name its kind, ``(text, "info")``."""
    said = _said(done, value)
    if said is None:
        return
    text, kind = said if isinstance(said, tuple) else (said, "success")
    flash(text, kind)


def refusal_text(exc: MarketError) -> str:
    """A refusal in one line, for a flash: its field messages, or its message when it names none."""
    return " ".join(sum(exc.field_texts().values(), [])) or exc.text()


def refuse(form, exc: MarketError, *, rename: Mapping[str, str | None] | Callable[[str], str] | None = None,
           only: Collection[str] | None = None) -> None:
    """Undo the refused change and put its messages on the fields they name (``rename`` maps a
    service's name to the form's, ``only`` limits the fields that take one); the rest go above the
    form (``form.form_errors``). Who may not, or what is not there, stays the 403 or 404 page."""
    db.session.rollback()
    if isinstance(exc, (PermissionDenied, NotFound)):
        raise exc
    form.form_errors.extend(place_errors(form, exc, rename, only=only))


def submit(form, action: Callable[[], Any], *, done: Said | None, then: Said,
           rename: Mapping[str, str | None] | Callable[[str], str] | None = None,
           only: Collection[str] | None = None) -> Outcome:
    """A form's handler: when ``form`` validates, ``action()`` (one service call) → commit → flash
    ``done`` → redirect to ``then`` (either may be made from what ``action`` returned); a refusal is
    rolled back and shown on the form (``refuse``)."""
    if not form.validate_on_submit():
        return Outcome(status=422 if form.is_submitted() else 200)
    try:
        value = action()
    except MarketError as exc:
        refuse(form, exc, rename=rename, only=only)
        return Outcome(status=exc.status, refusal=exc)
    db.session.commit()
    _flash_done(done, value)
    return Outcome(response=redirect(_said(then, value)))


def act(action: Callable[[], Any], *, done: Said | None, then: Said, back: str | None = None):
    """A button's handler (nothing to show again): ``action()`` → commit → flash ``done`` → redirect
    to ``then``; a refusal is rolled back, flashed, and goes to ``back`` (by default ``then``). Who
    may not, or what is not there, stays the 403 or 404 page, as with a form."""
    try:
        value = action()
    except MarketError as exc:
        db.session.rollback()
        if isinstance(exc, (PermissionDenied, NotFound)):
            raise
        flash(refusal_text(exc), "error")
        return redirect(back if back is not None else _said(then, None))
    db.session.commit()
    _flash_done(done, value)
    return redirect(_said(then, value))


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
