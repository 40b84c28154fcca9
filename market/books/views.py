"""Pages of the books: the index with the review queue, the trial balance (科目余额表), ledgers
(明细账), household and buyer statements, receivables by age, the voucher list and each voucher
(记账凭证) with its review, periods (结账), a manual voucher (制单); and a villager's own
statement (/me/statement); the chart of accounts (科目表) and its editing. Each book downloads as CSV
(``?format=csv``) or XLSX (``?format=xlsx``)."""
from __future__ import annotations

import uuid
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import AccountKind, PartyType, RoleName, VoucherSource, VoucherStatus, db

from ..clock import local_today
from ..errors import MarketError
from ..forms import place_errors
from ..weighing.forms import options
from ..labels import select_choices
from ..ledger import chart
from ..ledger import services as ledger
from . import bp, exports, services, tables
from .forms import AccountEditForm, AccountForm, ActionForm, OpenPeriodForm, ReasonForm, VoucherForm

EXPORTS = ("csv", "xlsx")


def _download(table: tables.Table):
    kind = request.args.get("format")
    if kind not in EXPORTS:
        return None
    return exports.download(kind, table.filename, table.sheet, table.header, table.rows(), table.totals,
                            title=table.title)


def _can_review() -> bool:
    return current_user.has_role(RoleName.ACCOUNTANT)


def _month_arg(name: str = "period") -> services.Month:
    value = request.args.get(name)
    try:
        return services.Month.parse(value) if value else services.Month.current()
    except MarketError:
        return services.Month.current()


# --- index ----------------------------------------------------------------------------------------

@bp.route("/books/")
@login_required
def index():
    queue = services.review_queue(current_user)
    periods = services.periods(current_user)[:6]
    return render_template("books/index.html", queue=queue, periods=periods, month=services.Month.current())


# --- trial balance --------------------------------------------------------------------------------

@bp.route("/books/trial-balance")
@login_required
def trial_balance():
    month = _month_arg()
    book = services.trial_balance(current_user, month)
    return _download(tables.trial_balance(book)) or render_template("books/trial_balance.html", book=book)


# --- account ledger -------------------------------------------------------------------------------

@bp.route("/books/ledger")
@login_required
def account_ledger():
    accounts = services.accounts(current_user)
    code = request.args.get("account") or "2202"
    account = next((a for a in accounts if a.code == code), accounts[0] if accounts else None)
    if account is None:
        return render_template("books/ledger.html", book=None, accounts=accounts, parties=[], args={})
    party_id = request.args.get("party_id", type=int)
    end = _month_arg("to")
    start = _month_arg("from") if request.args.get("from") else services.Month(end.year, 1)
    if end < start:
        start, end = end, start
    party_type = account.party_type if party_id and account.party_type is not PartyType.NONE else None
    if request.args.get("format") in EXPORTS:  # streamed from the database, never all in memory
        head = services.ledger_range(current_user, account, party_type, party_id if party_type else None, start, end)
        return _download(tables.account_ledger(head))
    book = services.account_ledger(current_user, account, party_type, party_id if party_type else None, start, end)
    args = {"account": account.code, "party_id": party_id or "", "from": str(start), "to": str(end)}
    return render_template(
        "books/ledger.html", book=book, accounts=accounts, parties=services.ledger_parties(current_user, account),
        args=args)


# --- household statements -------------------------------------------------------------------------

def _range_args() -> tuple[str, str]:
    today = local_today()
    return request.args.get("from") or f"{today.year}-01-01", request.args.get("to") or f"{today.year}-12-31"


@bp.route("/books/households")
@login_required
def household_statement():
    households = services.households(current_user)
    household_id = request.args.get("household_id", type=int)
    start, end = _range_args()
    statement = None
    if household_id:
        household = services.get_household(current_user, household_id)
        try:
            statement = services.household_statement(current_user, household, start, end)
        except MarketError as exc:
            flash(exc.text(), "error")
            statement = services.household_statement(current_user, household)
        download = _download(tables.household_statement(statement))
        if download is not None:
            return download
    return render_template("books/household_statement.html", households=households, statement=statement,
                           household_id=household_id, start=start, end=end)


@bp.route("/me/statement")
@login_required
def my_statement():
    """A villager's own statement: this year by default, or one chosen month (斤 and 元/斤)."""
    if not current_user.has_role(RoleName.VILLAGER) or current_user.household_id is None:
        abort(403)
    household = services.get_household(current_user, current_user.household_id)
    month_text = request.args.get("month") or ""
    month = None
    if month_text:
        try:
            month = services.Month.parse(month_text, "month")
        except MarketError as exc:
            flash(exc.text(), "error")
    if month is not None:
        statement = services.household_statement(current_user, household, month.first_day, month.last_day)
    else:
        year = local_today().year
        statement = services.household_statement(current_user, household, date(year, 1, 1), date(year, 12, 31))
    return render_template("books/my_statement.html", statement=statement, month=month,
                           months=_recent_months(statement.end.year))


