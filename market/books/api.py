"""JSON API of the books: trial balance, ledgers, statements, ageing, vouchers through review,
periods and the chart of accounts. Accountants act; accountants and admins read; a villager reads
only their own household's statement."""
from __future__ import annotations

import uuid

from flask import Response, request
from flask_login import current_user

from models import RoleName, db

from ..api import Blueprint, creates, page_schema, paginate, roles_first
from ..clock import local_today
from ..ledger import chart
from ..ledger import services as ledger
from . import ageing, common, ledgers, period_reports, periods, printing, statements, trial_balance, vat, vouchers
from .schemas import (AccountCreateSchema, AccountLedgerSchema, AccountSchema, AccountUpdateSchema, AgeingSchema,
                      AsOfArgsSchema, BalanceSheetSchema, BuyerStatementSchema, HouseholdStatementSchema,
                      IncomeStatementSchema, JournalArgsSchema, JournalSchema, LedgerArgsSchema,
                      PartyBalancesArgsSchema, PartyBalancesSchema, PeriodCreateSchema, PeriodReasonSchema, PeriodSchema, RangeArgsSchema, ReversalCreateSchema,
                      TrialBalanceArgsSchema, TrialBalanceSchema, VatSummarySchema, VoucherCreateSchema,
                      VoucherListArgsSchema, VoucherReasonSchema, VoucherSchema)

URL_PREFIX = ""
blp = Blueprint("books_api", __name__,
                description="The books: trial balance (科目余额表), ledgers (明细账), statements (对账单), "
                            "receivables by age, vouchers (记账凭证) through review, periods (结账)")


# --- books -----------------------------------------------------------------------------------------

@blp.route("/books/trial-balance")
@roles_first(*common.READERS)
@blp.arguments(TrialBalanceArgsSchema, location="query")
@blp.response(200, TrialBalanceSchema)
def get_trial_balance(args):
    """科目余额表 of a month (default this month) from posted vouchers; totals balance."""
    return trial_balance.trial_balance(current_user, args["period"])


@blp.route("/books/vat-summary")
@roles_first(*common.READERS)
@blp.arguments(TrialBalanceArgsSchema, location="query")
@blp.response(200, VatSummarySchema)
def get_vat_summary(args):
    """增值税 summary of a month (default this month) from posted vouchers: sales and output VAT by rate,
    exempt sales with their basis, input VAT by source, transfers out, tax payable or credit carried forward."""
    return vat.vat_summary_of(current_user, args["period"])


@blp.route("/books/income-statement")
@roles_first(*common.READERS)
@blp.arguments(TrialBalanceArgsSchema, location="query")
@blp.response(200, IncomeStatementSchema)
def get_income_statement(args):
    """利润表 (会小企02) of a month (default this month): each line with its 行次, 本月金额 and 本年累计金额,
    from the posted 损益类 lines other than the period-end carry-forward."""
    return period_reports.income_statement_of(current_user, args["period"])


@blp.route("/books/balance-sheet")
@roles_first(*common.READERS)
@blp.arguments(TrialBalanceArgsSchema, location="query")
@blp.response(200, BalanceSheetSchema)
def get_balance_sheet(args):
    """资产负债表 (会小企01) at the end of a month (default this month): 期末余额 and 年初余额, 往来
    grossed up by party."""
    return period_reports.balance_sheet_of(current_user, args["period"])


@blp.route("/books/journal")
@roles_first(*common.READERS)
@blp.arguments(JournalArgsSchema, location="query")
@blp.response(200, JournalSchema)
def get_journal(args):
    """现金日记账 (1001) or 银行存款日记账 (1002, or one bank account below it) of a month: opening, each
    posted line with its running balance, day by day with each day's totals."""
    return period_reports.journal_of(current_user, args["account"], args["period"])


@blp.route("/books/party-balances")
@roles_first(*common.READERS)
@blp.arguments(PartyBalancesArgsSchema, location="query")
@blp.response(200, PartyBalancesSchema)
def get_party_balances(args):
    """辅助核算余额表 of a month by household or by buyer: per party and account, opening, the month's
    debits and credits, closing."""
    return period_reports.party_balances_of(current_user, args["party_type"], args["period"])


@blp.route("/books/ledger")
@roles_first(*common.READERS)
@blp.arguments(LedgerArgsSchema, location="query")
@blp.response(200, AccountLedgerSchema)
def get_ledger(args):
    """明细账 of an account, optionally for one party, over months ``from``..``to`` (default: this year
    to this month): opening, each posted line with its running balance, closing."""
    account = ledgers.get_account(current_user, args["account"])
    return ledgers.account_ledger(current_user, account, args["party_type"], args["party_id"], args["from_"],
                                  args["to"])


