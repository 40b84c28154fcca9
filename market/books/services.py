"""Reading the books: household and buyer statements, receivables by age, the trial balance
(科目余额表), ledgers per account and party (明细账) and the voucher list.

Nothing here writes. Accountants and admins read everything; a villager reads only their own
household's statement. Balances come from posted vouchers only; a statement comes from posted
settlements and the payments recorded against them, and equals the ledger's 2202 balance of
the household once every payment's voucher is posted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, selectinload

from models import (Account, Buyer, Household, PartyType, Payment, PaymentApplication, PaymentKind, Period,
                    PeriodStatus, RoleName, Settlement, SettlementHousehold, SettlementKind, SlipStatus, User,
                    Voucher, VoucherLine, VoucherStatus, WeighSlip, db, settlement_slips)

from ..auth.permissions import require_household_access, require_role
from ..clock import local_today, local_zone
from ..errors import NotFound, ValidationFailed
from ..input_credits.services import outstanding_input_credit
from ..ledger import services as ledger
from ..payments.applying import BUCKETS, Open, ageing, bucket_of
from ..settlements.computing import outstanding_advances
from ..settlements.states import IN_BOOKS
from ..units import Money

READERS = (RoleName.ACCOUNTANT, RoleName.ADMIN)
ZERO = Decimal("0.00")
#: 记账凭证 word before its number
VOUCHER_WORD = "记"
#: rows fetched from the database at a time when a book is streamed (CSV and XLSX downloads)
STREAM_ROWS = 1000


def require_reader(actor: User) -> User:
    return require_role(actor, *READERS)


def _yuan(value: Any) -> Decimal:
    """An aggregate's result as 元 with two places (a raw integer would be fen)."""
    if value is None:
        return ZERO
    if isinstance(value, int):
        return Money.from_fen(value).yuan
    return Decimal(value).quantize(Decimal("0.01"))


# --- months and periods -------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, whether or not the books have a period for it yet."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: Any, field_name: str = "period") -> "Month":
        if isinstance(text, Month):
            return text
        if isinstance(text, Period):
            return cls(text.year, text.month)
        if isinstance(text, date):
            return cls(text.year, text.month)
        try:
            year, month = str(text).strip().split("-")[:2]
            value = cls(int(year), int(month))
        except (ValueError, TypeError):
            raise ValidationFailed(_l("Enter a month as YYYY-MM."), field=field_name) from None
        if not (1 <= value.month <= 12 and 2000 <= value.year <= 2999):
            raise ValidationFailed(_l("Enter a month as YYYY-MM."), field=field_name)
        return value

    @classmethod
    def current(cls) -> "Month":
        today = local_today()
        return cls(today.year, today.month)

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        following = self.next()
        return following.first_day - timedelta(days=1)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (1 if self.month == 1 else 0), 12 if self.month == 1 else self.month - 1)

    def period(self) -> Period | None:
        return db.session.scalar(select(Period).where(Period.year == self.year, Period.month == self.month))

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def periods(actor: User) -> list[Period]:
    require_reader(actor)
    return list(db.session.scalars(select(Period).order_by(Period.year.desc(), Period.month.desc())))


def get_period(actor: User, period_id: int) -> Period:
    require_reader(actor)
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound(_l("This period does not exist."))
    return period


def open_period(actor: User, month: Any) -> Period:
    """Open the period of a month (idempotent: an existing period is returned as it is)."""
    require_role(actor, RoleName.ACCOUNTANT)
    return ledger.period_for(Month.parse(month).first_day)


# --- parties -------------------------------------------------------------------------------------

def party_names(pairs: Iterable[tuple[PartyType | str | None, int | None]]) -> dict[tuple[str, int], str]:
    """Names of parties, keyed by (party type value, id): households by head, buyers by name."""
    wanted: dict[str, set[int]] = {}
    for party_type, party_id in pairs:
        if party_type in (None, PartyType.NONE, "none") or not party_id:
            continue
        wanted.setdefault(PartyType(party_type).value, set()).add(party_id)
    names: dict[tuple[str, int], str] = {}
    if wanted.get("household"):
        for household_id, name in db.session.execute(
                select(Household.id, Household.head_name).where(Household.id.in_(wanted["household"]))):
            names[("household", household_id)] = name
    if wanted.get("buyer"):
        for buyer_id, name in db.session.execute(select(Buyer.id, Buyer.name).where(Buyer.id.in_(wanted["buyer"]))):
            names[("buyer", buyer_id)] = name
    return names


