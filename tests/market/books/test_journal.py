"""The 银行存款日记账 per bank account (a sub-account of 1002) and for all of them together."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from market.books import period_reports
from market.ledger import chart
from market.ledger.services import LineInput
from models import db
from tests.market.ledger.test_period_end import book, books  # noqa: F401  (fixtures and helpers)


def test_the_bank_journal_runs_per_bank_account_and_for_all_of_them(books):
    for code, name in (("100201", "工商银行渭城支行"), ("100202", "渭城农商银行")):
        chart.create_account(books["preparer"], code=code, name=name, kind="asset")
    db.session.commit()
    day = date(2026, 11, 3)
    book(books, "capital", day, [LineInput("100201", debit="1000.00"), LineInput("3001", credit="1000.00")])
    book(books, "move", date(2026, 11, 5), [LineInput("100202", debit="300.00"), LineInput("100201", credit="300.00")])
    book(books, "rent", date(2026, 11, 5), [LineInput("5601", debit="50.00"), LineInput("100202", credit="50.00")])
    icbc = period_reports.journal_of(books["reviewer"], "100201", "2026-11")
    assert icbc.title == "银行存款日记账"
    assert [(e.day.day, e.counterpart, e.debit, e.credit, e.balance) for d in icbc.days for e in d.entries] == [
        (3, "实收资本", Decimal("1000.00"), 0, Decimal("1000.00")),
        (5, "渭城农商银行", 0, Decimal("300.00"), Decimal("700.00"))]
    both = period_reports.journal_of(books["reviewer"], "1002", "2026-11")
    # on top of the ¥10,000.00 the fixture's capital put in 1002 in January
    assert both.opening == Decimal("10000.00")
    assert [(d.day.day, d.debit, d.credit, d.balance) for d in both.days] == [
        (3, Decimal("1000.00"), 0, Decimal("11000.00")), (5, Decimal("300.00"), Decimal("350.00"), Decimal("10950.00"))]
    assert period_reports.journal_of(books["reviewer"], "100202", "2026-12").opening == Decimal("250.00")
