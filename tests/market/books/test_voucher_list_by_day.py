"""The voucher list reads a day at a time: each day folded with its count and total, the newest
open; a voucher of many lines shows three and folds the rest — every voucher still listed."""
from __future__ import annotations

import re

from sqlalchemy import select

from models import Voucher, db


def test_the_vouchers_of_a_month_are_grouped_by_day_with_long_ones_folded(client, login, accountant, all_posted):
    login(accountant)
    html = client.get("/books/vouchers?period=all").get_data(as_text=True)
    vouchers = db.session.scalars(select(Voucher)).all()
    days = sorted({v.voucher_date for v in vouchers}, reverse=True)
    summaries = re.findall(r"<details class=\"day-group card\"( open)?>\s*<summary><strong>([0-9-]+)</strong> · 共 (\d+) 张", html)
    assert [s[1] for s in summaries] == [d.isoformat() for d in days]
    assert [int(s[2]) for s in summaries] == [sum(1 for v in vouchers if v.voucher_date == d) for d in days]
    assert summaries[0][0] == " open"
    for voucher in vouchers:
        assert f'href="/books/vouchers/{voucher.id}"' in html
    long = [v for v in vouchers if len(v.lines) > 4]
    assert long, "the fixture has a voucher of many lines"
    assert html.count('class="more-lines"') == len(long)
    for voucher in long:
        assert f"另 {len(voucher.lines) - 3} 行" in html or f"{len(voucher.lines) - 3} more lines" in html
