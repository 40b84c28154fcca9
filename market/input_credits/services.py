"""农资赊销: farm inputs (fertiliser, bags, pesticide …) supplied to a household on credit.

The company pays the supplier and the household owes the company: recording a credit prepares
its voucher for review (Dr 1221 其他应收款, the household / Cr 1002 银行存款). The household's next
settlements recover it, after its contract advances, never below zero; what does not fit is
carried over to the settlement after (``splits``). What is still to recover is what was supplied
less what settlements — drafts included, so two settlements never recover the same 元 — took back.
Every credit carries an idempotency key: the same key and body returns the original credit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from models import SETTLEMENT_COUNTING as COUNTING
from models import (Household, InputCredit, PartyType, RoleName, Settlement, SettlementHousehold, SettlementStatus, User,
                    VoucherSource, db, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound, ValidationFailed
from ..idempotency import body_hash, checked_key, insert_once, replay
from ..ledger import services as ledger
from ..ledger.services import LineInput
from ..locking import lock_row
from ..numbering import next_number
from ..units import Money, UnitError, parse_money

#: who records input credit: the coordinators who hand out the supplies, and the accountants
RECORDERS = (RoleName.COORDINATOR, RoleName.ACCOUNTANT)
READERS = (RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN)
#: who voids an input credit recorded in error
ACCOUNTANTS = (RoleName.ACCOUNTANT,)
MAX_CREDIT = Decimal(1_000_000)
ITEM_LENGTH = 128
NOTE_LENGTH = 2000
#: the debit: the household owes it back (其他应收款, by household)
RECEIVABLE_ACCOUNT = "1221"
#: the credit: the company paid the supplier from the bank
BANK_ACCOUNT = "1002"


@dataclass(frozen=True)
class _Checked:
    item: str
    amount: Decimal
    issued_on: date
    note: str


def _check(item: Any, amount: Any, issued_on: Any, note: Any) -> _Checked:
    errors = FieldErrors()
    text = " ".join(str(item or "").split())
    if not text:
        errors.add("item", _l("Say what was supplied, e.g. 复合肥 40袋."))
    elif len(text) > ITEM_LENGTH:
        errors.add("item", _l("Keep what was supplied to 128 characters."))
    value = Decimal(0)
    try:
        money = parse_money(amount) if isinstance(amount, str) else Money(amount)
        value = money.yuan
        if money.fen <= 0:
            errors.add("amount", _l("Enter an amount above zero."))
        elif value > MAX_CREDIT:
            errors.add("amount", _l("That amount is too large."))
    except (UnitError, ValueError, TypeError):
        errors.add("amount", _l("Enter an amount in yuan, e.g. 500.00."))
    day = local_today()
    if isinstance(issued_on, date):
        day = issued_on
    elif issued_on not in (None, ""):
        try:
            day = date.fromisoformat(str(issued_on).strip())
        except ValueError:
            errors.add("issued_on", _l("Enter a date as YYYY-MM-DD."))
    if day > local_today():
        errors.add("issued_on", _l("The date supplied cannot be in the future."))
    remark = str(note or "").strip()
    if len(remark) > NOTE_LENGTH:
        errors.add("note", _l("Keep the note to 2000 characters."))
    errors.raise_if_any()
    return _Checked(text, value, day, remark)


def _digest(household_id: int, checked: _Checked) -> str:
    body = {"household": household_id, "item": checked.item, "amount": str(checked.amount),
            "issued_on": checked.issued_on.isoformat(), "note": checked.note}
    return body_hash(body)


def _key(key: str | None) -> str:
    return checked_key(key, _l("Each input credit needs an idempotency key of at most 128 characters."))


def _replay(key: str, digest: str) -> InputCredit | None:
    return replay(InputCredit, key, digest)


def record_input_credit(actor: User, household: Household, *, item: Any, amount: Any, issued_on: Any = None,
                        note: Any = "", idempotency_key: str) -> InputCredit:
    """赊销农资: record supplies handed to ``household`` on credit and prepare its voucher for review.

    :raises ValidationFailed: no item, a bad amount or date, a date in the future (nothing is written).
    :raises IdempotencyConflict: the key was used for another input credit.
    :raises Conflict: the date falls in a closed period.
    """
    require_role(actor, *RECORDERS)
    key = _key(idempotency_key)
    checked = _check(item, amount, issued_on, note)
    digest = _digest(household.id, checked)
    existing = _replay(key, digest)
    if existing is not None:
        return existing
    credit = InputCredit(household_id=household.id, number=next_number(InputCredit.number,
                                                                        f"NZ{checked.issued_on.year}-"),
                         issued_on=checked.issued_on, item=checked.item, amount=checked.amount, note=checked.note,
                         idempotency_key=key, body_hash=digest, recorded_by_id=actor.id)
    saved = insert_once(credit)  # another request may take the key between our look and our write
    if saved is not credit:
        return saved
    credit.voucher = ledger.prepare_voucher(
        actor, voucher_date=checked.issued_on,
        summary=f"赊销农资给{household.head_name}：{checked.item}（{credit.number}）",
        lines=[LineInput(RECEIVABLE_ACCOUNT, debit=checked.amount, party_type=PartyType.HOUSEHOLD,
                         party_id=household.id, memo=household.head_name),
               LineInput(BANK_ACCOUNT, credit=checked.amount, memo=checked.item)],
        idempotency_key=f"input-credit:{key}", source=VoucherSource.INPUT_CREDIT, source_id=credit.id,
        attachments=1, system=True)
    db.session.flush()
    audit.record(actor, "input_credit.record", credit,
                 after=audit.snapshot(credit, ("number", "household_id", "issued_on", "item", "amount", "note")))
    return credit


# --- what is still to recover -----------------------------------------------------------------------

def outstanding_input_credit(household_id: int, *, excluding: int | None = None,
                             counting: tuple[SettlementStatus, ...] | None = None) -> int:
    """Fen of input credit supplied to a household and not yet recovered by a settlement (drafts
    count as recovering, so two settlements never take the same 元; ``excluding`` is the settlement
    being computed again)."""
    return outstanding_input_credits([household_id], excluding=excluding, counting=counting)[household_id]


def outstanding_input_credits(household_ids: Iterable[int], *, excluding: int | None = None,
                              counting: tuple[SettlementStatus, ...] | None = None) -> dict[int, int]:
    """:func:`outstanding_input_credit` of many households at once (two queries), by household."""
    ids = list(household_ids)
    if not ids:
        return {}
    supplied = dict(db.session.execute(select(InputCredit.household_id, func.sum(InputCredit.amount))
                                       .where(InputCredit.household_id.in_(ids), InputCredit.voided_at.is_(None))
                                       .group_by(InputCredit.household_id)).all())
    recovered = (select(SettlementHousehold.household_id, func.sum(SettlementHousehold.recovered_input_credit))
                 .join(Settlement).where(SettlementHousehold.household_id.in_(ids),
                                         Settlement.status.in_(counting or COUNTING))
                 .group_by(SettlementHousehold.household_id))
    if excluding is not None:
        recovered = recovered.where(Settlement.id != excluding)
    taken = dict(db.session.execute(recovered).all())
    return {h: Money(Decimal(supplied.get(h) or 0)).fen - Money(Decimal(taken.get(h) or 0)).fen for h in ids}


@dataclass
class Balance:
    """One household's input credit: supplied, recovered by settlements, still to recover."""

    household: Household
    supplied: Decimal = Decimal("0.00")
    recovered: Decimal = Decimal("0.00")
    count: int = 0

    @property
    def outstanding(self) -> Decimal:
        return self.supplied - self.recovered


