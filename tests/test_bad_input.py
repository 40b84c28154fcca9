"""Bad input is a 4xx on every route, never a 500: ids past the database's range, absurd page
numbers, control characters, numbers no farm or ledger has."""
from __future__ import annotations

import re

import pytest

from models import RoleName

EVERY_ROLE = (RoleName.ADMIN, RoleName.ACCOUNTANT, RoleName.COORDINATOR)


@pytest.fixture
def everyone(make_user, login):
    """A login with the staff roles, so routes answer instead of refusing."""
    return login(make_user(*EVERY_ROLE, name="全能"))


def _get_routes(app, with_ints: bool):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        if with_ints != bool(converters) or any(c != "IdConverter" for c in converters.values()):
            continue
        yield rule, converters


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_beyond_the_database_is_not_found_on_every_route(app, client, everyone, number):
    """404, or 405 where the same path takes only another method (the router checks methods first)."""
    failures = []
    for rule, converters in _get_routes(app, with_ints=True):
        url = re.sub(r"<int:\w+>", str(number), rule.rule)
        response = client.get(url)
        status = response.status_code
        response.close()
        if status not in (404, 405):
            failures.append((url, status))
    assert failures == []


@pytest.mark.parametrize("query", ["page=2699756321721494089498624", "page=-1", "per_page=10000000000000000000000",
                                   "household_id=99999999999999999999", "buyer_id=2147483648",
                                   "since=9999-99-99", "month=99999-13"])
def test_absurd_query_values_are_never_a_server_error(app, client, everyone, query):
    failures = []
    for rule, _ in _get_routes(app, with_ints=False):
        response = client.get(f"{rule.rule}?{query}")
        response.close()  # static files stream
        if response.status_code >= 500:
            failures.append((rule.rule, response.status_code))
    assert failures == []


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "x\x1by", "\x7f"])
def test_control_characters_in_a_query_are_refused_with_a_message(app, client, everyone, text):
    failures = []
    for rule, _ in _get_routes(app, with_ints=False):
        response = client.get(rule.rule, query_string={"q": text})
        response.close()
        if response.status_code != 400:
            failures.append((rule.rule, response.status_code))
    assert failures == []
    assert client.get("/api/v1/lots", query_string={"q": text}).get_json()["error"]["code"] == "control_characters"
    assert "控制字符" in client.get("/lots", query_string={"q": text}).get_data(as_text=True)


def test_control_characters_in_a_form_or_json_body_change_nothing(client, everyone):
    from models import AuditEvent, Village, db
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    page = client.post("/admin/villages/new", data={"code": "610402100001", "name": "北里\x00村"})
    api = client.post("/api/v1/villages", json={"code": "610402100002", "name": "北里\x00村", "township": "北杜"})
    assert (page.status_code, api.status_code) == (400, 400)
    assert db.session.scalar(db.select(db.func.count()).select_from(Village)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before


def test_line_feeds_and_tabs_are_text_not_control_characters(client, everyone):
    response = client.get("/lots", query_string={"q": "北里\t村\n"})
    assert response.status_code == 200


# --- numbers no farm or ledger has ------------------------------------------------------------

HUGE = ["123456789012345678901234567", "1e309", "1e20", "9e16", "-1e309", 1e308, "1E+999999999"]


@pytest.mark.parametrize("quantity", HUGE)
def test_an_absurd_weight_for_a_lot_is_refused_and_nothing_written(client, login, villager, catalogue, quantity):
    from datetime import timedelta

    from market.clock import local_today
    from models import ProduceLot, db
    login(villager)
    today = local_today()
    response = client.post("/api/v1/lots", json={
        "variety_id": catalogue["varieties"][0].id, "grade_id": catalogue["grades"]["一级"].id, "quantity": quantity,
        "unit": "kg", "ready_from": today.isoformat(), "ready_to": (today + timedelta(days=3)).isoformat(),
        "spoil_by": (today + timedelta(days=7)).isoformat()})
    assert response.status_code == 422, response.get_json()
    assert db.session.scalar(db.select(db.func.count()).select_from(ProduceLot)) == 0


@pytest.mark.parametrize("amount", HUGE + ["90000000000000000", "100000000.01"])
def test_an_absurd_voucher_amount_is_refused_and_nothing_written(client, login, make_user, amount):
    from market.ledger import services as ledger
    from models import Voucher, db
    ledger.seed_chart()
    db.session.commit()
    login(make_user(RoleName.ACCOUNTANT, name="钱会计"))
    response = client.post("/api/v1/vouchers", json={
        "voucher_date": "2026-11-02", "summary": "收到投资款",
        "lines": [{"account_code": "1002", "debit": amount}, {"account_code": "3001", "credit": amount}]})
    assert response.status_code == 422, response.get_json()
    # the field named by its path: "lines" for the totals, "lines.0.debit" for a number the API cannot take
    assert any(name == "lines" or name.startswith("lines.") for name in response.get_json()["error"]["fields"])
    assert db.session.scalar(db.select(db.func.count()).select_from(Voucher)) == 0


def test_the_largest_voucher_line_is_one_hundred_million_yuan(client, login, make_user):
    from market.ledger import services as ledger
    ledger.seed_chart()
    from models import db
    db.session.commit()
    login(make_user(RoleName.ACCOUNTANT, name="钱会计"))
    response = client.post("/api/v1/vouchers", json={
        "voucher_date": "2026-11-02", "summary": "收到投资款",
        "lines": [{"account_code": "1002", "debit": "100000000.00"}, {"account_code": "3001", "credit": "100000000"}]})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("price", HUGE)
def test_an_absurd_market_quote_is_refused(client, login, coordinator, catalogue, price):
    from market.clock import local_today
    from models import MarketQuote, db
    login(coordinator)
    response = client.post("/api/v1/quotes", json={
        "variety_id": catalogue["varieties"][0].id, "grade_id": catalogue["grades"]["一级"].id,
        "quoted_on": local_today().isoformat(), "price": price, "unit": "jin", "source": "西安北郊果品市场"})
    assert response.status_code == 422, response.get_json()
    assert db.session.scalar(db.select(db.func.count()).select_from(MarketQuote)) == 0
