"""Documents recorded under an idempotency key (payments, input credits, deposit closures,
adjustments): the key checked, the request's body hashed, a retry answered with the original and
the key reused with another body refused — also when two requests race for the same key."""
from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import db

from .errors import IdempotencyConflict, MarketError, ValidationFailed

T = TypeVar("T")
KEY_LENGTH = 128


def checked_key(key: str | None, message: Any) -> str:
    """The key stripped; ``message`` (on ``idempotency_key``) when it is missing or too long."""
    key = (key or "").strip()
    if not key or len(key) > KEY_LENGTH:
        raise ValidationFailed(message, field="idempotency_key")
    return key


def body_hash(body: dict[str, Any]) -> str:
    """SHA-256 of the request's canonical JSON (keys sorted, text as written)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def replay(model: type[T], key: str, digest: str) -> T | None:
    """The record ``key`` already made, or ``None``.

    :raises IdempotencyConflict: the key made a record of another body.
    """
    existing = db.session.scalar(select(model).where(model.idempotency_key == key))
    if existing is not None and existing.body_hash != digest:
        raise IdempotencyConflict()
    return existing


def insert_once(record: T, *, taken: MarketError | None = None) -> T:
    """Insert ``record``; if another request took its key between our look and our write, return what
    that request made (or refuse another body). ``taken`` is raised when the insert breaks another
    unique rule instead (e.g. a deposit already closed)."""
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(select(type(record)).where(
            type(record).idempotency_key == record.idempotency_key))
        if existing is None:
            if taken is not None:
                raise taken from None
            raise
        if existing.body_hash != record.body_hash:
            raise IdempotencyConflict() from None
        return existing
    return record