def balances(household_ids: Iterable[int] | None = None) -> list[Balance]:
    """Every household that was given input credit (or the ones named), the most outstanding first."""
    supplied = (select(InputCredit.household_id, func.sum(InputCredit.amount), func.count())
                .where(InputCredit.voided_at.is_(None)).group_by(InputCredit.household_id))
    if household_ids is not None:
        supplied = supplied.where(InputCredit.household_id.in_(list(household_ids)))
    rows = {household_id: (Decimal(total), count) for household_id, total, count in db.session.execute(supplied)}
    if not rows:
        return []
    recovered = dict(db.session.execute(
        select(SettlementHousehold.household_id, func.sum(SettlementHousehold.recovered_input_credit)).join(Settlement)
        .where(SettlementHousehold.household_id.in_(list(rows)), Settlement.status.in_(COUNTING))
        .group_by(SettlementHousehold.household_id)).all())
    households = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(list(rows))))}
    result = [Balance(households[household_id], supplied=Money(total).yuan,
                      recovered=Money(Decimal(recovered.get(household_id) or 0)).yuan, count=count)
              for household_id, (total, count) in rows.items()]
    return sorted(result, key=lambda b: (-b.outstanding, b.household.id))


# --- voiding ------------------------------------------------------------------------------------------

def void_input_credit(actor: User, credit: InputCredit, reason: str) -> InputCredit:
    """作废: an input credit recorded in error is undone, never deleted. Its voucher is rejected if it
    still waits for review, or reversed (红字, for review) if it was posted.

    :raises ValidationFailed: no reason.
    :raises Conflict: already void; or settlements already take back more of the household's input
        credit than would remain (discard the draft that does and prepare it again after voiding; a
        posted settlement's recovery is paid back to the household by a manual voucher).
    """
    require_role(actor, *ACCOUNTANTS)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationFailed(_l("Say why the input credit is void."), field="reason")
    lock_row(credit.household)  # settlements read what is still to recover under this lock
    lock_row(credit)
    if credit.voided_at is not None:
        raise Conflict(_l("This input credit is already void."))
    if outstanding_input_credit(credit.household_id) < Money(credit.amount).fen:
        numbers = db.session.scalars(
            select(Settlement.number).join(SettlementHousehold)
            .where(SettlementHousehold.household_id == credit.household_id,
                   SettlementHousehold.recovered_input_credit > 0, Settlement.status.in_(COUNTING))
            .order_by(Settlement.id)).all()
        raise Conflict(_l("Settlements %(numbers)s already take back this household's input credit. Discard a draft "
                          "that does and prepare it again after voiding; what a posted settlement took back is paid "
                          "to the household by a manual voucher.", numbers="、".join(numbers)))
    before = audit.snapshot(credit, ("number", "household_id", "issued_on", "item", "amount", "note"))
    ledger.withdraw(actor, credit.voucher, what="赊销农资", number=credit.number, reason=reason)
    credit.voided_at, credit.voided_by_id, credit.void_reason = utcnow(), actor.id, reason
    db.session.flush()
    audit.record(actor, "input_credit.void", credit, before=before, reason=reason)
    return credit


# --- reading ------------------------------------------------------------------------------------------

def listing(actor: User, household_id: int | None = None) -> Select:
    require_role(actor, *READERS)
    statement = select(InputCredit).order_by(InputCredit.issued_on.desc(), InputCredit.id.desc())
    if household_id is not None:
        statement = statement.where(InputCredit.household_id == household_id)
    return statement


def get(actor: User, credit_id: int) -> InputCredit:
    require_role(actor, *READERS)
    credit = db.session.get(InputCredit, credit_id)
    if credit is None:
        raise NotFound(_l("This input credit does not exist."))
    return credit
