"""The audit log: every state change that matters, with who, when, before and after."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from flask import has_request_context, request

from models import AuditEvent, User, db


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``obj`` as JSON-ready values, for before/after."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def record(actor: User | None, action: str, entity: Any = None, *, entity_type: str | None = None,
           entity_id: int | None = None, before: dict | None = None, after: dict | None = None,
           reason: str | None = None, on_behalf_of_household_id: int | None = None) -> AuditEvent:
    """Add one audit event to the session (the caller's transaction commits it)."""
    if entity is not None:
        entity_type = entity_type or getattr(entity, "__tablename__", type(entity).__name__)
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity_type=entity_type or "",
        entity_id=entity_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        reason=reason,
        on_behalf_of_household_id=on_behalf_of_household_id,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
