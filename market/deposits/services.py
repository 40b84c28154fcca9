"""定金: what becomes of the deposits paid on a contract.

A deposit paid to a household sits in 1123 预付账款 under the household until the contract ends
(民法典 第五百八十七条):

- the contract is **fulfilled**: the deposit is set off against the price (抵作价款) by the
  household's next settlement, like an advance (``settlements.computing.outstanding_advances``);
- the contract is **terminated**: the accountant records how the deposit ends, once per contract —
  ``returned`` (解除合同, the household pays it back: Dr cash / Cr 1123), ``forfeited`` (the company
  broke the contract and loses it: Dr 5711 营业外支出 / Cr 1123) or ``doubled`` (the household broke
  the contract and pays back twice the deposit: Dr cash 2× / Cr 1123 / Cr 5301 营业外收入).

Every closure prepares its voucher for review and carries an idempotency key: the same key and
body returns the original closure, another body with that key is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from models import (ContractPrepayment, ContractStatus, DepositClosure, DepositOutcome, PartyType, Payment,
                    PayoutMethod, PrepaymentKind, PurchaseContract, RoleName, User, VoucherSource, db, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound, ValidationFailed
from ..idempotency import body_hash, checked_key, insert_once, replay
from ..ledger import services as ledger
from ..ledger.services import LineInput
from ..locking import lock_row
from ..numbering import next_number
from ..payments.services import CASH_ACCOUNT

ACCOUNTANTS = (RoleName.ACCOUNTANT,)
#: the deposits' page and API are the accountants' (everyone who reads a contract sees how its deposit ended)
READERS = ACCOUNTANTS
#: what the household pays back, in deposits
RECEIVED_TIMES = {DepositOutcome.RETURNED: 1, DepositOutcome.FORFEITED: 0, DepositOutcome.DOUBLED: 2}
ADVANCES_ACCOUNT = "1123"
#: the company loses the deposit (营业外支出) or gains the penalty (营业外收入)
LOSS_ACCOUNT = "5711"
GAIN_ACCOUNT = "5301"
REASON_LENGTH = 2000


@dataclass(frozen=True)
class ClosureInput:
    outcome: Any
    reason: Any
    closed_on: Any = None
    method: Any = None
    reference: str = ""
    signer: str = ""


@dataclass(frozen=True)
class _Checked:
    outcome: DepositOutcome
    reason: str
    closed_on: date
    method: Any
    reference: str
    signer: str
    day_given: bool


def deposit_total(contract: PurchaseContract) -> Decimal:
    """Every 定金 recorded on the contract, in 元."""
    total = db.session.scalar(select(func.coalesce(func.sum(ContractPrepayment.amount), 0)).where(
        ContractPrepayment.contract_id == contract.id, ContractPrepayment.kind == PrepaymentKind.DEPOSIT))
    return Decimal(total).quantize(Decimal("0.01"))


def _check_input(data: ClosureInput) -> _Checked:
    errors = FieldErrors()
    try:
        outcome = DepositOutcome(data.outcome)
    except ValueError:
        errors.add("outcome", _l("Choose how the deposit ends: paid back, kept by the household, or paid back twice."))
        outcome = DepositOutcome.RETURNED
    reason = " ".join(str(data.reason or "").split())
    if not reason:
        errors.add("reason", _l("Say why the contract ended and who broke it."))
    elif len(reason) > REASON_LENGTH:
        errors.add("reason", _l("Keep the reason to 2000 characters."))
    day = local_today()
    if isinstance(data.closed_on, date):
        day = data.closed_on
    elif data.closed_on not in (None, ""):
        try:
            day = date.fromisoformat(str(data.closed_on).strip())
        except ValueError:
            errors.add("closed_on", _l("Enter a date as YYYY-MM-DD."))
    if day > local_today():
        errors.add("closed_on", _l("The date cannot be in the future."))
    method, reference, signer = None, "", ""
    if RECEIVED_TIMES[outcome]:  # money comes back: how, and for cash who took it
        try:
            method = PayoutMethod(data.method)
        except ValueError:
            errors.add("method", _l("Say how the household paid the money back: bank, WeChat or cash."))
        reference = (data.reference or "").strip()[:64]
        signer = (data.signer or "").strip()[:64]
        if method is PayoutMethod.CASH and not signer:
            errors.add("signer", _l("Cash needs the name of who took it."))
    errors.raise_if_any()
    return _Checked(outcome, reason, day, method, reference, signer, day_given=data.closed_on not in (None, ""))


def _digest(contract_id: int, checked: _Checked) -> str:
    body = {"contract": contract_id, "outcome": checked.outcome.value, "reason": checked.reason,
            "closed_on": checked.closed_on.isoformat() if checked.day_given else "",
            "method": checked.method.value if checked.method else "", "reference": checked.reference,
            "signer": checked.signer}
    return body_hash(body)


def _key(key: str | None) -> str:
    return checked_key(key, _l("Each deposit closure needs an idempotency key of at most 128 characters."))


def _replay(key: str, digest: str) -> DepositClosure | None:
    return replay(DepositClosure, key, digest)


def _unbooked_deposits(contract: PurchaseContract) -> int:
    booked = select(Payment.prepayment_id).where(Payment.prepayment_id.is_not(None), Payment.voided_at.is_(None))
    return db.session.scalar(select(func.count()).select_from(ContractPrepayment).where(
        ContractPrepayment.contract_id == contract.id, ContractPrepayment.kind == PrepaymentKind.DEPOSIT,
        ContractPrepayment.id.not_in(booked))) or 0


def _voucher_lines(checked: _Checked, deposit: Decimal, household_party: dict) -> list[LineInput]:
    if checked.outcome is DepositOutcome.FORFEITED:
        return [LineInput(LOSS_ACCOUNT, debit=deposit, memo="定金不予退还"),
                LineInput(ADVANCES_ACCOUNT, credit=deposit, **household_party)]
    received = deposit * RECEIVED_TIMES[checked.outcome]
    lines = [LineInput(CASH_ACCOUNT[checked.method], debit=received, memo=checked.reference),
             LineInput(ADVANCES_ACCOUNT, credit=deposit, **household_party)]
    if checked.outcome is DepositOutcome.DOUBLED:
        lines.append(LineInput(GAIN_ACCOUNT, credit=received - deposit, memo="定金罚则"))
    return lines


SUMMARY = {DepositOutcome.RETURNED: "收回{name}合同{number}定金（合同解除）",
           DepositOutcome.FORFEITED: "{name}合同{number}定金不予退还（公司违约）",
           DepositOutcome.DOUBLED: "{name}违约，双倍返还合同{number}定金"}


def close_deposit(actor: User, contract: PurchaseContract, data: ClosureInput, *,
                  idempotency_key: str) -> DepositClosure:
    """定金处理: record how the deposits of a terminated contract end and prepare the voucher.

    :raises ValidationFailed: no outcome or reason, no method for money paid back, cash without a
        signer, a date in the future (nothing is written).
    :raises Conflict: the contract is not terminated, has no deposit, has a deposit not booked yet,
        or its deposit was already closed; the date falls in a closed period.
    :raises IdempotencyConflict: the key was used for another closure.
    """
    require_role(actor, *ACCOUNTANTS)
    key = _key(idempotency_key)
    checked = _check_input(data)
    digest = _digest(contract.id, checked)
    existing = _replay(key, digest)
    if existing is not None:
        return existing
    # The household first, then the contract, as voiding a deposit's payment does: one closure per
    # contract, and its deposits and their payments read under the locks.
    lock_row(contract.household)
    lock_row(contract)
    existing = _replay(key, digest)  # the same request, sent twice at once, finished while we waited
    if existing is not None:
        return existing
    deposit = deposit_total(contract)
    if contract.status is not ContractStatus.TERMINATED:
        raise Conflict(_l("Only a terminated contract's deposit is closed here; a fulfilled contract's deposit is "
                          "set off by the household's next settlement."))
    if deposit <= 0:
        raise Conflict(_l("No deposit (定金) was paid on this contract."))
    if closure_of(contract) is not None:
        raise Conflict(_l("This contract's deposit is already closed."))
    last_paid = db.session.scalar(select(func.max(ContractPrepayment.paid_on)).where(
        ContractPrepayment.contract_id == contract.id, ContractPrepayment.kind == PrepaymentKind.DEPOSIT))
    if last_paid is not None and checked.closed_on < last_paid:
        raise ValidationFailed(_l("The deposit was paid on %(day)s; the closure cannot be dated earlier."),
                               field="closed_on", day=last_paid.isoformat())
    if _unbooked_deposits(contract):
        raise Conflict(_l("Book the money paid out for this contract's deposit first (Contract advances and "
                          "deposits to book)."))
    household = contract.household
    closure = DepositClosure(
        number=next_number(DepositClosure.number, f"DJ{checked.closed_on.year}-"), contract_id=contract.id,
        household_id=household.id, outcome=checked.outcome, deposit=deposit,
        received=deposit * RECEIVED_TIMES[checked.outcome], method=checked.method, reference=checked.reference,
        signer=checked.signer, closed_on=checked.closed_on, reason=checked.reason, idempotency_key=key,
        body_hash=digest, recorded_by_id=actor.id)
    # another request may close it (or take the key) between our look and our write
    saved = insert_once(closure, taken=Conflict(_l("This contract's deposit is already closed.")))
    if saved is not closure:
        return saved
    party = dict(party_type=PartyType.HOUSEHOLD, party_id=household.id, memo=household.head_name)
    closure.voucher = ledger.prepare_voucher(
        actor, voucher_date=checked.closed_on,
        summary=SUMMARY[checked.outcome].format(name=household.head_name, number=contract.number),
        lines=_voucher_lines(checked, deposit, party), idempotency_key=f"deposit:{key}",
        source=VoucherSource.DEPOSIT, source_id=closure.id, attachments=1, system=True)
    db.session.flush()
    audit.record(actor, "deposit.close", closure, after=audit.snapshot(
        closure, ("number", "contract_id", "household_id", "outcome", "deposit", "received", "method", "reference",
                  "signer", "closed_on", "reason")))
    return closure


# --- reading ------------------------------------------------------------------------------------------

@dataclass
class OpenDeposit:
    contract: PurchaseContract
    deposit: Decimal
    unbooked: int


def open_deposits(actor: User) -> list[OpenDeposit]:
    """Terminated contracts whose deposit is still in 1123, oldest termination first."""
    require_role(actor, *READERS)
    totals = (select(ContractPrepayment.contract_id, func.sum(ContractPrepayment.amount))
              .where(ContractPrepayment.kind == PrepaymentKind.DEPOSIT).group_by(ContractPrepayment.contract_id))
    deposits = {contract_id: Decimal(total) for contract_id, total in db.session.execute(totals)}
    if not deposits:
        return []
    contracts = db.session.scalars(
        select(PurchaseContract).where(PurchaseContract.id.in_(list(deposits)),
                                       PurchaseContract.status == ContractStatus.TERMINATED,
                                       PurchaseContract.id.not_in(select(DepositClosure.contract_id).where(
                                           DepositClosure.voided_at.is_(None))))
        .options(selectinload(PurchaseContract.household)).order_by(PurchaseContract.id))
    return [OpenDeposit(contract, deposits[contract.id].quantize(Decimal("0.01")), _unbooked_deposits(contract))
            for contract in contracts]


def listing(actor: User) -> Select:
    require_role(actor, *READERS)
    return (select(DepositClosure).options(selectinload(DepositClosure.contract), selectinload(DepositClosure.household),
                                           selectinload(DepositClosure.voucher))
            .order_by(DepositClosure.closed_on.desc(), DepositClosure.id.desc()))


def get(actor: User, closure_id: int) -> DepositClosure:
    require_role(actor, *READERS)
    closure = db.session.get(DepositClosure, closure_id)
    if closure is None:
        raise NotFound(_l("This deposit closure does not exist."))
    return closure


def closure_of(contract: PurchaseContract) -> DepositClosure | None:
    """The contract's standing closure (a void one does not count)."""
    return db.session.scalar(select(DepositClosure).where(DepositClosure.contract_id == contract.id,
                                                          DepositClosure.voided_at.is_(None)))


# --- voiding ------------------------------------------------------------------------------------------

def void_closure(actor: User, closure: DepositClosure, reason: str) -> DepositClosure:
    """作废: a closure recorded in error is undone, never deleted: its voucher is rejected if it still
    waits for review, or reversed (红字, for review) if it was posted; the deposit is open again and
    can be closed as it should have been.

    :raises ValidationFailed: no reason. :raises Conflict: already void.
    """
    require_role(actor, *ACCOUNTANTS)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationFailed(_l("Say why the deposit closure is void."), field="reason")
    lock_row(closure.household)  # household, then contract, as closing does
    lock_row(closure.contract)
    lock_row(closure)
    if closure.voided_at is not None:
        raise Conflict(_l("This deposit closure is already void."))
    ledger.withdraw(actor, closure.voucher, what="定金处理", number=closure.number, reason=reason)
    closure.voided_at, closure.voided_by_id, closure.void_reason = utcnow(), actor.id, reason
    db.session.flush()
    audit.record(actor, "deposit.void", closure, reason=reason)
    return closure