@blp.route("/books/ageing")
@roles_first(*common.READERS)
@blp.arguments(AsOfArgsSchema, location="query")
@blp.response(200, AgeingSchema)
def get_ageing(args):
    """Receivables by age (账龄分析) per buyer at ``as_of`` (default today)."""
    return ageing.receivables_ageing(current_user, args["as_of"])


@blp.route("/households/<int:household_id>/statement")
@roles_first(*common.READERS, RoleName.VILLAGER)
@blp.arguments(RangeArgsSchema, location="query")
@blp.response(200, HouseholdStatementSchema)
def get_household_statement(args, household_id: int):
    """对账单 of a household (a villager: only their own) from ``from`` to ``to`` (default this year)."""
    household = statements.get_household(current_user, household_id)
    return statements.household_statement(current_user, household, args["from_"], args["to"])


@blp.route("/buyers/<int:buyer_id>/statement")
@roles_first(*common.READERS)
@blp.arguments(AsOfArgsSchema, location="query")
@blp.response(200, BuyerStatementSchema)
def get_buyer_statement(args, buyer_id: int):
    """A buyer's posted settlements with due dates, what was received, days overdue and age; receipts."""
    buyer = statements.get_buyer(current_user, buyer_id)
    return statements.buyer_statement(current_user, buyer, args["as_of"])


@blp.route("/accounts")
@blp.response(200, AccountSchema(many=True))
def list_accounts():
    """The chart of accounts (科目表)."""
    return ledgers.accounts(current_user)


@blp.route("/accounts", methods=["POST"])
@roles_first(*ledger.ACCOUNTANTS)
@creates
@blp.arguments(AccountCreateSchema)
@blp.response(201, AccountSchema)
def create_account(body):
    """Add an account to the chart (accountants). Code: four digits, or an existing account's code and
    two more digits; unique. Send an Idempotency-Key to retry safely."""
    return chart.create_account(current_user, code=body["code"], name=body["name"], kind=body["kind"],
                                party_type=body["party_type"])


@blp.route("/accounts/<int:account_id>", methods=["PATCH"])
@roles_first(*ledger.ACCOUNTANTS)
@blp.arguments(AccountUpdateSchema)
@blp.response(200, AccountSchema)
@blp.alt_response(409, description="conflict: the party type is fixed, or the account cannot be deactivated now")
def update_account(body, account_id: int):
    """Rename an account, change its 辅助核算 (until a voucher uses it), deactivate or reactivate it."""
    account = chart.get(current_user, account_id)
    if "name" in body:
        chart.rename_account(current_user, account, body["name"])
    if "party_type" in body:
        chart.set_party_type(current_user, account, body["party_type"])
    if "active" in body:
        (chart.reactivate if body["active"] else chart.deactivate)(current_user, account)
    db.session.commit()
    return account


# --- vouchers --------------------------------------------------------------------------------------

@blp.route("/vouchers")
@roles_first(*common.READERS)
@blp.arguments(VoucherListArgsSchema, location="query")
@blp.response(200, page_schema(VoucherSchema))
def list_vouchers(args):
    """Vouchers, posted ones in number order first; filter by period (YYYY-MM) and status."""
    return paginate(vouchers.voucher_query(current_user, args["period"], args["status"]), args)


@blp.route("/vouchers/<int:voucher_id>")
@blp.response(200, VoucherSchema)
def get_voucher(voucher_id: int):
    return vouchers.get_voucher(current_user, voucher_id)


@blp.route("/vouchers/<int:voucher_id>/pdf")
@blp.response(200, content_type="application/pdf", description="The voucher on paper (记账凭证), a PDF")
def get_voucher_pdf(voucher_id: int):
    """The voucher printed as the standard 记账凭证: five lines a sheet with 承前页/过次页, 合计 in 大写 and
    the signatures; ``?paper=voucher`` (241×140 mm) or ``a4`` (two sheets to an A4 page)."""
    voucher = vouchers.get_voucher(current_user, voucher_id)
    pdf = printing.voucher_pdf(current_user, voucher, printing.paper_choice(request.args.get("paper")))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="voucher-{voucher_id}.pdf"'})


@blp.route("/vouchers", methods=["POST"])
@roles_first(*ledger.PREPARERS)
@creates
@blp.arguments(VoucherCreateSchema)
@blp.response(201, VoucherSchema)
def create_voucher(body):
    """制单: a manual voucher, balanced to the fen, awaiting 审核 by another accountant.

    Send an Idempotency-Key: a retry with the same body returns the same voucher."""
    key = (request.headers.get("Idempotency-Key") or "").strip() or uuid.uuid4().hex
    lines = [ledger.LineInput(line["account_code"], debit=line["debit"], credit=line["credit"],
                              party_type=line["party_type"], party_id=line["party_id"], memo=line["memo"])
             for line in body["lines"]]
    return ledger.prepare_voucher(current_user, voucher_date=body["voucher_date"], summary=body["summary"],
                                  lines=lines, idempotency_key=f"api:{current_user.id}:{key}",
                                  attachments=body["attachments"])


