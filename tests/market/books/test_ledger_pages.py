"""A 明细账 read a page at a time, and the books added up from closed months' snapshots, say what the
lines say."""
from __future__ import annotations

from sqlalchemy import select

from market.books import ledgers, sums, trial_balance
from market.ledger import services as ledger
from models import Period, PeriodStatus, db

from .conftest import post_waiting_vouchers


def _entries(entries):
    return [(e.voucher.id, e.day, e.summary, e.party, e.debit, e.credit, e.balance) for e in entries]


def test_the_pages_of_a_ledger_run_on_from_each_other(all_posted, accountant):
    account = ledger.account("2202")
    whole = ledgers.account_ledger(accountant, account, None, None, "2026-01", "2026-12")
    seen, after, pages = [], None, 0
    while True:
        page = ledgers.ledger_page(accountant, account, None, None, "2026-01", "2026-12", after, size=2)
        pages += 1
        assert (page.debit, page.credit, page.closing) == (whole.debit, whole.credit, whole.closing)
        assert page.brought_forward == (seen[-1].balance if seen else whole.opening)
        seen += page.entries
        if page.next_after is None:
            break
        after = str(page.next_after)
    assert pages > 1 and _entries(seen) == _entries(whole.entries)


def test_a_page_for_one_party_and_a_place_outside_the_range(all_posted, accountant, zhang):
    account = ledger.account("2202")
    whole = ledgers.account_ledger(accountant, account, "household", zhang.id, "2026-08", "2026-12")
    first = ledgers.ledger_page(accountant, account, "household", zhang.id, "2026-08", "2026-12", size=1)
    rest = ledgers.ledger_page(accountant, account, "household", zhang.id, "2026-08", "2026-12",
                               str(first.next_after), size=50)
    assert _entries(first.entries + rest.entries) == _entries(whole.entries) and rest.next_after is None
    for stray in ("202701-1-1", "nonsense", "202613-1-1", "202608-0-1"):
        again = ledgers.ledger_page(accountant, account, "household", zhang.id, "2026-08", "2026-12", stray, size=1)
        assert again.after is None and _entries(again.entries) == _entries(first.entries)


def test_the_ledger_page_links_its_next_page(client, login, all_posted, accountant, monkeypatch):
    monkeypatch.setattr(ledgers, "PAGE_LINES", 2)
    login(accountant)
    first = client.get("/books/ledger?account=2202&from=2026-01&to=2026-12")
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert "after=" in body and "承前页" not in body
    after = str(ledgers.ledger_page(accountant, ledger.account("2202"), None, None, "2026-01", "2026-12",
                                    size=2).next_after)
    second = client.get(f"/books/ledger?account=2202&from=2026-01&to=2026-12&after={after}")
    assert second.status_code == 200 and "承前页" in second.get_data(as_text=True)


def _every_period_open(monkeypatch):
    """Sums from the lines alone, as if no period had its snapshot."""
    real = sums._periods
    monkeypatch.setattr(sums, "_periods", lambda start, end: [(pid, key, PeriodStatus.OPEN)
                                                               for pid, key, _s in real(start, end)])


def test_closed_months_add_up_from_their_snapshots_as_from_their_lines(all_posted, accountant, reviewer, zhang,
                                                                      monkeypatch):
    august = db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 8))
    ledger.prepare_closing(accountant, august)
    db.session.commit()
    post_waiting_vouchers(reviewer)
    ledger.close_period(accountant, august)
    db.session.commit()
    payable = ledger.account("2202")

    def read():
        books = {month: [(r.account.code, r.opening, r.debit, r.credit, r.level, r.rolled_up)
                         for r in trial_balance.trial_balance(accountant, month).rows]
                 for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2027-01")}
        openings = [ledgers.ledger_range(accountant, payable, kind, party, start, start).opening
                    for kind, party in ((None, None), ("household", zhang.id)) for start in ("2026-08", "2026-09",
                                                                                             "2026-11")]
        page = ledgers.ledger_page(accountant, payable, None, None, "2026-08", "2026-10")
        return books, openings, (page.debit, page.credit, page.closing), ledgers.ledger_parties(accountant, payable)

    from_snapshots = read()
    _every_period_open(monkeypatch)
    assert read() == from_snapshots
    assert any(row[2] or row[3] for row in from_snapshots[0]["2026-08"]) and len(from_snapshots[3]) >= 3
