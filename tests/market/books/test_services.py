"""Statements, the trial balance, ledgers and ageing read exactly what the books hold."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from market.books import ageing as book_ageing, common, ledgers, statements, trial_balance, vouchers
from market.errors import PermissionDenied, ValidationFailed
from market.ledger import services as ledger
from models import PartyType, VoucherStatus, WeighSlip, db

from .conftest import SETTLED_ON, post_waiting_vouchers


def ledger_balance(code, party_type, party_id):
    """Debit-positive balance of an account for one party over every posted voucher."""
    account = ledger.account(code)
    total = Decimal(0)
    for account_id, t, p, debit, credit in ledger.posted_totals():
        if account_id == account.id and t is party_type and p == party_id:
            total += common.yuan(debit) - common.yuan(credit)
    return total


def test_aggregates_over_money_columns_come_back_as_yuan(all_posted):
    rows = ledger.posted_totals()
    assert rows and all(isinstance(d, Decimal) and isinstance(c, Decimal) for *_k, d, c in rows)
    assert common.yuan(1234) == Decimal("12.34")


def test_the_household_statement_closes_at_its_ledger_balance(all_posted, accountant, zhang):
    statement = statements.household_statement(accountant, zhang, "2026-01-01", "2026-12-31")
    line = next(l for l in all_posted.settlement.households if l.household_id == zhang.id)
    assert statement.opening == 0
    assert statement.delivered == line.gross == sum(row.amount for row in statement.deliveries)
    assert [row.amount for row in statement.payments] == [Decimal("500.00"), Decimal("100.00")]
    assert statement.closing == line.gross - line.recovered_advances - line.recovered_input_credit - Decimal("600.00")
    # 2202 应付账款 is a credit balance: the household is owed what the statement says
    assert -ledger_balance("2202", PartyType.HOUSEHOLD, zhang.id) == statement.closing
    assert statement.deliveries[0].slip_serials and statement.deliveries[0].grade == "一级"
    assert statement.pending == []


def test_a_statement_from_a_later_start_opens_with_what_was_owed(all_posted, accountant, zhang):
    whole = statements.household_statement(accountant, zhang, "2026-01-01", "2026-12-31")
    october = statements.household_statement(accountant, zhang, "2026-10-01", "2026-10-31")
    assert october.deliveries == [] and len(october.payments) == 1
    assert october.opening == whole.opening + whole.delivered - Decimal("500.00")
    assert october.closing == whole.closing


def test_weighed_but_unsettled_deliveries_are_listed_apart(received, accountant):
    slip = db.session.scalars(select(WeighSlip).order_by(WeighSlip.id)).first()
    statement = statements.household_statement(accountant, slip.household, "2026-01-01", "2026-12-31")
    assert [row.serial for row in statement.pending] == [slip.serial]
    assert statement.pending_amount == slip.amount and statement.closing == 0


def test_a_villager_reads_only_their_own_statement(all_posted, zhang, zhang_villager, villager, coordinator):
    assert statements.household_statement(zhang_villager, zhang).household.id == zhang.id
    with pytest.raises(PermissionDenied):
        statements.household_statement(villager, zhang)
    with pytest.raises(PermissionDenied):
        statements.household_statement(coordinator, zhang)


def test_the_trial_balance_balances_and_carries_balances_forward(all_posted, accountant):
    august = trial_balance.trial_balance(accountant, "2026-08")
    september = trial_balance.trial_balance(accountant, "2026-09")
    assert august.balanced and september.balanced
    rows = {row.account.code: row for row in september.rows}
    aug_rows = {row.account.code: row for row in august.rows}
    for code, row in rows.items():
        assert row.opening == aug_rows[code].closing
    settlement = all_posted.settlement
    # revenue is the sale net of its output VAT
    assert aug_rows["5001"].credit == settlement.sale_net and aug_rows["5001"].closing_credit == settlement.sale_net
    assert aug_rows["22210102"].credit == settlement.output_vat > 0
    assert settlement.sale_net + settlement.output_vat == settlement.buyer_total
    assert rows["1122"].credit == Decimal("1000.00")
    assert rows["1122"].closing_debit == settlement.buyer_total - Decimal("1000.00")
    assert august.totals["debit"] == august.totals["credit"] > 0
    empty = trial_balance.trial_balance(accountant, "2027-01")
    assert empty.period is None and empty.balanced and empty.total("debit") == 0


def test_only_posted_vouchers_count(paid, accountant, reviewer):
    before = trial_balance.trial_balance(accountant, "2026-09")
    assert {r.account.code: r.credit for r in before.rows}["1122"] == 0  # the receipt waits for review
    post_waiting_vouchers(reviewer)
    after = trial_balance.trial_balance(accountant, "2026-09")
    assert {r.account.code: r.credit for r in after.rows}["1122"] == Decimal("1000.00")


def test_the_account_ledger_runs_its_balance_line_by_line(all_posted, accountant, zhang):
    account = ledger.account("2202")
    book = ledgers.account_ledger(accountant, account, "household", zhang.id, "2026-08", "2026-12")
    assert book.opening == 0 and book.party == "张秀英"
    assert [e.number for e in book.entries][0].startswith("记-")
    running = book.opening
    for entry in book.entries:
        running += entry.debit - entry.credit
        assert entry.balance == running
    assert book.closing == running == ledger_balance("2202", PartyType.HOUSEHOLD, zhang.id)
    assert book.closing_side == "贷" and book.entries[-1].side == "贷"
    later = ledgers.account_ledger(accountant, account, "household", zhang.id, "2026-10", "2026-10")
    assert later.opening == book.entries[1].balance and len(later.entries) == 1


def test_the_whole_account_ledger_names_each_party(all_posted, accountant):
    book = ledgers.account_ledger(accountant, ledger.account("2202"), None, None, "2026-01", "2026-12")
    assert {e.party for e in book.entries} >= {"张秀英", "李桂兰", "王建国"}
    assert book.closing == ledger_balance("2202", PartyType.HOUSEHOLD, None) + sum(
        ledger_balance("2202", PartyType.HOUSEHOLD, h.household_id) for h in all_posted.settlement.households)


def test_buyer_statement_and_ageing_put_what_is_open_in_its_bucket(all_posted, accountant):
    settlement = all_posted.settlement
    buyer = settlement.buyer
    due = settlement.due_on
    assert due is not None
    statement = statements.buyer_statement(accountant, buyer, due)
    row = statement.rows[0]
    assert row.amount == settlement.buyer_total and row.received == Decimal("1000.00")
    assert row.outstanding == settlement.buyer_total - Decimal("1000.00") and row.bucket == "current"
    assert row.days_overdue == 0 and [r.amount for r in statement.receipts] == [Decimal("1000.00")]
    late = statements.buyer_statement(accountant, buyer, date.fromordinal(due.toordinal() + 45))
    assert late.rows[0].days_overdue == 45 and late.rows[0].bucket == "31-60"
    before_payment = statements.buyer_statement(accountant, buyer, SETTLED_ON)
    assert before_payment.rows[0].received == 0 and before_payment.receipts == []
    ageing = book_ageing.receivables_ageing(accountant, date.fromordinal(due.toordinal() + 95))
    assert [r.buyer.id for r in ageing.rows] == [buyer.id]
    assert ageing.rows[0].buckets["over_90"] == row.outstanding == ageing.total
    assert -ledger_balance("1122", PartyType.BUYER, buyer.id) == -row.outstanding


def test_voucher_list_filters_by_period_and_status(paid, accountant):
    august = vouchers.voucher_list(accountant, "2026-08")
    assert august and all(v.status is VoucherStatus.POSTED for v in august)
    assert [v.number for v in august] == list(range(1, len(august) + 1))
    waiting = vouchers.voucher_list(accountant, "2026-09", "prepared")
    assert len(waiting) == 2 and vouchers.review_queue(accountant)["prepared"] == 3
    assert vouchers.voucher_list(accountant, "2030-01") == []


def test_coordinators_do_not_read_the_books(all_posted, coordinator):
    with pytest.raises(PermissionDenied):
        trial_balance.trial_balance(coordinator, "2026-08")


def test_a_parent_account_sums_its_sub_accounts_in_the_trial_balance_and_its_ledger(all_posted, accountant,
                                                                                    reviewer):
    from market.ledger import chart
    from market.ledger.services import LineInput

    before = trial_balance.trial_balance(accountant, "2026-09")

    def spend(code, amount, key):
        voucher = ledger.prepare_voucher(accountant, voucher_date=date(2026, 9, 10), summary=f"销售费用 {code}",
                                         lines=[LineInput(code, debit=amount), LineInput("1002", credit=amount)],
                                         idempotency_key=f"rollup-{key}")
        ledger.approve(reviewer, voucher)
        ledger.post(accountant, voucher)

    spend("5601", "10.00", "own")  # before it was broken down into sub-accounts
    chart.create_account(accountant, code="560101", name="运输费", kind="expense")
    chart.create_account(accountant, code="56010101", name="冷藏车运费", kind="expense")
    chart.create_account(accountant, code="560102", name="包装费", kind="expense")
    for code, amount, key in (("56010101", "300.00", "truck"), ("560102", "45.50", "boxes")):
        spend(code, amount, key)
    # once broken down, the parent takes no lines of its own
    with pytest.raises(ValidationFailed):
        spend("5601", "1.00", "own-again")
    db.session.commit()

    book = trial_balance.trial_balance(accountant, "2026-09")
    rows = {row.account.code: row for row in book.rows}
    assert [(rows[c].level, rows[c].rolled_up) for c in ("5601", "560101", "56010101", "560102", "1002")] == [
        (0, True), (1, True), (2, False), (1, False), (0, False)]
    assert rows["56010101"].debit == rows["560101"].debit == Decimal("300.00")
    assert rows["560102"].debit == Decimal("45.50")
    # the parent holds its own ¥10 and every sub-account's, and the totals count each yuan once
    assert rows["5601"].debit == Decimal("355.50") + {r.account.code: r.debit for r in before.rows}["5601"]
    assert book.balanced
    assert book.totals["debit"] == before.totals["debit"] + Decimal("355.50")
    # the parent's 明细账 reads its sub-accounts' lines too; a sub-account's only its own
    parent = ledgers.account_ledger(accountant, ledger.account("5601"), start_period="2026-09", end_period="2026-09")
    assert {e.summary for e in parent.entries} >= {"销售费用 56010101", "销售费用 560102", "销售费用 5601"}
    child = ledgers.account_ledger(accountant, ledger.account("560101"), start_period="2026-09",
                                   end_period="2026-09")
    assert [e.summary for e in child.entries] == ["销售费用 56010101"]