def _step(voucher_id: int, action, *args, **kwargs):
    voucher = vouchers.get_voucher(current_user, voucher_id)
    result = action(current_user, voucher, *args, **kwargs)
    db.session.commit()
    return result


@blp.route("/vouchers/<int:voucher_id>/approve", methods=["POST"])
@roles_first(*ledger.ACCOUNTANTS)
@blp.response(200, VoucherSchema)
@blp.alt_response(403, description="forbidden: the preparer cannot approve their own voucher")
def approve_voucher(voucher_id: int):
    """审核: prepared → approved, by an accountant other than the preparer; exactly once."""
    return _step(voucher_id, ledger.approve)


@blp.route("/vouchers/<int:voucher_id>/reject", methods=["POST"])
@roles_first(*ledger.ACCOUNTANTS)
@blp.arguments(VoucherReasonSchema)
@blp.response(200, VoucherSchema)
def reject_voucher(body, voucher_id: int):
    """Reject a prepared or approved voucher, with the reason."""
    return _step(voucher_id, ledger.reject, body["reason"])


@blp.route("/vouchers/<int:voucher_id>/post", methods=["POST"])
@roles_first(*ledger.ACCOUNTANTS)
@blp.response(200, VoucherSchema)
def post_voucher(voucher_id: int):
    """记账: approved → posted; the next number of the period is given; exactly once."""
    return _step(voucher_id, ledger.post)


@blp.route("/vouchers/<int:voucher_id>/reverse", methods=["POST"])
@roles_first(*ledger.ACCOUNTANTS)
@blp.arguments(ReversalCreateSchema)
@blp.response(201, VoucherSchema)
def reverse_voucher(body, voucher_id: int):
    """红字冲销: prepare the red voucher that nets every line of a posted voucher to zero. It goes
    through review like any other; a voucher is reversed once, and a reversal is never reversed."""
    voucher = vouchers.get_voucher(current_user, voucher_id)
    red = ledger.reverse(current_user, voucher, reason=body["reason"],
                         voucher_date=body["voucher_date"] or local_today(), idempotency_key=ledger.reversal_key(voucher))
    db.session.commit()
    return red


# --- periods ---------------------------------------------------------------------------------------

@blp.route("/periods")
@blp.response(200, PeriodSchema(many=True))
def list_periods():
    """Periods (会计期间), newest first."""
    return periods.periods(current_user)


@blp.route("/periods", methods=["POST"])
@roles_first(*ledger.ACCOUNTANTS)
@creates
@blp.arguments(PeriodCreateSchema)
@blp.response(201, PeriodSchema)
def create_period(body):
    """Open the period of a month (an existing one is returned as it is)."""
    return periods.open_period(current_user, body["period"])


@blp.route("/periods/<int:period_id>/carry-forward", methods=["POST"])
@roles_first(*ledger.ACCOUNTANTS)
@blp.response(201, VoucherSchema(many=True))
def prepare_closing(period_id: int):
    """期末结转: prepare the vouchers transferring the month's unpaid VAT (a credit balance of 222101 to
    222102), carrying the month's 损益类 balances to 3103 本年利润 (and, in
    December, 本年利润 to 3104 利润分配) for review by another accountant. Refused while vouchers of the
    period wait or while a carry-forward waits; an empty list when nothing is left to carry."""
    period = periods.get_period(current_user, period_id)
    prepared = ledger.prepare_closing(current_user, period)
    db.session.commit()
    return prepared


@blp.route("/periods/<int:period_id>/close", methods=["POST"])
@roles_first(*ledger.CLOSERS)
@blp.response(200, PeriodSchema)
def close_period(period_id: int):
    """结账: refused while vouchers of the period wait for review, or while a 损益类 account (in December
    also 3103 本年利润) does not net to zero: carry forward first; balances are snapshotted."""
    period = periods.get_period(current_user, period_id)
    ledger.close_period(current_user, period)
    db.session.commit()
    return period


@blp.route("/periods/<int:period_id>/reopen", methods=["POST"])
@roles_first(*ledger.CLOSERS)
@blp.arguments(PeriodReasonSchema)
@blp.response(200, PeriodSchema)
def reopen_period(body, period_id: int):
    """Reopen a closed period, with the reason (audited); the red reversal of its carry-forward is
    prepared for review."""
    period = periods.get_period(current_user, period_id)
    ledger.reopen_period(current_user, period, body["reason"])
    db.session.commit()
    return period