def _recent_months(year: int) -> list[services.Month]:
    today = services.Month.current()
    return [services.Month(year, m) for m in range(1, 13) if services.Month(year, m) <= today]


# --- buyers ---------------------------------------------------------------------------------------

def _as_of_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("as_of") or "")
    except ValueError:
        return local_today()


@bp.route("/books/buyers")
@login_required
def receivables():
    buyers = services.buyers(current_user)
    buyer_id = request.args.get("buyer_id", type=int)
    as_of = _as_of_arg()
    statement = None
    if buyer_id:
        statement = services.buyer_statement(current_user, services.get_buyer(current_user, buyer_id), as_of)
        download = _download(tables.buyer_statement(statement))
        if download is not None:
            return download
    report = services.receivables_ageing(current_user, as_of)
    return render_template("books/buyers.html", buyers=buyers, statement=statement, report=report,
                           buyer_id=buyer_id, as_of=as_of, bucket_names=_bucket_names())


@bp.route("/books/ageing")
@login_required
def ageing():
    report = services.receivables_ageing(current_user, _as_of_arg())
    return _download(tables.ageing(report)) or redirect(url_for("books.receivables", as_of=report.as_of))


def _bucket_names() -> dict[str, str]:
    return {"current": _("Not yet due"), "1-30": _("1–30 days"), "31-60": _("31–60 days"),
            "61-90": _("61–90 days"), "over_90": _("Over 90 days")}


# --- vouchers -------------------------------------------------------------------------------------

@bp.route("/books/vouchers")
@login_required
def vouchers():
    every = request.args.get("period") == "all"  # e.g. everything waiting for review, whatever its month
    month = _month_arg()
    status = request.args.get("status") or None
    if status not in {s.value for s in VoucherStatus}:
        status = None
    if request.args.get("format") in EXPORTS:  # streamed from the database, never all in memory
        lines = services.VoucherLines(current_user, None if every else month, status)
        return _download(tables.voucher_list("all" if every else month, lines))
    items = services.voucher_list(current_user, None if every else month, status)
    names = services.party_names((line.party_type, line.party_id) for v in items for line in v.lines)
    return render_template("books/vouchers.html", vouchers=items, month=month, every=every, status=status,
                           names=names, statuses=list(VoucherStatus), period=None if every else month.period(),
                           total=services.voucher_total)


def _source_url(voucher) -> str | None:
    """Where the voucher came from: its settlement, payment or the voucher it reverses."""
    if voucher.source is VoucherSource.REVERSAL and voucher.reverses_id:
        return url_for("books.voucher", voucher_id=voucher.reverses_id)
    if voucher.source_id is None:
        return None
    candidates = {VoucherSource.SETTLEMENT: ("settlements.show_settlement", "settlement_id"),
                  VoucherSource.PAYMENT: ("payments.show_payment", "payment_id"),
                  VoucherSource.INPUT_CREDIT: ("input_credits.input_credits", None),
                  VoucherSource.DEPOSIT: ("deposits.deposits_page", None)}
    endpoint, arg = candidates.get(voucher.source, (None, None))
    if endpoint in current_app.view_functions:  # the settlement pages may not be installed
        return url_for(endpoint, **({arg: voucher.source_id} if arg else {}))
    return None


@bp.route("/books/vouchers/<int:voucher_id>")
@login_required
def voucher(voucher_id: int):
    found = services.get_voucher(current_user, voucher_id)
    return _voucher_page(found, ReasonForm(prefix="reject"), ReasonForm(prefix="reverse"))


def _voucher_page(found, reject_form, reverse_form, status: int = 200):
    names = services.party_names((line.party_type, line.party_id) for line in found.lines)
    reviewer = _can_review()
    generated = ledger.is_generated(found)  # changed only through its settlement or payment
    return render_template(
        "books/voucher.html", voucher=found, names=names, total=services.voucher_total(found),
        reversal=services.reversal_of(found), source_url=_source_url(found), action=ActionForm(),
        reject_form=reject_form, reverse_form=reverse_form,
        can_approve=reviewer and found.status is VoucherStatus.PREPARED and found.prepared_by_id != current_user.id,
        generated=generated,
        can_reject=reviewer and not generated and found.status in (VoucherStatus.PREPARED, VoucherStatus.APPROVED),
        can_post=reviewer and found.status is VoucherStatus.APPROVED,
        can_reverse=(reviewer and not generated and found.status is VoucherStatus.POSTED and found.reverses_id is None
                     and services.reversal_of(found) is None)), status


