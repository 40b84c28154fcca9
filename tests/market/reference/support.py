"""What the reference service tests share: valid ID numbers, counting rows, reading audit events."""
from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent, PayoutMethod, db

VALID_IDS = ("610402195803151234", "11010519491231002X", "610402196207082425")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(action: str) -> list[AuditEvent]:
    """Audit events of ``action`` written by someone (fixtures create their logins with no actor)."""
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.actor_id.is_not(None))
                              .order_by(AuditEvent.id)).all()


def household_fields(village, **overrides):
    fields = dict(head_name="王建国", village_id=village.id, id_number=VALID_IDS[1], phone="13700001111",
                  group_id=village.groups[0].id, payout_method=PayoutMethod.BANK, bank_name="陕西信合",
                  account_number="6230 2701 0001 2345 678")
    fields.update(overrides)
    return fields
