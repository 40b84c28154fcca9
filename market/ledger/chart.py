"""Editing the chart of accounts (科目表): add an account, rename it, change its 辅助核算, retire it.

Numbering follows 小企业会计准则: a first-level account has four digits, its first digit the class
(1 资产, 2 负债, 3 所有者权益, 4 成本, 5 损益); a sub-account (明细科目) is its parent's code followed by
two digits — 560101 under 5601, 56010101 under 560101 — up to sixteen digits.

Rules kept here:

- Only accountants change the chart; every change is audited (``account.*`` events).
- A code is digits only and unique. A new sub-account needs its parent to exist and be active,
  and has the parent's kind. The seeded chart follows the same rules: 2221 应交税费 → 222101 应交增值税
  → 22210101 进项税额 … 22210104, and 222102 未交增值税.
- An account with active sub-accounts takes no voucher lines of its own (明细核算: the amounts go
  to its sub-accounts); the voucher services refuse it.
- A first-level account's kind agrees with its class digit (5 may be revenue, cost or expense).
- The party type (辅助核算) is fixed once any voucher line — in any status — uses the account,
  and never changes on a standard (seeded) account: settlement and payment vouchers rely on it.
- An inactive account takes no new voucher lines (the voucher services look up active accounts
  only). Deactivating is refused for the standard accounts, while any balance — per party too —
  is left in posted vouchers, while a voucher awaiting review uses the account, and while the
  account has active sub-accounts. A sub-account is reactivated only under an active parent.
- Posted lines keep pointing at a retired account, so the books still read the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import Account, AccountKind, PartyType, RoleName, User, Voucher, VoucherLine, VoucherStatus, db

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, FieldErrors, NotFound, ValidationFailed
from ..locking import lock_row
from ..units import Money
from .services import ACCOUNTANTS, CHART, posted_totals

#: those who read the chart: accountants, and admins
READERS = (RoleName.ACCOUNTANT, RoleName.ADMIN)
NAME_MAX = 64
CODE_MAX = 16
#: the codes settlement and payment vouchers post to: never deactivated, their party type fixed
STANDARD_CODES = frozenset(code for code, *_rest in CHART)
#: the kinds a first-level account of each class digit may have
CLASS_KINDS: dict[str, tuple[AccountKind, ...]] = {
    "1": (AccountKind.ASSET,),
    "2": (AccountKind.LIABILITY,),
    "3": (AccountKind.EQUITY,),
    "4": (AccountKind.COST,),
    "5": (AccountKind.REVENUE, AccountKind.COST, AccountKind.EXPENSE),
}
_CODE = re.compile(r"^\d+$")
_AUDITED = ("code", "name", "kind", "party_type", "active")


def _kind(value: Any) -> AccountKind | None:
    try:
        return AccountKind(value)
    except ValueError:
        return None


def _party_type(value: Any) -> PartyType | None:
    try:
        return PartyType(value if value not in (None, "") else PartyType.NONE)
    except ValueError:
        return None


def _clean_name(value: Any, errors: FieldErrors) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        errors.add("name", _l("Name the account."))
    elif len(name) > NAME_MAX:
        errors.add("name", _l("At most 64 characters."))
    return name


def parent_code(code: str) -> str | None:
    """The code of the account above ``code`` (None for a first-level account)."""
    return code[:-2] if len(code) > 4 else None


def is_standard(account: Account) -> bool:
    return account.code in STANDARD_CODES


def get(actor: User, account_id: int) -> Account:
    require_role(actor, *READERS)
    found = db.session.get(Account, account_id)
    if found is None:
        raise NotFound()
    return found


def create_account(actor: User, *, code: str, name: str, kind: AccountKind | str,
                   party_type: PartyType | str = PartyType.NONE, parent: Account | None = None) -> Account:
    """Add an account to the chart.

    :param parent: the account above; when given, ``code`` may be its code plus two digits or just
        the two digits. Without it the parent is found from the code.
    :raises ValidationFailed: a bad or taken code, a missing or inactive parent, no name, an unknown
        kind or party type, a kind that does not fit the code's class or the parent.
    """
    require_role(actor, *ACCOUNTANTS)
    errors = FieldErrors()
    code = str(code or "").strip()
    if parent is not None and len(code) == 2 and _CODE.match(code):
        code = parent.code + code
    name = _clean_name(name, errors)
    chosen_kind = _kind(kind)
    if chosen_kind is None:
        errors.add("kind", _l("Choose the kind of account."))
    chosen_party = _party_type(party_type)
    if chosen_party is None:
        errors.add("party_type", _l("Choose the party type (辅助核算)."))
    above = None
    if not _CODE.match(code):
        errors.add("code", _l("A code is digits only, e.g. 1002 or 560101."))
    elif len(code) < 4 or len(code) % 2 or len(code) > CODE_MAX:
        errors.add("code", _l("A code has four digits, or its parent's code and two more digits."))
    elif code[0] not in CLASS_KINDS:
        errors.add("code", _l("A code starts with 1 (assets), 2 (liabilities), 3 (equity), 4 (costs) "
                              "or 5 (profit and loss)."))
    elif db.session.scalar(select(Account.id).where(Account.code == code)) is not None:
        errors.add("code", _l("The code %(code)s is taken."))
    else:
        wanted_parent = parent_code(code)
        if parent is not None and wanted_parent != parent.code:
            errors.add("code", _l("A sub-account of %(parent)s has a code starting with %(parent)s."))
        elif wanted_parent is not None:
            above = parent or db.session.scalar(select(Account).where(Account.code == wanted_parent))
            if above is None:
                errors.add("code", _l("There is no account %(parent)s to put this sub-account under; add it first."))
            elif not above.active:
                errors.add("code", _l("The account %(parent)s is inactive."))
            elif chosen_kind is not None and chosen_kind is not above.kind:
                errors.add("kind", _l("A sub-account has its parent's kind."))
        elif chosen_kind is not None and chosen_kind not in CLASS_KINDS[code[0]]:
            errors.add("kind", _l("This kind does not fit the code's first digit."))
    if errors.fields:
        raise ValidationFailed(fields=errors.fields, code=code, parent=parent.code if parent else parent_code(code))
    account = Account(code=code, name=name, kind=chosen_kind, party_type=chosen_party, active=True)
    try:
        with db.session.begin_nested():
            db.session.add(account)
            db.session.flush()
    except IntegrityError:
        # another accountant added the same code a moment ago
        raise ValidationFailed(_l("The code %(code)s is taken."), field="code", code=code) from None
    audit.record(actor, "account.create", account, after=audit.snapshot(account, _AUDITED))
    return account


def rename_account(actor: User, account: Account, name: str) -> Account:
    """A new name; the code, kind and every line stay. Standard accounts may be renamed too."""
    require_role(actor, *ACCOUNTANTS)
    errors = FieldErrors()
    name = _clean_name(name, errors)
    errors.raise_if_any()
    if name != account.name:
        before = account.name
        account.name = name
        db.session.flush()
        audit.record(actor, "account.rename", account, before={"name": before}, after={"name": name})
    return account


def used(account: Account) -> bool:
    """Whether any voucher line, in any status, is on the account."""
    return db.session.scalar(select(VoucherLine.id).where(VoucherLine.account_id == account.id).limit(1)) is not None


def set_party_type(actor: User, account: Account, party_type: PartyType | str) -> Account:
    """Change 辅助核算; refused once a voucher line uses the account, and on standard accounts."""
    require_role(actor, *ACCOUNTANTS)
    chosen = _party_type(party_type)
    if chosen is None:
        raise ValidationFailed(_l("Choose the party type (辅助核算)."), field="party_type")
    if chosen is account.party_type:
        return account
    lock_row(account)
    if is_standard(account):
        raise Conflict(_l("The party type of the standard account %(code)s is fixed: settlements and payments "
                          "rely on it."), field="party_type", code=account.code)
    if used(account):
        raise Conflict(_l("Account %(code)s is used on vouchers; its party type can no longer change."),
                       field="party_type", code=account.code)
    before = account.party_type
    account.party_type = chosen
    db.session.flush()
    audit.record(actor, "account.party_type", account, before={"party_type": before}, after={"party_type": chosen})
    return account


def _to_yuan(value: Any) -> Decimal:
    """A sum from the database as 元 (an integer would be fen)."""
    if isinstance(value, int):
        return Money.from_fen(value).yuan
    return Decimal(value or 0)


def balances() -> dict[int, Decimal]:
    """Debit-positive balance of every account over posted vouchers."""
    out: dict[int, Decimal] = {}
    for account_id, _type, _party, debit, credit in posted_totals():
        out[account_id] = out.get(account_id, Decimal("0.00")) + _to_yuan(debit) - _to_yuan(credit)
    return out


def _open_parties(account: Account) -> int:
    """How many of the account's balances (one per party, or the one without) are not zero in posted
    vouchers: an account that nets to zero over its parties still owes each of them."""
    return sum(1 for account_id, _type, _party, debit, credit in posted_totals()
               if account_id == account.id and _to_yuan(debit) != _to_yuan(credit))


def deactivation_refusal(account: Account) -> Any | None:
    """Why the account cannot be deactivated now (a lazy message), or None."""
    if is_standard(account):
        return _l("%(code)s is a standard account: settlement and payment vouchers post to it.")
    if _open_parties(account):
        return _l("Account %(code)s still has a balance in posted vouchers; bring it to zero first.")
    waiting = db.session.scalar(
        select(func.count(func.distinct(Voucher.id))).select_from(VoucherLine).join(Voucher).where(
            VoucherLine.account_id == account.id,
            Voucher.status.in_([VoucherStatus.PREPARED, VoucherStatus.APPROVED])))
    if waiting:
        return _l("Vouchers waiting for review use account %(code)s; post or reject them first.")
    children = db.session.scalar(select(func.count()).select_from(Account).where(
        Account.code.like(f"{account.code}__"), Account.active.is_(True)))
    if children:
        return _l("Account %(code)s has active sub-accounts; deactivate them first.")
    return None


def deactivate(actor: User, account: Account, reason: str = "") -> Account:
    """Retire an account: no new voucher takes it; its posted lines stay.

    :raises Conflict: a standard account, a balance left, vouchers waiting, active sub-accounts.
    """
    require_role(actor, *ACCOUNTANTS)
    lock_row(account)
    if not account.active:
        return account
    refusal = deactivation_refusal(account)
    if refusal is not None:
        raise Conflict(refusal, field="active", code=account.code)
    account.active = False
    db.session.flush()
    audit.record(actor, "account.deactivate", account, before={"active": True}, after={"active": False},
                 reason=(reason or "").strip() or None)
    return account


def reactivate(actor: User, account: Account) -> Account:
    """Take an account back into use; a sub-account only under an active parent."""
    require_role(actor, *ACCOUNTANTS)
    lock_row(account)
    if account.active:
        return account
    above_code = parent_code(account.code)
    if above_code is not None:
        above = db.session.scalar(select(Account).where(Account.code == above_code))
        if above is not None and not above.active:
            raise Conflict(_l("The account %(parent)s above it is inactive; reactivate it first."), field="active",
                           parent=above_code)
    account.active = True
    db.session.flush()
    audit.record(actor, "account.reactivate", account, before={"active": False}, after={"active": True})
    return account


@dataclass(frozen=True)
class ChartRow:
    account: Account
    balance: Decimal
    standard: bool
    level: int
    #: any voucher line uses it (its party type is then fixed)
    used: bool


def rows(actor: User) -> list[ChartRow]:
    """The chart in code order with each account's posted balance (debit-positive)."""
    require_role(actor, *READERS)
    amounts = balances()
    in_use = set(db.session.scalars(select(VoucherLine.account_id).distinct()))
    return [ChartRow(account=a, balance=amounts.get(a.id, Decimal("0.00")), standard=is_standard(a),
                     level=1 + (len(a.code) - 4) // 2 if len(a.code) >= 4 else 1, used=a.id in in_use)
            for a in db.session.scalars(select(Account).order_by(Account.code))]