def party_name(party_type: PartyType | str | None, party_id: int | None) -> str:
    if party_type in (None, PartyType.NONE, "none") or not party_id:
        return ""
    return party_names([(party_type, party_id)]).get((PartyType(party_type).value, party_id), f"#{party_id}")


def balance_side(balance: Decimal) -> str:
    """借 for a debit balance, 贷 for a credit balance, 平 when it is zero."""
    return "借" if balance > 0 else "贷" if balance < 0 else "平"


# --- household statement (对账单) ---------------------------------------------------------------

@dataclass
class DeliveryRow:
    day: date
    settlement_number: str
    slip_serials: str
    grade: str
    field_kg: Decimal
    payable_kg: Decimal
    price: Decimal
    amount: Decimal


@dataclass
class DeductionRow:
    day: date
    settlement_number: str
    advances: Decimal
    input_credit: Decimal

    @property
    def total(self) -> Decimal:
        return self.advances + self.input_credit


@dataclass
class PaymentRow:
    day: date
    number: str
    method: Any
    reference: str
    amount: Decimal


@dataclass
class PendingRow:
    """Weighed and confirmed, not yet in a posted settlement: the amount is the slip's, not yet
    owed. ``settlement_number`` names the settlement under way (draft or in review), if any."""

    day: date
    serial: str
    grades: str
    net_kg: Decimal
    amount: Decimal
    settlement_number: str = ""


