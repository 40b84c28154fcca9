"""The standard chart of accounts (小企业会计准则) and looking accounts up for a voucher's lines:
active ones only, share-locked so none is retired under a voucher being written, never one broken
down into sub-accounts (明细核算). Editing the chart is :mod:`.chart`.
"""
from __future__ import annotations

from typing import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from models import Account, AccountKind, PartyType, db

from ..errors import ValidationFailed
from . import rules

#: 小企业会计准则 numbering; a party type on an account means 辅助核算 by that party.
CHART = [
    ("1001", "库存现金", AccountKind.ASSET, PartyType.NONE),
    ("1002", "银行存款", AccountKind.ASSET, PartyType.NONE),
    ("1012", "其他货币资金", AccountKind.ASSET, PartyType.NONE),
    ("1122", "应收账款", AccountKind.ASSET, PartyType.BUYER),
    ("1123", "预付账款", AccountKind.ASSET, PartyType.HOUSEHOLD),
    ("1221", "其他应收款", AccountKind.ASSET, PartyType.HOUSEHOLD),
    ("1405", "库存商品", AccountKind.ASSET, PartyType.NONE),
    ("2202", "应付账款", AccountKind.LIABILITY, PartyType.HOUSEHOLD),
    ("2221", "应交税费", AccountKind.LIABILITY, PartyType.NONE),
    ("222101", "应交增值税", AccountKind.LIABILITY, PartyType.NONE),
    ("22210101", "进项税额", AccountKind.LIABILITY, PartyType.NONE),
    ("22210102", "销项税额", AccountKind.LIABILITY, PartyType.NONE),
    ("22210103", "进项税额转出", AccountKind.LIABILITY, PartyType.NONE),
    ("22210104", "转出未交增值税", AccountKind.LIABILITY, PartyType.NONE),
    ("222102", "未交增值税", AccountKind.LIABILITY, PartyType.NONE),
    ("3001", "实收资本", AccountKind.EQUITY, PartyType.NONE),
    ("3103", "本年利润", AccountKind.EQUITY, PartyType.NONE),
    ("3104", "利润分配", AccountKind.EQUITY, PartyType.NONE),
    ("5001", "主营业务收入", AccountKind.REVENUE, PartyType.NONE),
    ("5301", "营业外收入", AccountKind.REVENUE, PartyType.NONE),
    ("5401", "主营业务成本", AccountKind.COST, PartyType.NONE),
    ("5601", "销售费用", AccountKind.EXPENSE, PartyType.NONE),
    ("5711", "营业外支出", AccountKind.EXPENSE, PartyType.NONE),
]
#: accounts kept by more than one kind of party: 2202 应付账款 by household (produce) and by
#: supplier (freight and packing bought on a special invoice and owed to the carrier)
ALSO_KEPT_BY = {"2202": (PartyType.SUPPLIER,)}


def party_types_of(account: Account) -> tuple[PartyType, ...]:
    """The kinds of party an account's lines may carry (none for an account without 辅助核算)."""
    if account.party_type is PartyType.NONE:
        return ()
    return (account.party_type, *ALSO_KEPT_BY.get(account.code, ()))

#: 应交税费—应交增值税 and its third-level accounts (小企业会计准则 附录: 应交税费 2221)
VAT_PAYABLE = "222101"
INPUT_VAT = "22210101"      # 进项税额
OUTPUT_VAT = "22210102"     # 销项税额
INPUT_VAT_OUT = "22210103"  # 进项税额转出
VAT_TRANSFERRED = "22210104"  # 转出未交增值税
UNPAID_VAT = "222102"       # 未交增值税

#: 3103 本年利润, 3104 利润分配: where 期末结转 carries the 损益类 balances
PROFIT_THIS_YEAR = rules.PROFIT_THIS_YEAR
PROFIT_DISTRIBUTION = rules.PROFIT_DISTRIBUTION
#: the class digit of the 损益类 accounts (5001 … 5801 and their sub-accounts), brought to zero by each
#: month's carry-forward; class 4 (成本类, e.g. 4001 生产成本) is also of kind "cost" but is stock, not profit
PROFIT_AND_LOSS_CLASS = "5"


def seed_chart() -> list[Account]:
    """Create the standard accounts that are missing (idempotent)."""
    existing = {a.code: a for a in db.session.scalars(select(Account))}
    for code, name, kind, party_type in CHART:
        if code not in existing:
            existing[code] = Account(code=code, name=name, kind=kind, party_type=party_type)
            db.session.add(existing[code])
    db.session.flush()
    return [existing[code] for code, *_ in CHART]


def account(code: str, *, share_lock: bool = False) -> Account:
    """The active account with this code. ``share_lock`` holds the row (FOR SHARE) to the end of the
    transaction, so a deactivation cannot slip in between this look and the voucher's commit."""
    statement = select(Account).where(Account.code == code)
    if share_lock:
        statement = statement.with_for_update(read=True).execution_options(populate_existing=True)
    found = db.session.scalar(statement)
    if found is None or not found.active:  # a retired account takes no new voucher
        raise ValidationFailed(_l("There is no account %(code)s."), field="lines", code=code)
    return found


def _accounts_for_lines(codes: Sequence[str]) -> dict[str, Account]:
    """The active accounts of a voucher's lines by code, share-locked (:func:`account`), in two
    statements whatever their number. Refused, for the first line's account that fails: one that does
    not exist or is retired, and one broken down into sub-accounts (明细核算: every amount then goes to
    one of them)."""
    wanted = list(dict.fromkeys(codes))
    found = {a.code: a for a in db.session.scalars(
        select(Account).where(Account.code.in_(wanted)).with_for_update(read=True)
        .execution_options(populate_existing=True))}
    children = set(db.session.scalars(select(Account.code).where(Account.active.is_(True), or_(*(
        and_(Account.code.like(f"{code}__"), func.length(Account.code) == len(code) + 2) for code in wanted)))))
    for code in wanted:
        acct = found.get(code)
        if acct is None or not acct.active:  # a retired account takes no new voucher
            raise ValidationFailed(_l("There is no account %(code)s."), field="lines", code=code)
        if any(child[:-2] == code for child in children):
            raise ValidationFailed(_l("Account %(code)s has sub-accounts; post to one of them."), field="lines",
                                   code=code)
    return found


def has_sub_accounts(code: str) -> bool:
    """Whether an active account sits right below ``code`` (its code plus two digits)."""
    return db.session.scalar(select(Account.id).where(
        Account.code.like(f"{code}__"), func.length(Account.code) == len(code) + 2,
        Account.active.is_(True)).limit(1)) is not None
