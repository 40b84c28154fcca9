"""Months are chosen from a list in the reader's language (2026年8月, or Aug 2026 in English), never
from the browser's own month input, which speaks the browser's language ("December 2026")."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from market.books.periods import Month, month_choices
from models import Period, db

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(re.search(r'value="([^"]*)"', attributes).group(1), text, "selected" in attributes)
            for attributes, text in re.findall(r"<option([^>]*)>([^<]*)</option>", select_html)]


def test_no_page_uses_the_browser_s_month_input():
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
                 if re.search(r"type=[\"']?month", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_trial_balance_month_is_chosen_in_chinese_and_in_english(client, login, accountant, all_posted):
    login(accountant)
    html = client.get("/books/trial-balance?period=2026-08").get_data(as_text=True)
    options = _options(html, "period")
    assert ("2026-08", "2026年8月", True) in options
    assert [o for o in options if o[2]] == [("2026-08", "2026年8月", True)]
    values = [o[0] for o in options]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    assert str(Month.current()) in values  # this month is always there, even before its first voucher
    client.post("/lang/en")
    english = _options(client.get("/books/trial-balance?period=2026-08").get_data(as_text=True), "period")
    assert ("2026-08", "Aug 2026", True) in english


def test_a_month_asked_for_in_the_address_is_offered_even_far_back(client, login, accountant, all_posted):
    login(accountant)
    html = client.get("/books/vouchers?period=2019-03").get_data(as_text=True)
    options = _options(html, "period")
    assert ("2019-03", "2019年3月", True) in options
    assert options[0] == ("", "全部期间", False)
    every = _options(client.get("/books/vouchers?period=all").get_data(as_text=True), "period")
    assert every[0] == ("", "全部期间", True)


def test_the_ledger_range_is_two_month_pickers(client, login, accountant, all_posted):
    login(accountant)
    html = client.get("/books/ledger?account=2202&from=2026-08&to=2026-12").get_data(as_text=True)
    assert [o for o in _options(html, "from") if o[2]] == [("2026-08", "2026年8月", True)]
    assert [o for o in _options(html, "to") if o[2]] == [("2026-12", "2026年12月", True)]


def test_a_new_period_is_picked_from_the_months_without_one(client, login, accountant, all_posted, app):
    login(accountant)
    held = {str(Month(p.year, p.month)) for p in db.session.scalars(select(Period))}
    assert held  # the settlement's months
    offered = [o[0] for o in _options(client.get("/books/periods").get_data(as_text=True), "month")]
    assert offered and not set(offered) & held
    wanted = offered[0]
    response = client.post("/books/periods", data={"month": wanted})
    assert response.status_code == 302
    assert wanted in {str(Month(p.year, p.month)) for p in db.session.scalars(select(Period))}


def test_month_choices_reach_back_to_the_first_period(app, all_posted):
    months = month_choices(at_least=1, ahead=0)
    first = db.session.scalars(select(Period).order_by(Period.year, Period.month)).first()
    assert months[-1] == Month(first.year, first.month) and months[0] == Month.current()


def test_a_month_that_cannot_close_says_why(client, login, accountant, books, zhang):
    """结账 is disabled while vouchers wait, and the page says how many and what to do."""
    from datetime import date as day

    from market.ledger import services as ledger

    ledger.prepare_voucher(accountant, voucher_date=day(2026, 8, 30), summary="待审核", idempotency_key="wait-1",
                           lines=[ledger.LineInput("1002", debit="1.00"), ledger.LineInput("3001", credit="1.00")])
    db.session.commit()
    login(accountant)
    html = client.get("/books/periods").get_data(as_text=True)
    period = db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 8))
    assert f'aria-describedby="why-{period.id}"' in html
    assert re.search(rf'id="why-{period.id}">\d+ 张凭证尚待审核或记账', html)
