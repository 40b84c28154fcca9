"""What every reference module shares: who may read, the ``KEEP`` marker of an update
argument not given, look-ups by id, text cleaning and a flush that turns a unique key taken
meanwhile into a :class:`~market.errors.Conflict`.

Reference data (villages and their party organisation, households, the catalogue, logins) lives
in one module per aggregate beside this one. Every function there takes the acting user first and
checks what that user may do. Admins write everything; coordinators register and edit households
(for villagers without a phone) and read the rest. Every create and update is audited with the
state before and after.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from models import RoleName, User, db

from ..auth.permissions import require_role
from ..errors import Conflict, FieldErrors as Errors, NotFound, PermissionDenied, ValidationFailed

STAFF = (RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN)


class _Keep:
    """Marks an update argument that was not given: the value stays as it is."""

    def __repr__(self) -> str:
        return "KEEP"

    def __bool__(self) -> bool:
        return False


KEEP: Any = _Keep()


def is_given(value: Any) -> bool:
    return not isinstance(value, _Keep)


def require_admin(actor: User | None) -> User:
    return require_role(actor, RoleName.ADMIN)


def require_staff(actor: User | None) -> User:
    """Villages, party organisation and the user-facing reference pages: staff only."""
    return require_role(actor, *STAFF)


def require_signed_in(actor: User | None) -> User:
    """The catalogue (products, varieties, grades) is no secret to anyone signed in."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    return actor


def fetch(model: type, object_id: Any) -> Any:
    obj = db.session.get(model, object_id) if isinstance(object_id, int) else None
    if obj is None:
        raise NotFound()
    return obj


def referenced(model: type, object_id: Any, field: str, message: Any) -> Any:
    """A row named by an input field; an unknown id is a mistake in that field, not a 404."""
    if object_id is None or object_id == "":
        return None
    try:
        obj = db.session.get(model, int(object_id))
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise ValidationFailed(message, field=field)
    return obj


def flush_unique(conflict: Any, field: str, new: Any = None) -> None:
    """Flush (adding ``new``); a unique key taken meanwhile by someone else is a Conflict.

    The checks before this give the usual answer; this covers two people saving the same
    name or code at the same moment. Like after any refusal, the caller rolls back.
    """
    try:
        if new is not None:
            db.session.add(new)
        db.session.flush()
    except IntegrityError:
        raise Conflict(conflict, field=field) from None


def clean_text(value: Any, limit: int = 64) -> str:
    return re.sub(r"\s+", " ", str(value if value is not None else "")).strip()[:limit]


def required_text(value: Any, field: str, message: Any, errors: Errors, limit: int = 64) -> str:
    text = clean_text(value, 10_000)
    if not text:
        errors.add(field, message)
    elif len(text) > limit:
        errors.add(field, _l("At most %(n)d characters.") % {"n": limit})
    return text[:limit]