def _act(voucher_id: int, action, success: str):
    found = services.get_voucher(current_user, voucher_id)
    try:
        result = action(found)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
        return redirect(url_for("books.voucher", voucher_id=voucher_id))
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("books.voucher", voucher_id=getattr(result, "id", voucher_id)))


@bp.route("/books/vouchers/<int:voucher_id>/approve", methods=["POST"])
@login_required
def approve_voucher(voucher_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(voucher_id, lambda v: ledger.approve(current_user, v), _("Voucher approved."))


@bp.route("/books/vouchers/<int:voucher_id>/post", methods=["POST"])
@login_required
def post_voucher(voucher_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(voucher_id, lambda v: ledger.post(current_user, v), _("Voucher posted."))


@bp.route("/books/vouchers/<int:voucher_id>/reject", methods=["POST"])
@login_required
def reject_voucher(voucher_id: int):
    form = ReasonForm(prefix="reject")
    if not form.validate_on_submit():
        found = services.get_voucher(current_user, voucher_id)
        return _voucher_page(found, form, ReasonForm(prefix="reverse"), 422)
    return _act(voucher_id, lambda v: ledger.reject(current_user, v, form.reason.data), _("Voucher rejected."))


@bp.route("/books/vouchers/<int:voucher_id>/reverse", methods=["POST"])
@login_required
def reverse_voucher(voucher_id: int):
    form = ReasonForm(prefix="reverse")
    if not form.validate_on_submit():
        found = services.get_voucher(current_user, voucher_id)
        return _voucher_page(found, ReasonForm(prefix="reject"), form, 422)
    return _act(voucher_id, lambda v: ledger.reverse(current_user, v, reason=form.reason.data,
                                                     voucher_date=local_today(),
                                                     idempotency_key=ledger.reversal_key(v)),
                _("Reversal (红字) prepared; it goes through review like any voucher."))


# --- manual voucher (制单) ------------------------------------------------------------------------

def _party_choices():
    households = services.households(current_user)
    buyers = services.buyers(current_user)
    return options([("", _("No party"))] + [(f"household:{h.id}", f"{_('Household')} · {h.head_name}")
                                             for h in households]
                   + [(f"buyer:{b.id}", f"{_('Buyer')} · {b.name}") for b in buyers])


@bp.route("/books/vouchers/new", methods=["GET", "POST"])
@login_required
def new_voucher():
    if not _can_review():
        abort(403)
    form = VoucherForm()
    account_choices = options([("", "—")] + [(a.code, f"{a.code} {a.name}") for a in services.accounts(current_user)
                                             if a.active])
    parties = _party_choices()
    for entry in form.lines:
        entry.account.choices = account_choices
        entry.party.choices = parties
    general: list[str] = []
    if request.method == "GET":
        form.voucher_date.data = local_today()
        form.key.data = uuid.uuid4().hex
    elif form.validate_on_submit():
        lines = []
        for entry in form.lines:
            if not (entry.account.data or (entry.debit.data or "").strip() or (entry.credit.data or "").strip()):
                continue
            party_type, _sep, party_id = (entry.party.data or "").partition(":")
            lines.append(ledger.LineInput(entry.account.data or "", debit=(entry.debit.data or "").strip() or 0,
                                          credit=(entry.credit.data or "").strip() or 0,
                                          party_type=party_type or PartyType.NONE,
                                          party_id=int(party_id) if party_id.isdigit() else None,
                                          memo=entry.memo.data or ""))
        try:
            created = ledger.prepare_voucher(current_user, voucher_date=form.voucher_date.data,
                                             summary=form.summary.data, lines=lines,
                                             idempotency_key=f"manual:{form.key.data or uuid.uuid4().hex}",
                                             attachments=form.attachments.data or 0)
        except MarketError as exc:
            db.session.rollback()
            general = place_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Voucher prepared; another accountant approves it."), "success")
            return redirect(url_for("books.voucher", voucher_id=created.id))
    status = 422 if request.method == "POST" else 200
    return render_template("books/voucher_form.html", form=form, general=general), status


# --- periods --------------------------------------------------------------------------------------

@bp.route("/books/periods", methods=["GET", "POST"])
@login_required
def periods():
    form = OpenPeriodForm()
    if request.method == "POST":
        if not _can_review():
            abort(403)
        if form.validate_on_submit():
            try:
                period = services.open_period(current_user, form.month.data)
            except MarketError as exc:
                db.session.rollback()
                place_errors(form, exc, {"period": "month"})
            else:
                db.session.commit()
                flash(_("Period %(period)s is open.", period=str(period)), "success")
                return redirect(url_for("books.periods"))
    items = services.periods(current_user)
    return render_template("books/periods.html", periods=items, form=form, action=ActionForm(),
                           reopen_form=ReasonForm(prefix="reopen"), can_close=_can_review(),
                           waiting=_waiting_by_period()), 422 if form.errors else 200


def _waiting_by_period() -> dict[int, int]:
    from sqlalchemy import func, select
    from models import Voucher
    rows = db.session.execute(select(Voucher.period_id, func.count()).where(
        Voucher.status.in_([VoucherStatus.PREPARED, VoucherStatus.APPROVED])).group_by(Voucher.period_id))
    return dict(rows.all())


@bp.route("/books/periods/<int:period_id>/close", methods=["POST"])
@login_required
def close_period(period_id: int):
    period = services.get_period(current_user, period_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        ledger.close_period(current_user, period)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(_("Period %(period)s is closed.", period=str(period)), "success")
    return redirect(url_for("books.periods"))


@bp.route("/books/periods/<int:period_id>/reopen", methods=["POST"])
@login_required
def reopen_period(period_id: int):
    period = services.get_period(current_user, period_id)
    form = ReasonForm(prefix="reopen")
    if not form.validate_on_submit():
        flash(_("Say why the period is reopened."), "error")
        return redirect(url_for("books.periods"))
    try:
        ledger.reopen_period(current_user, period, form.reason.data)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(_("Period %(period)s is open again.", period=str(period)), "success")
    return redirect(url_for("books.periods"))


# --- chart of accounts (科目表) -------------------------------------------------------------------

def _kind_choices():
    return select_choices(AccountKind)


def _party_type_choices():
    return select_choices(PartyType)


def _accounts_page(form: AccountForm, general: list[str] | None = None, status: int = 200):
    rows = chart.rows(current_user)
    edit_forms = {}
    for row in rows:
        edit = AccountEditForm(prefix=f"a{row.account.id}", formdata=None, data={
            "name": row.account.name, "party_type": row.account.party_type.value})
        edit.party_type.choices = _party_type_choices()
        edit_forms[row.account.id] = edit
    return render_template("books/accounts.html", rows=rows, form=form, general=general or [],
                           edit_forms=edit_forms, action=ActionForm(), can_edit=_can_review()), status


def _account_form() -> AccountForm:
    form = AccountForm()
    form.kind.choices = _kind_choices()
    form.party_type.choices = _party_type_choices()
    return form


@bp.route("/books/accounts", methods=["GET", "POST"])
@login_required
def accounts():
    """The chart (科目表) with each account's posted balance; accountants add accounts here."""
    form = _account_form()
    if request.method == "GET":
        return _accounts_page(form)
    if not _can_review():
        abort(403)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            created = chart.create_account(current_user, code=form.code.data, name=form.name.data,
                                           kind=form.kind.data, party_type=form.party_type.data or PartyType.NONE)
        except MarketError as exc:
            db.session.rollback()
            general = place_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Account %(account)s added.", account=str(created)), "success")
            return redirect(url_for("books.accounts", _anchor=f"account-{created.code}"))
    return _accounts_page(form, general, 422)


def _account_action(account_id: int, action, success: str):
    account = chart.get(current_user, account_id)
    try:
        action(account)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(success % {"account": str(account)}, "success")
    return redirect(url_for("books.accounts", _anchor=f"account-{account.code}"))


@bp.route("/books/accounts/<int:account_id>/edit", methods=["POST"])
@login_required
def edit_account(account_id: int):
    """Rename; change 辅助核算 while no voucher uses the account."""
    if not _can_review():
        abort(403)
    account = chart.get(current_user, account_id)
    form = AccountEditForm(prefix=f"a{account.id}")
    form.party_type.choices = _party_type_choices()
    if not form.validate_on_submit():
        flash(_("Name the account (at most 64 characters)."), "error")
        return redirect(url_for("books.accounts", _anchor=f"account-{account.code}"))

    def edit(found):
        chart.rename_account(current_user, found, form.name.data)
        if form.party_type.data and form.party_type.data != found.party_type.value:
            chart.set_party_type(current_user, found, form.party_type.data)

    return _account_action(account_id, edit, _("Account %(account)s saved."))


@bp.route("/books/accounts/<int:account_id>/deactivate", methods=["POST"])
@login_required
def deactivate_account(account_id: int):
    if not _can_review():
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _account_action(account_id, lambda a: chart.deactivate(current_user, a),
                           _("Account %(account)s is inactive: new vouchers cannot use it."))


@bp.route("/books/accounts/<int:account_id>/reactivate", methods=["POST"])
@login_required
def reactivate_account(account_id: int):
    if not _can_review():
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _account_action(account_id, lambda a: chart.reactivate(current_user, a),
                           _("Account %(account)s is active again."))
