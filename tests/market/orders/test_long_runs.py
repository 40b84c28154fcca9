"""A run over many households stays readable on a phone: the explanation is a summary with a
searchable, paged list; the lots are folded by picking day."""
from __future__ import annotations

import re

from market.orders import allocation_runs
from models import BuyerOrder, db


def _run(coordinator, order):
    run = allocation_runs.run_allocation(coordinator, db.session.get(BuyerOrder, order.id), "fair")
    db.session.commit()
    return run


def _households_on(html: str) -> list[str]:
    table = re.search(r'<table class="list explain">(.*?)</table>', html, re.S)
    return re.findall(r"<td>(农户\d\d)", table.group(1)) if table else []


def test_the_explanation_of_forty_households_is_a_summary_and_pages_of_fifteen(
        client, login, coordinator, make_order, make_household, make_lot, make_village):
    north, south = make_village("北里村"), make_village("南杜村")
    households = [make_household(f"农户{i:02d}", village=north if i < 30 else south) for i in range(40)]
    for household in households:
        make_lot(household, "100")
    order = make_order("3吨")
    run = _run(coordinator, order)
    login(coordinator)
    html = client.get(f"/orders/{order.id}?run={run.id}").get_data(as_text=True)
    first = _households_on(html)
    assert len(first) == 15
    assert "第 1/3 页 · 共 40 户" in html
    # every household in the summary, whatever the page: a share of 75 kg in crates of 10 kg leaves some at
    # 80 kg (the order was filled) and some at 70 kg (whole crates held them back), and the summary says so
    counts = [int(n) for n in re.findall(r"<strong>共(\d+)户</strong>", html)]
    assert sum(counts) == 40 and len(counts) == 2
    assert "按整筐向下取整" in html
    seen = set(first)
    for page in (2, 3):
        more = _households_on(client.get(f"/orders/{order.id}?run={run.id}&why_page={page}").get_data(as_text=True))
        assert more and not seen & set(more)
        seen |= set(more)
    assert seen == {f"农户{i:02d}" for i in range(40)}
    # out-of-range pages land on the last or the first, never an error
    assert _households_on(client.get(f"/orders/{order.id}?run={run.id}&why_page=99").get_data(as_text=True))
    assert _households_on(client.get(f"/orders/{order.id}?run={run.id}&why_page=-3").get_data(as_text=True)) == first

    found = client.get(f"/orders/{order.id}?run={run.id}&q=南杜村").get_data(as_text=True)
    assert sorted(_households_on(found)) == [f"农户{i:02d}" for i in range(30, 40)]
    assert "农户07" in client.get(f"/orders/{order.id}?run={run.id}&q=农户07").get_data(as_text=True)
    nobody = client.get(f"/orders/{order.id}?run={run.id}&q=王五").get_data(as_text=True)
    assert _households_on(nobody) == [] and "王五" in nobody


def test_lots_are_folded_by_picking_day_and_the_lot_being_changed_is_shown(
        client, login, coordinator, make_order, make_household, make_lot):
    for i in range(12):
        make_lot(make_household(f"农户{i:02d}"), "100")
    order = make_order("1吨")
    run = _run(coordinator, order)
    login(coordinator)
    html = client.get(f"/orders/{order.id}?run={run.id}").get_data(as_text=True)
    groups = re.findall(r'<details class="day-group card"( open)?>', html)
    assert groups and all(not opened for opened in groups)  # more than ten lots: folded
    assert "共12户 · 1,000 公斤" in html
    chosen = run.lines[0].lot_id
    opened = client.get(f"/orders/{order.id}?run={run.id}&lot={chosen}").get_data(as_text=True)
    assert re.search(r'<details class="day-group card" open>', opened)