@dataclass
class HouseholdStatement:
    household: Household
    start: date
    end: date
    opening: Decimal
    deliveries: list[DeliveryRow] = field(default_factory=list)
    deductions: list[DeductionRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    pending: list[PendingRow] = field(default_factory=list)
    #: paid ahead (预付款, a fulfilled contract's 定金) and supplied on credit (赊销农资), not yet taken
    #: back by a posted settlement: the next settlements deduct it
    advances_to_set_off: Decimal = ZERO
    credit_to_set_off: Decimal = ZERO

    @property
    def to_set_off(self) -> Decimal:
        return self.advances_to_set_off + self.credit_to_set_off

    @property
    def delivered(self) -> Decimal:
        return sum((row.amount for row in self.deliveries), ZERO)

    @property
    def delivered_kg(self) -> Decimal:
        return sum((row.payable_kg for row in self.deliveries), Decimal("0.000"))

    @property
    def deducted(self) -> Decimal:
        return sum((row.total for row in self.deductions), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((row.amount for row in self.payments), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.delivered - self.deducted - self.paid

    @property
    def pending_kg(self) -> Decimal:
        return sum((row.net_kg for row in self.pending), Decimal("0.000"))

    @property
    def pending_amount(self) -> Decimal:
        return sum((row.amount for row in self.pending), ZERO)


def _day_range(start: Any, end: Any) -> tuple[date, date]:
    today = local_today()
    first = _as_day(start, "from") if start not in (None, "") else date(today.year, 1, 1)
    last = _as_day(end, "to") if end not in (None, "") else date(first.year, 12, 31)
    if last < first:
        raise ValidationFailed(_l("The end comes before the start."), field="to")
    return first, last


def _as_day(value: Any, field_name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_l("Enter a date as YYYY-MM-DD."), field=field_name) from None


def get_household(actor: User, household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFound(_l("This household does not exist."))
    _require_statement_reader(actor, household)
    return household


def _require_statement_reader(actor: User, household: Household) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False) and actor.has_role(*READERS):
        return
    require_role(actor, RoleName.VILLAGER)
    require_household_access(actor, household.id)


def household_statement(actor: User, household: Household, start: Any = None, end: Any = None) -> HouseholdStatement:
    """对账单 of a household from ``start`` to ``end`` (inclusive; default: this year).

    Opening owed at ``start``; each delivery its posted settlements in the range paid for; what
    those settlements deducted (advances recovered, input credit); payouts made; closing owed;
    and, apart, what was weighed and confirmed but is not settled yet.
    """
    _require_statement_reader(actor, household)
    first, last = _day_range(start, end)
    in_books = (select(SettlementHousehold).join(Settlement)
                .where(SettlementHousehold.household_id == household.id, Settlement.status.in_(IN_BOOKS)))
    net_before = sum((line.net for line in db.session.scalars(in_books.where(Settlement.settle_on < first))), ZERO)
    paid_before = sum((p.amount for p in db.session.scalars(_payouts(household.id).where(Payment.paid_on < first))),
                      ZERO)
    statement = HouseholdStatement(household=household, start=first, end=last, opening=net_before - paid_before)
    lines = db.session.scalars(in_books.where(Settlement.settle_on >= first, Settlement.settle_on <= last)
                               .options(selectinload(SettlementHousehold.items))
                               .order_by(Settlement.settle_on, Settlement.id))
    for line in lines:
        settlement = line.settlement
        for item in line.items:
            statement.deliveries.append(DeliveryRow(
                day=item.delivered_on, settlement_number=settlement.number, slip_serials=item.slip_serials,
                grade=item.grade.name, field_kg=item.field_kg, payable_kg=item.payable_kg, price=item.price,
                amount=item.amount))
        if line.recovered_advances + line.recovered_input_credit > 0:
            statement.deductions.append(DeductionRow(
                day=settlement.settle_on, settlement_number=settlement.number, advances=line.recovered_advances,
                input_credit=line.recovered_input_credit))
    for payment in db.session.scalars(_payouts(household.id).where(Payment.paid_on >= first, Payment.paid_on <= last)):
        statement.payments.append(PaymentRow(day=payment.paid_on, number=payment.number, method=payment.method,
                                             reference=payment.reference, amount=payment.amount))
    statement.pending = pending_deliveries(household.id)
    statement.advances_to_set_off = Money.from_fen(outstanding_advances(household.id, counting=IN_BOOKS)).yuan
    statement.credit_to_set_off = Money.from_fen(outstanding_input_credit(household.id, counting=IN_BOOKS)).yuan
    return statement


def _payouts(household_id: int) -> Select:
    return (select(Payment).where(Payment.household_id == household_id, Payment.voided_at.is_(None),
                                  Payment.kind == PaymentKind.HOUSEHOLD_PAYOUT)
            .order_by(Payment.paid_on, Payment.id))


def pending_deliveries(household_id: int) -> list[PendingRow]:
    """Confirmed weigh slips of the household that no posted settlement pays for yet: those no
    settlement holds, and those of a settlement still being prepared or reviewed (named)."""
    under_way = (select(settlement_slips.c.slip_id, Settlement.number)
                 .join(Settlement, Settlement.id == settlement_slips.c.settlement_id)
                 .where(Settlement.status.not_in(IN_BOOKS)).subquery())
    rows = db.session.execute(
        select(WeighSlip, under_way.c.number).outerjoin(under_way, under_way.c.slip_id == WeighSlip.id)
        .where(WeighSlip.household_id == household_id, WeighSlip.status == SlipStatus.CONFIRMED,
               ~WeighSlip.id.in_(select(settlement_slips.c.slip_id).join(
                   Settlement, Settlement.id == settlement_slips.c.settlement_id).where(Settlement.status.in_(IN_BOOKS))))
        .options(selectinload(WeighSlip.lines)).order_by(WeighSlip.weighed_at, WeighSlip.id))
    zone = local_zone()
    return [PendingRow(day=slip.weighed_at.astimezone(zone).date(), serial=slip.serial,
                       grades="、".join(line.grade.name for line in slip.lines), net_kg=slip.net_kg,
                       amount=slip.amount, settlement_number=number or "") for slip, number in rows]


def households(actor: User) -> list[Household]:
    require_reader(actor)
    return list(db.session.scalars(select(Household).order_by(Household.village_id, Household.head_name,
                                                              Household.id)))


# --- buyers: statements and ageing ---------------------------------------------------------------

@dataclass
class ReceivableRow:
    settlement: Settlement
    day: date
    due_on: date
    amount: Decimal
    received: Decimal
    as_of: date

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received

    @property
    def days_overdue(self) -> int:
        return max(0, (self.as_of - self.due_on).days) if self.outstanding > 0 else 0

    @property
    def bucket(self) -> str:
        return bucket_of(self.due_on, self.as_of)


@dataclass
class BuyerStatement:
    buyer: Buyer
    as_of: date
    rows: list[ReceivableRow] = field(default_factory=list)
    receipts: list[PaymentRow] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((row.received for row in self.rows), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received

    @property
    def buckets(self) -> dict[str, Decimal]:
        fen = ageing([Open(row.settlement.id, row.due_on, Money(row.outstanding).fen) for row in self.rows], self.as_of)
        return {label: Money.from_fen(value).yuan for label, value in fen.items()}


def get_buyer(actor: User, buyer_id: int) -> Buyer:
    require_reader(actor)
    buyer = db.session.get(Buyer, buyer_id)
    if buyer is None:
        raise NotFound(_l("This buyer does not exist."))
    return buyer


def buyers(actor: User) -> list[Buyer]:
    require_reader(actor)
    return list(db.session.scalars(select(Buyer).order_by(Buyer.name, Buyer.id)))


def _as_of(value: Any) -> date:
    return local_today() if value in (None, "") else _as_day(value, "as_of")


def buyer_statement(actor: User, buyer: Buyer, as_of: Any = None) -> BuyerStatement:
    """The buyer's posted order settlements up to ``as_of`` with what was received against each by
    then, what is outstanding, days overdue and the ageing bucket; and the receipts."""
    require_reader(actor)
    day = _as_of(as_of)
    statement = BuyerStatement(buyer=buyer, as_of=day)
    settlements = list(db.session.scalars(
        select(Settlement).where(Settlement.buyer_id == buyer.id, Settlement.kind == SettlementKind.ORDER,
                                 Settlement.status.in_(IN_BOOKS), Settlement.settle_on <= day)
        .order_by(Settlement.settle_on, Settlement.id)))
    received = _received_by(day, [s.id for s in settlements])
    for settlement in settlements:
        statement.rows.append(ReceivableRow(settlement=settlement, day=settlement.settle_on,
                                            due_on=settlement.due_on or settlement.settle_on,
                                            amount=settlement.buyer_total,
                                            received=received.get(settlement.id, ZERO), as_of=day))
    for payment in db.session.scalars(
            select(Payment).where(Payment.buyer_id == buyer.id, Payment.kind == PaymentKind.BUYER_RECEIPT,
                                  Payment.voided_at.is_(None), Payment.paid_on <= day).order_by(Payment.paid_on, Payment.id)):
        statement.receipts.append(PaymentRow(day=payment.paid_on, number=payment.number, method=payment.method,
                                             reference=payment.reference, amount=payment.amount))
    return statement


def _received_by(day: date, settlement_ids: list[int]) -> dict[int, Decimal]:
    if not settlement_ids:
        return {}
    rows = db.session.execute(
        select(PaymentApplication.settlement_id, PaymentApplication.amount).join(Payment)
        .where(PaymentApplication.settlement_id.in_(settlement_ids), Payment.paid_on <= day))
    totals: dict[int, Decimal] = {}
    for settlement_id, amount in rows:
        totals[settlement_id] = totals.get(settlement_id, ZERO) + amount
    return totals


@dataclass
class AgeingRow:
    buyer: Buyer
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass
class Ageing:
    as_of: date
    rows: list[AgeingRow]

    @property
    def totals(self) -> dict[str, Decimal]:
        return {label: sum((row.buckets[label] for row in self.rows), ZERO) for label, *_ in BUCKETS}

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)


def receivables_ageing(actor: User, as_of: Any = None) -> Ageing:
    """账龄分析: what each buyer still owes at ``as_of``, by days past due."""
    require_reader(actor)
    day = _as_of(as_of)
    rows = []
    buyer_ids = db.session.scalars(
        select(Settlement.buyer_id).where(Settlement.kind == SettlementKind.ORDER, Settlement.status.in_(IN_BOOKS),
                                          Settlement.settle_on <= day, Settlement.buyer_id.is_not(None))
        .distinct()).all()
    for buyer in db.session.scalars(select(Buyer).where(Buyer.id.in_(buyer_ids)).order_by(Buyer.name, Buyer.id)):
        statement = buyer_statement(actor, buyer, day)
        if statement.outstanding > 0:
            rows.append(AgeingRow(buyer=buyer, buckets=statement.buckets))
    return Ageing(as_of=day, rows=rows)


# --- trial balance (科目余额表) -----------------------------------------------------------------

@dataclass
class TrialRow:
    account: Account
    opening: Decimal   # debit-positive
    debit: Decimal
    credit: Decimal
    #: 0 for a first-level account (or one whose parent is not in the chart), 1 for its sub-account …
    level: int = 0
    #: the figures include its sub-accounts' (a parent's row sums its whole subtree)
    rolled_up: bool = False

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def opening_debit(self) -> Decimal:
        return self.opening if self.opening > 0 else ZERO

    @property
    def opening_credit(self) -> Decimal:
        return -self.opening if self.opening < 0 else ZERO

    @property
    def closing_debit(self) -> Decimal:
        return self.closing if self.closing > 0 else ZERO

    @property
    def closing_credit(self) -> Decimal:
        return -self.closing if self.closing < 0 else ZERO


@dataclass
class TrialBalance:
    month: Month
    period: Period | None
    rows: list[TrialRow]

    def total(self, name: str) -> Decimal:
        """Over the top-level rows: a parent's row already holds its sub-accounts'."""
        return sum((getattr(row, name) for row in self.rows if row.level == 0), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        return {name: self.total(name) for name in ("opening_debit", "opening_credit", "debit", "credit",
                                                    "closing_debit", "closing_credit")}

    @property
    def balanced(self) -> bool:
        t = self.totals
        return (t["opening_debit"] == t["opening_credit"] and t["debit"] == t["credit"]
                and t["closing_debit"] == t["closing_credit"])


def trial_balance(actor: User, period: Any = None) -> TrialBalance:
    """科目余额表 of a month from posted vouchers: per account the opening balance, the month's
    debits and credits, and the closing balance; every active account is listed."""
    require_reader(actor)
    month = Month.parse(period) if period not in (None, "") else Month.current()
    found = month.period()
    closing: dict[int, Decimal] = {}
    for account_id, _t, _p, debit, credit in ledger.posted_totals(until_period=found or month):
        closing[account_id] = closing.get(account_id, ZERO) + _yuan(debit) - _yuan(credit)
    moved: dict[int, list[Decimal]] = {}
    if found is not None:
        for account_id, _t, _p, debit, credit in ledger.posted_totals(only_period=found):
            row = moved.setdefault(account_id, [ZERO, ZERO])
            row[0] += _yuan(debit)
            row[1] += _yuan(credit)
    rows = []
    for acct in db.session.scalars(select(Account).order_by(Account.code)):
        debit, credit = moved.get(acct.id, (ZERO, ZERO))
        end = closing.get(acct.id, ZERO)
        if not acct.active and not (end or debit or credit):
            continue
        rows.append(TrialRow(account=acct, opening=end - debit + credit, debit=debit, credit=credit))
    return TrialBalance(month=month, period=found, rows=roll_up(rows))


def _ancestors(code: str, present: dict[str, TrialRow]) -> list[TrialRow]:
    """The rows of the accounts above ``code`` (560101 → 5601), nearest first."""
    found = []
    while len(code) > 4:
        code = code[:-2]
        if code in present:
            found.append(present[code])
    return found


def roll_up(rows: list[TrialRow]) -> list[TrialRow]:
    """Each parent's row sums its own lines and every sub-account's (小企业 numbering: a sub-account is
    its parent's code and two digits); each row learns its depth. ``rows`` are in code order."""
    present = {row.account.code: row for row in rows}
    own = {row.account.code: (row.opening, row.debit, row.credit) for row in rows}
    for row in rows:
        above = _ancestors(row.account.code, present)
        row.level = len(above)
        opening, debit, credit = own[row.account.code]
        for parent in above:
            parent.opening += opening
            parent.debit += debit
            parent.credit += credit
            parent.rolled_up = True
    return rows


# --- account ledger (明细账) --------------------------------------------------------------------

@dataclass
class LedgerEntry:
    day: date
    voucher: Voucher
    summary: str
    party: str
    debit: Decimal
    credit: Decimal
    balance: Decimal

    @property
    def number(self) -> str:
        return voucher_label(self.voucher)

    @property
    def side(self) -> str:
        return balance_side(self.balance)


@dataclass
class LedgerRange:
    """What a 明细账 covers: the account, optionally one party, the months, and the opening balance."""

    account: Account
    party_type: PartyType | None
    party_id: int | None
    party: str
    start: Month
    end: Month
    opening: Decimal

    @property
    def opening_side(self) -> str:
        return balance_side(self.opening)


@dataclass
class AccountLedger(LedgerRange):
    """The 明细账 as a page shows it: every entry in memory, with its voucher."""

    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def debit(self) -> Decimal:
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((e.credit for e in self.entries), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def closing_side(self) -> str:
        return balance_side(self.closing)


def voucher_label(voucher: Voucher) -> str:
    """记-3: the voucher's number in its period ("记-" before it is posted)."""
    return _number_label(voucher.number)


def _number_label(number: int | None) -> str:
    return f"{VOUCHER_WORD}-{number}" if number else f"{VOUCHER_WORD}-"


def accounts(actor: User) -> list[Account]:
    require_reader(actor)
    return list(db.session.scalars(select(Account).order_by(Account.code)))


def get_account(actor: User, account: Any) -> Account:
    """An account by id or by code."""
    require_reader(actor)
    found = None
    if isinstance(account, Account):
        return account
    text = str(account or "").strip()
    if text:
        found = db.session.scalar(select(Account).where(Account.code == text))
        if found is None and text.isdigit() and len(text) < 4:
            found = db.session.get(Account, int(text))
    if found is None:
        raise NotFound(_l("There is no account %(code)s."), code=text)
    return found


def _month_key():
    return Period.year * 100 + Period.month


#: a ledger's lines in the order they are booked
LEDGER_ORDER = (Period.year, Period.month, Voucher.number, VoucherLine.line_no)


def subtree(account: Account) -> Select:
    """The ids of the account and of its sub-accounts at every depth (560101, 56010101 under 5601)."""
    return select(Account.id).where(Account.code.startswith(account.code, autoescape=True))


def _ledger_lines(account: Account, kind: PartyType | None, party_id: int | None) -> Select:
    """Posted lines of the account and its sub-accounts (and party), every month; no order."""
    base = (select(VoucherLine).join(Voucher).join(Period)
            .where(VoucherLine.account_id.in_(subtree(account)), Voucher.status == VoucherStatus.POSTED))
    if kind is not None:
        base = base.where(VoucherLine.party_type == kind)
    if party_id is not None:
        base = base.where(VoucherLine.party_id == party_id)
    return base


def _in_range(book: LedgerRange) -> Select:
    return _ledger_lines(book.account, book.party_type, book.party_id).where(
        _month_key() >= book.start.key, _month_key() <= book.end.key)


def _party_names_of(lines: Select) -> dict[tuple[str, int], str]:
    """Names of the parties on ``lines`` (a select without order), from one query of the distinct
    (party type, party id) pairs: as many names as parties, whatever the number of lines."""
    pairs = db.session.execute(lines.with_only_columns(VoucherLine.party_type, VoucherLine.party_id)
                               .where(VoucherLine.party_id.is_not(None)).distinct())
    return party_names(pairs)


def _entry_summary(summary: str, memo: str, party: str) -> str:
    return summary + (f"（{memo}）" if memo and memo != party else "")


def ledger_range(actor: User, account: Account, party_type: Any = None, party_id: int | None = None,
                 start_period: Any = None, end_period: Any = None) -> LedgerRange:
    """The range of a 明细账 (default: January of this year to this month) and its opening balance."""
    require_reader(actor)
    end = Month.parse(end_period, "to") if end_period not in (None, "") else Month.current()
    start = Month.parse(start_period, "from") if start_period not in (None, "") else Month(end.year, 1)
    if end < start:
        raise ValidationFailed(_l("The end comes before the start."), field="to")
    kind = None
    if party_type not in (None, "", PartyType.NONE, "none"):
        try:
            kind = PartyType(party_type)
        except ValueError:
            raise ValidationFailed(_l("Choose a household or a buyer."), field="party_type") from None
    if party_id is not None and kind is None:
        kind = account.party_type if account.party_type is not PartyType.NONE else None
    sums = (_ledger_lines(account, kind, party_id)
            .with_only_columns(func.coalesce(func.sum(VoucherLine.debit), 0),
                               func.coalesce(func.sum(VoucherLine.credit), 0))
            .where(_month_key() < start.key))
    before_debit, before_credit = db.session.execute(sums).one()
    return LedgerRange(account=account, party_type=kind, party_id=party_id,
                       party=party_name(kind, party_id) if party_id else "", start=start, end=end,
                       opening=_yuan(before_debit) - _yuan(before_credit))


def account_ledger(actor: User, account: Account, party_type: Any = None, party_id: int | None = None,
                   start_period: Any = None, end_period: Any = None) -> AccountLedger:
    """明细账 of an account (and, for 辅助核算, one party) over a range of months, from posted vouchers:
    the opening balance, each line with its running balance and side, the closing balance.

    Everything is in memory, for a page or the API; a download streams :class:`LedgerLines`."""
    head = ledger_range(actor, account, party_type, party_id, start_period, end_period)
    lines = db.session.scalars(_in_range(head).options(selectinload(VoucherLine.voucher)).order_by(*LEDGER_ORDER))
    names = _party_names_of(_in_range(head))
    entries, running = [], head.opening
    for line in lines:
        running = running + line.debit - line.credit
        voucher = line.voucher
        name = names.get((line.party_type.value, line.party_id), "") if line.party_id else ""
        entries.append(LedgerEntry(day=voucher.voucher_date, voucher=voucher,
                                   summary=_entry_summary(voucher.summary, line.memo, name),
                                   party=name, debit=line.debit, credit=line.credit, balance=running))
    return AccountLedger(**vars(head), entries=entries)


@dataclass
class LedgerLine:
    """One line of a streamed 明细账, as plain values."""

    day: date
    voucher: str   # period and number: 2026-08记-3
    summary: str
    party: str
    debit: Decimal
    credit: Decimal
    balance: Decimal

    @property
    def side(self) -> str:
        return balance_side(self.balance)


class _Totals:
    """Debit and credit added up while lines go by; read once the last line has gone."""

    def __init__(self) -> None:
        self.lines = 0
        self._debit = self._credit = ZERO
        self._complete = False

    def _start(self) -> None:
        self.lines, self._debit, self._credit, self._complete = 0, ZERO, ZERO, False

    def _add(self, debit: Decimal, credit: Decimal) -> None:
        self.lines += 1
        self._debit += debit
        self._credit += credit

    def _check(self) -> None:
        if not self._complete:
            raise RuntimeError("the totals are known once every line has been read")

    @property
    def debit(self) -> Decimal:
        self._check()
        return self._debit

    @property
    def credit(self) -> Decimal:
        self._check()
        return self._credit


class LedgerLines(_Totals):
    """The lines of a 明细账 streamed from the database (``yield_per``: a server-side cursor on
    PostgreSQL), each with its running balance; the totals and the closing balance are known once
    the last line has been read. Memory does not grow with the number of lines: party names come
    first, from one query of the range's distinct parties.

    Iterate it inside the request (or application) context whose session runs the query; the
    cursor is closed when the iteration ends or is abandoned."""

    def __init__(self, book: LedgerRange) -> None:
        super().__init__()
        self.book = book

    def __iter__(self) -> Iterator[LedgerLine]:
        self._start()
        book = self.book
        names = _party_names_of(_in_range(book))
        statement = (_in_range(book)
                     .with_only_columns(Voucher.voucher_date, Period.year, Period.month, Voucher.number,
                                        Voucher.summary, VoucherLine.memo, VoucherLine.party_type,
                                        VoucherLine.party_id, VoucherLine.debit, VoucherLine.credit)
                     .order_by(*LEDGER_ORDER).execution_options(yield_per=STREAM_ROWS))
        running = book.opening
        result = db.session.execute(statement)
        try:
            for day, year, month, number, summary, memo, kind, party_id, debit, credit in result:
                running = running + debit - credit
                self._add(debit, credit)
                name = names.get((kind.value, party_id), "") if party_id else ""
                yield LedgerLine(day=day, voucher=f"{year}-{month:02d}{_number_label(number)}",
                                 summary=_entry_summary(summary, memo, name), party=name, debit=debit,
                                 credit=credit, balance=running)
        finally:
            result.close()
        self._complete = True

    @property
    def closing(self) -> Decimal:
        return self.book.opening + self.debit - self.credit

    @property
    def closing_side(self) -> str:
        return balance_side(self.closing)


def ledger_parties(actor: User, account: Account) -> list[tuple[int, str]]:
    """(id, name) of every party with a line on the account, by name."""
    require_reader(actor)
    if account.party_type is PartyType.NONE:
        return []
    ids = db.session.scalars(select(VoucherLine.party_id).where(
        VoucherLine.account_id == account.id, VoucherLine.party_id.is_not(None)).distinct()).all()
    names = party_names((account.party_type, i) for i in ids)
    return sorted(((i, names.get((account.party_type.value, i), f"#{i}")) for i in ids), key=lambda p: (p[1], p[0]))


# --- vouchers -------------------------------------------------------------------------------------

#: posted first in number order, then the ones waiting, newest last
VOUCHER_ORDER = (Voucher.number.is_(None), Voucher.number, Voucher.id)


def _voucher_filters(period: Any = None, status: Any = None) -> list:
    filters = []
    if period not in (None, ""):
        month = Month.parse(period)
        found = month.period()
        filters.append(Voucher.period_id == (found.id if found else -1))
    if status not in (None, ""):
        try:
            filters.append(Voucher.status == VoucherStatus(status))
        except ValueError:
            raise ValidationFailed(_l("Unknown status."), field="status") from None
    return filters


def voucher_query(actor: User, period: Any = None, status: Any = None) -> Select:
    require_reader(actor)
    return (select(Voucher).options(selectinload(Voucher.lines)).where(*_voucher_filters(period, status))
            .order_by(*VOUCHER_ORDER))


def voucher_list(actor: User, period: Any = None, status: Any = None) -> list[Voucher]:
    return list(db.session.scalars(voucher_query(actor, period, status)))


@dataclass
class VoucherListLine:
    """One line of a voucher in the streamed voucher list, as plain values."""

    day: date
    number: str
    summary: str
    status: VoucherStatus
    account: str
    party: str
    debit: Decimal
    credit: Decimal
    prepared_by: str
    approved_by: str
    posted_by: str


class VoucherLines(_Totals):
    """Every line of the vouchers of a period (and status), voucher by voucher in list order,
    streamed from the database like :class:`LedgerLines`; the totals are known at the end."""

    def __init__(self, actor: User, period: Any = None, status: Any = None) -> None:
        super().__init__()
        require_reader(actor)
        self.filters = _voucher_filters(period, status)

    def __iter__(self) -> Iterator[VoucherListLine]:
        self._start()
        pairs = db.session.execute(select(VoucherLine.party_type, VoucherLine.party_id).join(Voucher)
                                   .where(*self.filters, VoucherLine.party_id.is_not(None)).distinct())
        names = party_names(pairs)
        preparer, approver, poster = aliased(User), aliased(User), aliased(User)
        statement = (select(Voucher.voucher_date, Voucher.number, Voucher.summary, Voucher.status, Account.code,
                            Account.name, VoucherLine.party_type, VoucherLine.party_id, VoucherLine.debit,
                            VoucherLine.credit, preparer.name, approver.name, poster.name)
                     .select_from(VoucherLine)
                     .join(Voucher, VoucherLine.voucher_id == Voucher.id)
                     .join(Account, VoucherLine.account_id == Account.id)
                     .join(preparer, Voucher.prepared_by_id == preparer.id)
                     .outerjoin(approver, Voucher.approved_by_id == approver.id)
                     .outerjoin(poster, Voucher.posted_by_id == poster.id)
                     .where(*self.filters).order_by(*VOUCHER_ORDER, VoucherLine.line_no)
                     .execution_options(yield_per=STREAM_ROWS))
        result = db.session.execute(statement)
        try:
            for (day, number, summary, status, code, account, kind, party_id, debit, credit, prepared_by,
                 approved_by, posted_by) in result:
                self._add(debit, credit)
                party = names.get((kind.value, party_id), f"#{party_id}") if party_id else ""
                yield VoucherListLine(day=day, number=_number_label(number), summary=summary, status=status,
                                      account=f"{code} {account}", party=party, debit=debit, credit=credit,
                                      prepared_by=prepared_by, approved_by=approved_by or "",
                                      posted_by=posted_by or "")
        finally:
            result.close()
        self._complete = True


def voucher_total(voucher: Voucher) -> Decimal:
    return sum((line.debit for line in voucher.lines), ZERO)


def get_voucher(actor: User, voucher_id: int) -> Voucher:
    require_reader(actor)
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None:
        raise NotFound(_l("This voucher does not exist."))
    return voucher


def reversal_of(voucher: Voucher) -> Voucher | None:
    return db.session.scalar(select(Voucher).where(Voucher.reverses_id == voucher.id))


def review_queue(actor: User) -> dict[str, int]:
    """How many vouchers wait for 审核 and for 记账, and how many periods are open."""
    require_reader(actor)
    counts = dict(db.session.execute(select(Voucher.status, func.count()).where(
        Voucher.status.in_([VoucherStatus.PREPARED, VoucherStatus.APPROVED])).group_by(Voucher.status)).all())
    open_periods = db.session.scalar(select(func.count()).select_from(Period).where(
        Period.status == PeriodStatus.OPEN))
    return {"prepared": counts.get(VoucherStatus.PREPARED, 0), "approved": counts.get(VoucherStatus.APPROVED, 0),
            "open_periods": open_periods or 0}
