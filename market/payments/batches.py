"""Batch payouts to households and the bank's import file of a batch."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Household, PaymentBatch, PayoutMethod, Settlement, SettlementHousehold, User, db

from .. import audit
from ..cells import csv_text
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import FieldErrors, IdempotencyConflict, ValidationFailed
from ..numbering import lock_scope, next_number
from ..settlements.states import IN_BOOKS
from ..units import Money, UnitError, parse_money
from .common import ACCOUNTANTS, PaymentInput, _key
from .payouts import pay_household


def proposed_batch(village_id: int | None = None) -> list[tuple[Household, Decimal]]:
    """Households paid by bank, with an account on record, and what each is owed."""
    statement = (select(SettlementHousehold).join(Settlement).join(Household)
                 .where(Settlement.status.in_(IN_BOOKS), Household.payout_method == PayoutMethod.BANK,
                        Household.account_number != "", SettlementHousehold.paid < SettlementHousehold.net + SettlementHousehold.adjusted)
                 .order_by(Household.id))
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    totals: dict[int, list] = {}
    for line in db.session.scalars(statement):
        entry = totals.setdefault(line.household_id, [line.household, Decimal("0.00")])
        entry[1] += line.owed
    return [(household, total) for household, total in totals.values()]


def pay_batch(actor: User, amounts: Sequence[tuple[Household, Any]], *, paid_on: Any = None,
              idempotency_key: str) -> PaymentBatch:
    """批量代发: pay many households by bank in one go, all or none; the batch's file is the
    bank's import file (``bank_file``).

    :raises ValidationFailed: an empty batch, a household twice, or any payout that does not fit
        (the message names the household; nothing is written).
    """
    require_role(actor, *ACCOUNTANTS)
    key = _key(idempotency_key)
    if not amounts:
        raise ValidationFailed(_l("Choose at least one household to pay."), field="households")
    ids = [household.id for household, _ in amounts]
    if len(ids) != len(set(ids)):
        raise ValidationFailed(_l("A household appears twice in the batch."), field="households")
    errors = FieldErrors()
    day = local_today()
    if isinstance(paid_on, date):
        day = paid_on
    elif paid_on not in (None, ""):
        try:
            day = date.fromisoformat(str(paid_on))
        except ValueError:
            errors.add("paid_on", _l("Enter a date as YYYY-MM-DD."))
    errors.raise_if_any()
    body = {"paid_on": day.isoformat(), "amounts": sorted([household.id, _normal(amount)] for household, amount in amounts)}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    lock_scope(f"payment-batch:{key}")  # a double submit waits here, then finds the first batch
    existing = db.session.scalar(select(PaymentBatch).where(PaymentBatch.idempotency_key == key))
    if existing is not None:
        if existing.body_hash != digest:
            raise IdempotencyConflict()
        return existing
    batch = PaymentBatch(number=next_number(PaymentBatch.number, f"PL{day.year}-"), paid_on=day, total=Decimal(0),
                         count=0, created_by_id=actor.id, idempotency_key=key, body_hash=digest)
    db.session.add(batch)
    db.session.flush()
    total = Decimal(0)
    # Every household's lock first, in id order (as settlements take them): a batch and a single
    # payout, or two batches, then never wait on each other in a circle.
    db.session.execute(select(Household.id).where(Household.id.in_(sorted(ids))).order_by(Household.id)
                       .with_for_update(key_share=True))
    for household, amount in sorted(amounts, key=lambda pair: pair[0].id):
        try:
            payment = pay_household(actor, household, PaymentInput(amount=amount, method=PayoutMethod.BANK,
                                                                   paid_on=day, reference=batch.number),
                                    idempotency_key=_payout_key(key, household.id), batch=batch)
        except ValidationFailed as error:
            # Name the household: the batch is refused whole, so the accountant must know whom to fix.
            reasons = "；".join(text for texts in error.field_texts().values() for text in texts) or error.text()
            raise ValidationFailed(_l("%(name)s: %(reason)s"), field="households", name=household.head_name,
                                   reason=reasons) from None
        if payment.batch_id != batch.id:
            raise IdempotencyConflict()
        total += payment.amount
    batch.total, batch.count = total, len(amounts)
    db.session.flush()
    audit.record(actor, "payment.batch", batch, after={"number": batch.number, "count": batch.count,
                                                        "total": str(total)})
    return batch


def _payout_key(batch_key: str, household_id: int) -> str:
    """A batch's payout key; a long batch key is replaced by its hash so that the payout key fits."""
    key = f"{batch_key}:{household_id}"
    if len(key) > 128:
        key = f"batch-{hashlib.sha256(batch_key.encode()).hexdigest()}:{household_id}"
    return key


def _normal(amount: Any) -> str:
    """An amount as the batch's fingerprint sees it: "100" and "100.00" are the same request."""
    try:
        return str((parse_money(amount) if isinstance(amount, str) else Money(amount)).fen)
    except (UnitError, ValueError, TypeError):
        return str(amount)


BANK_FILE_HEADER = ("序号", "收款人户名", "收款账号", "开户行", "金额", "用途")


def bank_rows(batch: PaymentBatch) -> Iterable[tuple[Any, ...]]:
    for number, payment in enumerate(batch.payments, start=1):
        household = payment.household
        # names are typed by people: a "=HYPERLINK(…)" must reach the bank's spreadsheet as text
        yield (number, csv_text(household.head_name), csv_text(household.account_number or ""),
               csv_text(household.bank_name or ""), f"{payment.amount:.2f}", f"货款{payment.number}")


def bank_file(actor: User, batch: PaymentBatch) -> str:
    """The bank's import file (CSV, UTF-8 with BOM so spreadsheet programs read the Chinese);
    full account numbers, so reading it is audited."""
    require_role(actor, *ACCOUNTANTS)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(BANK_FILE_HEADER)
    writer.writerows(bank_rows(batch))
    audit.record(actor, "payment_batch.export", batch)
    return out.getvalue()
