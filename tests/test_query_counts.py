"""A list costs the same number of SQL statements whatever the number of rows it shows: on the demo's
data each paged API list with enough rows to tell (ten or more) is asked for two rows and for all of
them, and the second may take at most ``SLACK`` statements more — an eager load runs only when some row
on the page has what it loads (a supplier, a buyer) — where a lazy load per row would take one more per
row. Reads never write.

Lists the demo fills with fewer than ten rows (villages, party branches, payee changes, products,
varieties, grade tables, quotes, orders, shipments, suppliers, deposit closures, stock counts, contracts,
input credits) cannot tell a per-row load from an eager one this way and are not measured here."""
from __future__ import annotations

import contextlib
from datetime import date

import pytest
from sqlalchemy import event

from models import db
from tests.conftest import load_demo
from tests.permission_harness import build_world

#: the paged lists of the API the demo fills with ten rows or more, and who reads them
LISTS = [("/api/v1/households", "accountant"), ("/api/v1/users", "admin"), ("/api/v1/lots", "accountant"),
         ("/api/v1/slips", "accountant"), ("/api/v1/purchase-invoices", "accountant"),
         ("/api/v1/payments", "accountant"), ("/api/v1/vouchers", "accountant")]
FEW, MANY, SLACK = 2, 100, 3


@contextlib.contextmanager
def statements(app):
    """The SQL statements run while the block runs, on every connection of the app's engine."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engines[None] if hasattr(db, "engines") else db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def world(app):
    world = build_world()
    db.session.commit()
    return world


def _rows(body) -> int:
    items = body.get("items") if isinstance(body, dict) else body
    return len(items or [])


@pytest.mark.parametrize("path, role", LISTS)
def test_a_list_takes_as_many_statements_for_many_rows_as_for_few(app, client, world, path, role):
    token = world["tokens"][role]
    headers = {"Authorization": f"Bearer {token}"}
    client.get(f"{path}?per_page={FEW}", headers=headers)  # warm: the first request loads what every one needs
    with statements(app) as few:
        small = client.get(f"{path}?per_page={FEW}", headers=headers)
    with statements(app) as many:
        large = client.get(f"{path}?per_page={MANY}", headers=headers)
    assert small.status_code == large.status_code == 200, (small.get_json(), large.get_json())
    shown = _rows(large.get_json())
    assert shown >= 10, f"the demo has only {shown} rows for {path}: too few to tell"
    assert len(many) <= len(few) + SLACK, (
        f"{path}: {len(few)} statements for {_rows(small.get_json())} rows, {len(many)} for {shown}")
    # a read never writes
    assert not [s for s in many + few if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_the_whole_settlement_takes_as_many_statements_for_46_households_as_for_4(app, client, world):
    """The demo's peach settlement pays 46 households, its first contract batch 4: the 三方结算单 of either
    (each household's line, invoice and deliveries) costs the same statements, give or take ``SLACK``."""
    from sqlalchemy import select

    from models import Settlement, SettlementKind

    headers = {"Authorization": f"Bearer {world['tokens']['accountant']}"}
    settlements = db.session.scalars(select(Settlement).order_by(Settlement.id)).all()
    big = next(s for s in settlements if s.kind is SettlementKind.ORDER and len(s.households) == 46)
    small = next(s for s in settlements if s.kind is SettlementKind.CONTRACT_BATCH and len(s.households) == 4)
    client.get(f"/api/v1/settlements/{small.id}", headers=headers)  # warm
    counted = {}
    for settlement in (small, big):
        with statements(app) as seen:
            response = client.get(f"/api/v1/settlements/{settlement.id}", headers=headers)
        assert response.status_code == 200 and len(response.get_json()["households"]) == len(settlement.households)
        counted[len(settlement.households)] = len(seen)
    assert counted[46] <= counted[4] + SLACK, counted
