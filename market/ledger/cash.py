"""Cash never below zero: 1001 库存现金, each bank account (1002 or its sub-accounts) and 1012 其他货币资金
hold what came in, on every day. A voucher that would take one below zero on its date, or on any later
day once the later postings count, is refused (``rules.lowest_balance``), naming the account, the day
and the balance; ``OVERDRAFT_ACCOUNTS`` names an account a bank lets go below zero."""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import Account, Voucher, VoucherLine, VoucherSource, VoucherStatus, db

from ..errors import ValidationFailed
from ..locking import lock_row
from ..units import Money
from . import rules

#: 1001 库存现金, 1002 银行存款 (a sub-account per bank account) and 1012 其他货币资金 (WeChat …): never
#: below zero on any day, unless ``OVERDRAFT_ACCOUNTS`` names the account (a bank that gives one)
CASH_ROOTS = ("1001", "1002", "1012")
#: what the guard holds: payouts and receipts, and anything typed by hand (transfers among them)
CASH_GUARDED = (VoucherSource.MANUAL, VoucherSource.PAYMENT)


def cash_changes(lines, source: VoucherSource, *, codes: dict[int, str] | None = None) -> dict[int, int]:
    """Net fen each cash or bank account takes from a voucher's lines ((account id, debit fen, credit fen));
    ``codes`` are the accounts' codes by id when the caller has them already."""
    if source not in CASH_GUARDED:
        return {}
    overdraft = tuple(current_app.config.get("OVERDRAFT_ACCOUNTS", ()))
    changes: dict[int, int] = {}
    for account_id, debit, credit in lines:
        changes[account_id] = changes.get(account_id, 0) + debit - credit
    if codes is None:
        codes = dict(db.session.execute(select(Account.id, Account.code).where(Account.id.in_(changes))).all())
    return {account_id: change for account_id, change in changes.items()
            if change < 0 and codes[account_id].startswith(CASH_ROOTS)
            and not any(codes[account_id].startswith(code) for code in overdraft)}


def refuse_cash_below_zero(voucher_date: date, changes: dict[int, int], *, waiting: bool, field: str,
                           excluding: int | None = None) -> None:
    """Refuse a voucher that would leave a cash or bank account below zero on its date or any day
    after (``rules.lowest_balance``), counting what is posted — and with ``waiting``, what waits for
    review too. The account's row is locked first, so two payouts from it are checked one after the other."""
    statuses = [VoucherStatus.POSTED] + ([VoucherStatus.PREPARED, VoucherStatus.APPROVED] if waiting else [])
    for account_id, change in sorted(changes.items()):
        acct = lock_row(db.session.get(Account, account_id))
        statement = (select(Voucher.voucher_date, func.coalesce(func.sum(VoucherLine.debit), 0),
                            func.coalesce(func.sum(VoucherLine.credit), 0))
                     .join(Voucher).where(VoucherLine.account_id == account_id, Voucher.status.in_(statuses))
                     .group_by(Voucher.voucher_date))
        if excluding is not None:
            statement = statement.where(Voucher.id != excluding)
        movements = [(day, Money(debit).fen - Money(credit).fen) for day, debit, credit in db.session.execute(statement)]
        day, lowest = rules.lowest_balance(movements, voucher_date, change)
        if lowest < 0:
            raise ValidationFailed(
                _l("%(account)s would stand at ¥%(balance)s on %(day)s (¥%(held)s before this ¥%(amount)s): a cash or "
                   "bank balance cannot go below zero. Record the money coming in first, or pay from another account."),
                field=field, rule="cash_below_zero", account=f"{acct.code} {acct.name}",
                balance=f"{Money.from_fen(lowest).yuan:,.2f}",
                day=day.isoformat(), held=f"{Money.from_fen(lowest - change).yuan:,.2f}",
                amount=f"{Money.from_fen(-change).yuan:,.2f}")
