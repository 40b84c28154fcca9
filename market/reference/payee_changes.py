"""Where a household's money goes, under four eyes (收款账户变更双人审核).

A change of a household's payout method, bank or account number is never applied by whoever
makes it: :func:`request_change` records it beside the old values, and it takes effect when an
accountant other than the requester approves it (:func:`approve`); until then every payout and
every bank file goes to the old account. A new request replaces one still waiting. Each step is
audited, with the account numbers masked. ``households.payee_changed_at`` records when the last
approved change took effect: payouts within ``PAYEE_CHANGE_FLAG_DAYS`` of it are flagged where the
accountant pays.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from models import Household, PayeeChange, PayeeChangeStatus, RoleName, User, db, utcnow

from .. import audit, privacy
from ..auth.permissions import require_role
from ..errors import Conflict, NotFound, ValidationFailed
from ..locking import lock_row

PAYEE_FIELDS = ("payout_method", "bank_name", "account_number")
#: who decides a request
APPROVERS = (RoleName.ACCOUNTANT,)
#: who reads the requests in full: the approvers, and admins
READERS = (RoleName.ACCOUNTANT, RoleName.ADMIN)


def _masked(change: PayeeChange) -> dict[str, Any]:
    return {"payout_method": change.payout_method.value, "bank_name": change.bank_name,
            "account_number": privacy.mask_account(change.account_number),
            "old_payout_method": change.old_payout_method.value, "old_bank_name": change.old_bank_name,
            "old_account_number": privacy.mask_account(change.old_account_number)}


def differs(household: Household, values: dict[str, Any]) -> bool:
    return any(name in values and values[name] != getattr(household, name) for name in PAYEE_FIELDS)


def pending_for(household_id: int) -> PayeeChange | None:
    return db.session.scalar(select(PayeeChange).where(PayeeChange.household_id == household_id,
                                                       PayeeChange.status == PayeeChangeStatus.PENDING))


def pending_for_many(household_ids) -> dict[int, PayeeChange]:
    """The change waiting for each of these households that has one, in one query (a page of them)."""
    ids = list(household_ids)
    if not ids:
        return {}
    return {change.household_id: change for change in db.session.scalars(select(PayeeChange).where(
        PayeeChange.household_id.in_(ids), PayeeChange.status == PayeeChangeStatus.PENDING))}


def request_change(actor: User, household: Household, values: dict[str, Any]) -> PayeeChange:
    """Ask for the household's payout fields in ``values`` (already checked by the household's
    own rules) to change; a request still waiting is superseded."""
    lock_row(household)
    waiting = pending_for(household.id)
    if waiting is not None:
        waiting.status = PayeeChangeStatus.SUPERSEDED
        waiting.decided_at = utcnow()
        db.session.flush()
        audit.record(actor, "payee_change.supersede", waiting, on_behalf_of_household_id=household.id)
    change = PayeeChange(
        household_id=household.id, status=PayeeChangeStatus.PENDING,
        payout_method=values.get("payout_method", household.payout_method),
        bank_name=values.get("bank_name", household.bank_name) or "",
        account_number=values.get("account_number", household.account_number) or "",
        old_payout_method=household.payout_method, old_bank_name=household.bank_name or "",
        old_account_number=household.account_number or "", requested_by_id=actor.id, reason="")
    db.session.add(change)
    db.session.flush()
    audit.record(actor, "payee_change.request", change, after=_masked(change), on_behalf_of_household_id=household.id)
    return change


def _decidable(actor: User, change_id: int) -> PayeeChange:
    require_role(actor, *APPROVERS)
    change = db.session.get(PayeeChange, change_id)
    if change is None:
        raise NotFound()
    lock_row(change)
    if change.status is not PayeeChangeStatus.PENDING:
        raise Conflict(_l("This change was already decided."))
    return change


def approve(actor: User, change_id: int) -> PayeeChange:
    """An accountant who did not ask for it applies the change to the household."""
    change = _decidable(actor, change_id)
    if change.requested_by_id == actor.id:
        raise Conflict(_l("You asked for this change: another accountant must approve it (双人复核)."))
    household = lock_row(change.household)
    before = {name: getattr(household, name) for name in PAYEE_FIELDS}
    if before != {"payout_method": change.old_payout_method, "bank_name": change.old_bank_name,
                  "account_number": change.old_account_number}:
        raise Conflict(_l("The household's account changed since this request was made: ask again."))
    household.payout_method, household.bank_name = change.payout_method, change.bank_name
    household.account_number = change.account_number
    household.payee_changed_at = change.decided_at = utcnow()
    change.status, change.decided_by_id = PayeeChangeStatus.APPROVED, actor.id
    db.session.flush()
    audit.record(actor, "payee_change.approve", change, after=_masked(change), on_behalf_of_household_id=household.id)
    return change


def reject(actor: User, change_id: int, reason: str) -> PayeeChange:
    """An accountant turns the request down, saying why; the household keeps its account."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the change is turned down."), field="reason")
    change = _decidable(actor, change_id)
    change.status, change.decided_by_id, change.decided_at = PayeeChangeStatus.REJECTED, actor.id, utcnow()
    change.reason = reason[:2000]
    if change.decided_by_id == change.requested_by_id:  # withdrawing one's own request is no second pair of eyes
        change.decided_by_id = None
    db.session.flush()
    audit.record(actor, "payee_change.reject", change, reason=reason, on_behalf_of_household_id=change.household_id)
    return change


def changes_query(actor: User, status: str | None = None) -> Select:
    require_role(actor, *READERS)
    statement = select(PayeeChange).order_by(PayeeChange.requested_at.desc(), PayeeChange.id.desc())
    if status:
        statement = statement.where(PayeeChange.status == PayeeChangeStatus(status))
    return statement


def record_reading(actor: User, change_ids: list[int]) -> None:
    """Full account numbers were shown: the audit log says to whom and which requests."""
    if change_ids:
        audit.record(actor, "payee_change.view", entity_type="payee_changes", after={"ids": change_ids})


def flag_days() -> int:
    return int(current_app.config.get("PAYEE_CHANGE_FLAG_DAYS", 30))


def changed_recently(household: Household, now: datetime | None = None) -> bool:
    """The household's account took effect within the flag window: check before paying."""
    if household.payee_changed_at is None:
        return False
    return (now or utcnow()) - household.payee_changed_at <= timedelta(days=flag_days())
