"""The demo's peach settlement over 46 households reads on a phone: the households fifteen a page
with a search, the totals over all of them on every page, the 46 invoices folded."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from market import demo
from models import Settlement, User, db
from tests.conftest import load_demo


def _names(html: str) -> list[str]:
    table = re.search(r'<table class="list st-households-table">(.*?)</tbody>', html, re.S).group(1)
    return re.findall(r'<td data-label="[^"]*"><strong>([^<]+)</strong>', table)


def test_a_settlement_of_46_households_is_paged_and_searched_with_totals_over_all(client, login, app):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    settlement = db.session.scalar(select(Settlement).order_by(Settlement.id))
    everyone = sorted(line.household.head_name for line in settlement.households)
    assert len(everyone) == 46
    login(db.session.scalar(select(User).where(User.phone == "13800000003")), demo.DEMO_PASSWORD)

    html = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert len(_names(html)) == 15 and "第 1/4 页 · 共 46 户" in html
    total = f"¥{sum(line.net for line in settlement.households):,.2f}"
    seen = list(_names(html))
    for page in (2, 3, 4):
        other = client.get(f"/settlements/{settlement.id}?page={page}").get_data(as_text=True)
        assert total in other and "全部 46 户" in other  # the totals are over every household, on every page
        seen += _names(other)
    assert sorted(seen) == everyone

    one = everyone[7]
    found = client.get(f"/settlements/{settlement.id}?q={one}").get_data(as_text=True)
    assert one in _names(found) and len(_names(found)) < 15 and total in found
    nobody = client.get(f"/settlements/{settlement.id}?q=王五五").get_data(as_text=True)
    assert _names(nobody) == [] and "没有与“王五五”相符的农户" in nobody

    assert re.search(r'<details class="card folded-list">\s*<summary>共 46 张', html)
