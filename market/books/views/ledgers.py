"""Pages of the trial balance (科目余额表) and of an account's ledger (明细账)."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from ...units import Money
from .. import ledgers, periods as book_periods, tables, trial_balance as book_trial_balance, vat
from .blueprint import bp
from .common import EXPORTS, month_arg, send_table


@bp.route("/books/trial-balance")
@login_required
def trial_balance():
    month = month_arg()
    book = book_trial_balance.trial_balance(current_user, month)
    return send_table(tables.trial_balance(book)) or render_template("books/trial_balance.html", book=book)


@bp.route("/books/vat-summary")
@login_required
def vat_summary():
    report = vat.vat_summary_of(current_user, month_arg())
    return send_table(tables.vat_summary(report)) or render_template(
        "books/vat_summary.html", report=report, s=report.summary, yuan=lambda fen: Money.from_fen(fen).yuan)


@bp.route("/books/ledger")
@login_required
def account_ledger():
    accounts = ledgers.accounts(current_user)
    code = request.args.get("account") or "2202"
    account = next((a for a in accounts if a.code == code), accounts[0] if accounts else None)
    if account is None:
        return render_template("books/ledger.html", book=None, accounts=accounts, parties=[], args={})
    party_type, party_id = ledgers.parse_party(account, request.args.get("party_id"))
    end = month_arg("to")
    start = month_arg("from") if request.args.get("from") else book_periods.Month(end.year, 1)
    if end < start:
        start, end = end, start
    if request.args.get("format") in EXPORTS:  # streamed from the database, never all in memory
        head = ledgers.ledger_range(current_user, account, party_type, party_id, start, end)
        return send_table(tables.account_ledger(head))
    # a page at a time (keyset: after the last line shown), so the page costs the same in any year
    book = ledgers.ledger_page(current_user, account, party_type, party_id, start, end, request.args.get("after"))
    chosen = "" if party_id is None else str(party_id) if party_type is account.party_type \
        else f"{party_type.value}:{party_id}"
    args = {"account": account.code, "party_id": chosen, "from": str(start), "to": str(end)}
    return render_template(
        "books/ledger.html", book=book, accounts=accounts, parties=ledgers.ledger_parties(current_user, account),
        args=args)
