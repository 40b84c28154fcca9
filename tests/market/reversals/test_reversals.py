"""Settlement 冲销: the demo's posted peach settlement reversed as a whole and settled again.

The peach settlement (北里村 → 金昌赢华联超市) was posted, households were paid, the buyer's ¥100
allowance and one household's price correction were posted against it. Reversed through the API by
赵会计 and approved by 孙主管, then prepared again by the coordinator, approved and posted:

- after the reversal every voucher it and its adjustments wrote has a posted red twin, its purchase
  invoices are void, its slips are free, the order is back to received, and what was paid on it is
  carried: each household's 2202 shows what it was paid as a debit (paid in advance), the buyer's
  1122 what it paid as a credit; statements and ledger agree and ``flask ledger verify`` finds nothing;
- after the corrected settlement is posted it names the one it corrects, takes the carried payments
  (each household line paid what it was paid before), and every book agrees again.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from market.books import parties, statements
from market.books.verification import problems
from market.payments import services as payments
from models import (Adjustment, AdjustmentStatus, BuyerOrder, CarriedPayment, OrderStatus, PartyType, Period,
                    PeriodStatus, PurchaseInvoice, ReversalStatus, Settlement, SettlementHousehold, SettlementKind,
                    SettlementReversal, SettlementStatus, StockMovement, StockMovementKind, Voucher, VoucherSource,
                    VoucherStatus, db, settlement_slips)
from tests.permission_harness import DAY, bearer, build_world


@pytest.fixture
def world(app):
    world = build_world()
    db.session.commit()
    return world


_auth = bearer


def _peach(world) -> Settlement:
    return db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.ORDER,
                                                      Settlement.order_id == world["ids"]["order_id"],
                                                      Settlement.status != SettlementStatus.REVERSED))


def _balance(code: str, party_type: PartyType, party_id: int) -> Decimal:
    return Decimal(parties.ledger_balances().get((code, party_type.value, party_id), 0)) / 100


def _reverse(client, world, settlement_id: int, key: str = "cx-1", **body):
    return client.post(f"/api/v1/settlements/{settlement_id}/reverse", headers=_auth(world, "accountant", key),
                       json={"reason": "验收重量录错，整单冲销后重新结算", **body})


def _books_agree(world) -> None:
    assert problems() == []
    assert parties.differences() == []


def test_a_posted_settlement_is_reversed_in_red_and_settled_again_with_every_book_agreeing(world, client):
    settlement = _peach(world)
    sid, buyer_id, order_id = settlement.id, settlement.buyer_id, settlement.order_id
    paid = {line.household_id: line.paid for line in settlement.households}
    payable = {line.household_id: line.payable for line in settlement.households}
    owed_before = {h: payments.owed(h) for h in paid}
    ledger_before = {h: _balance("2202", PartyType.HOUSEHOLD, h) for h in paid}
    buyer_before = _balance("1122", PartyType.BUYER, settlement.buyer_id)
    buyer_owes = settlement.buyer_owes
    received = settlement.buyer_received
    assert sum(paid.values()) > 0  # the demo paid households before
    posted_adjustments = db.session.scalar(select(func.count()).select_from(Adjustment).where(
        Adjustment.settlement_id == sid, Adjustment.status == AdjustmentStatus.POSTED))
    assert posted_adjustments == 2
    corrections = {a.household_id: a.amount for a in db.session.scalars(select(Adjustment).where(
        Adjustment.settlement_id == sid, Adjustment.household_id.is_not(None)))}
    allowed = sum(a.amount for a in db.session.scalars(select(Adjustment).where(
        Adjustment.settlement_id == sid, Adjustment.buyer_id.is_not(None))))
    assert corrections and allowed < 0
    own = db.session.scalars(select(Voucher.id).where(
        ((Voucher.source == VoucherSource.SETTLEMENT) & (Voucher.source_id == sid))
        | ((Voucher.source == VoucherSource.ADJUSTMENT) & Voucher.source_id.in_(
            select(Adjustment.id).where(Adjustment.settlement_id == sid))),
        Voucher.status == VoucherStatus.POSTED)).all()
    slips = db.session.scalars(select(settlement_slips.c.slip_id).where(settlement_slips.c.settlement_id == sid)).all()
    assert own and slips

    made = _reverse(client, world, sid)
    assert made.status_code == 201, made.get_json()
    reversal = made.get_json()
    assert reversal["status"] == "submitted" and reversal["number"].startswith("CX")
    # nothing is undone before review; the one who prepared it cannot review it
    assert _peach(world) is not None and _peach(world).status in (SettlementStatus.POSTED, SettlementStatus.PAID)
    refused = client.post(f"/api/v1/settlement-reversals/{reversal['id']}/approve", headers=_auth(world, "accountant"))
    assert refused.status_code == 403 and refused.get_json()["error"]["rule"] == "reversal_self_review"
    # a retry with the same key returns the same reversal; another body with it is refused
    again = _reverse(client, world, sid)
    assert again.status_code in (200, 201) and again.get_json()["id"] == reversal["id"]
    assert _reverse(client, world, sid, reason="另一个理由").status_code == 409
    assert _reverse(client, world, sid, key="cx-2").get_json()["error"]["rule"] == "reversal_exists"

    approved = client.post(f"/api/v1/settlement-reversals/{reversal['id']}/approve", headers=_auth(world, "chief"))
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["status"] == "posted" and sorted(body["slips"]) and len(body["slips"]) == len(slips)
    db.session.expire_all()
    old = db.session.get(Settlement, sid)
    assert old.status is SettlementStatus.REVERSED
    # every voucher it and its adjustments wrote has one posted red twin, lines swapped
    for voucher_id in own:
        red = db.session.scalar(select(Voucher).where(Voucher.reverses_id == voucher_id))
        original = db.session.get(Voucher, voucher_id)
        assert red is not None and red.status is VoucherStatus.POSTED
        assert sorted((l.account_id, l.party_id, l.credit, l.debit) for l in original.lines) == \
            sorted((l.account_id, l.party_id, l.debit, l.credit) for l in red.lines)
    # invoices void, slips free, order back to received, what was paid carried
    invoices = client.get(f"/api/v1/purchase-invoices?settlement_id={sid}", headers=_auth(world, "accountant"))
    assert invoices.status_code == 200 and invoices.get_json()["items"]
    assert all(item["void"] for item in invoices.get_json()["items"])
    assert db.session.scalar(select(func.count()).select_from(settlement_slips).where(
        settlement_slips.c.settlement_id == sid)) == 0
    assert db.session.get(BuyerOrder, order_id).status is OrderStatus.RECEIVED
    carried = {c.household_id: c.amount for c in db.session.scalars(select(CarriedPayment).where(
        CarriedPayment.household_id.is_not(None)))}
    assert carried == {household: amount for household, amount in paid.items() if amount}
    for household_id, amount in paid.items():
        # its 2202 loses what the settlement owed it: what was paid on it stays, as paid in advance
        assert _balance("2202", PartyType.HOUSEHOLD, household_id) == ledger_before[household_id] + payable[household_id]
        assert payments.owed(household_id) == owed_before[household_id] - (payable[household_id] - amount)
    assert _balance("1122", PartyType.BUYER, buyer_id) == buyer_before - buyer_owes
    ageing = client.get(f"/api/v1/books/ageing?as_of={date.today()}", headers=_auth(world, "accountant")).get_json()
    owed_by_buyer = sum(Decimal(row["total"]) for row in ageing["rows"] if row["buyer_id"] == buyer_id)
    assert owed_by_buyer == max(_balance("1122", PartyType.BUYER, buyer_id), 0)
    _books_agree(world)
    household = db.session.get(SettlementHousehold, old.households[0].id).household
    statement = statements.household_statement(world["users"]["accountant"], household, date(2026, 1, 1), DAY)
    assert statement.closing == -_balance("2202", PartyType.HOUSEHOLD, household.id)

    # settled again: the corrected settlement takes the carried payments and names the reversed one
    prepared = client.post("/api/v1/settlements", headers=_auth(world, "coordinator", "again"),
                           json={"kind": "order", "order_id": order_id, "settle_on": str(DAY)})
    assert prepared.status_code == 201, prepared.get_json()
    new_id = prepared.get_json()["id"]
    for step, role in (("submit", "coordinator"), ("approve", "accountant"), ("post", "accountant")):
        moved = client.post(f"/api/v1/settlements/{new_id}/{step}", headers=_auth(world, role))
        assert moved.status_code == 200, (step, moved.get_json())
    db.session.expire_all()
    new = db.session.get(Settlement, new_id)
    assert new.corrects_id == sid and new.status in (SettlementStatus.POSTED, SettlementStatus.PAID)
    assert {line.household_id: line.paid for line in new.households} == paid
    assert new.buyer_received == received
    assert db.session.scalar(select(func.sum(CarriedPayment.amount - CarriedPayment.applied))) == 0
    # the same figures again, except that the reversed adjustments are not in the corrected settlement
    for household_id in paid:
        assert _balance("2202", PartyType.HOUSEHOLD, household_id) == \
            ledger_before[household_id] + corrections.get(household_id, 0)
        assert payments.owed(household_id) == owed_before[household_id] - corrections.get(household_id, 0)
    assert _balance("1122", PartyType.BUYER, buyer_id) == buyer_before - allowed
    ageing = client.get(f"/api/v1/books/ageing?as_of={date.today()}", headers=_auth(world, "accountant")).get_json()
    assert sum(Decimal(row["total"]) for row in ageing["rows"] if row["buyer_id"] == buyer_id) == \
        _balance("1122", PartyType.BUYER, buyer_id)
    _books_agree(world)
    # and the same order cannot be reversed-and-settled twice at once: the corrected one stands
    assert client.post("/api/v1/settlements", headers=_auth(world, "coordinator", "third"),
                       json={"kind": "order", "order_id": order_id}).status_code == 409


def test_a_reversal_is_refused_in_words_where_it_cannot_stand(world, client):
    settlement = _peach(world)
    sid = settlement.id
    # only accountants prepare one
    for role in ("coordinator", "cashier", "buyer", "villager"):
        response = client.post(f"/api/v1/settlements/{sid}/reverse", headers=_auth(world, role, f"k-{role}"),
                               json={"reason": "x"})
        assert response.status_code == 403, role
    # a reason is required; a date never in the future nor before the settlement
    assert _reverse(client, world, sid, key="k1", reason="  ").status_code == 422
    assert _reverse(client, world, sid, key="k2", reverse_on="2099-01-01").get_json()["error"]["fields"]["reverse_on"]
    assert _reverse(client, world, sid, key="k3", reverse_on="2026-01-01").status_code == 422
    # an adjustment waiting for review must be reviewed first
    waiting = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "allow"), json={
        "kind": "sales_allowance", "settlement_id": sid, "amount": "10.00", "reason": "协商降价"})
    assert waiting.status_code == 201
    refused = _reverse(client, world, sid, key="k4")
    assert refused.status_code == 409 and refused.get_json()["error"]["rule"] == "reversal_adjustment_waiting"
    client.post(f"/api/v1/adjustments/{waiting.get_json()['id']}/return", headers=_auth(world, "accountant"),
                json={"reason": "不同意"})
    # a closed period: the red vouchers go in the open period
    day = settlement.settle_on
    db.session.execute(update(Period).where(Period.year == day.year, Period.month == day.month)
                       .values(status=PeriodStatus.CLOSED))
    db.session.commit()
    closed = _reverse(client, world, sid, key="k5", reverse_on=day.isoformat())
    assert closed.status_code == 409 and closed.get_json()["error"]["rule"] == "period_closed"
    assert f"{day.year}-{day.month:02d}" in closed.get_json()["error"]["message"]
    db.session.execute(update(Period).where(Period.year == day.year, Period.month == day.month)
                       .values(status=PeriodStatus.OPEN))
    db.session.commit()
    # a draft is not reversed, it is returned and computed again
    draft = db.session.scalar(select(Settlement).where(Settlement.status.not_in(
        (SettlementStatus.POSTED, SettlementStatus.PAID))))
    if draft is not None:
        assert _reverse(client, world, draft.id, key="k6").get_json()["error"]["rule"] == \
            "reversal_needs_posted_settlement"
    assert db.session.scalar(select(func.count()).select_from(CarriedPayment)) == 0
    _books_agree(world)


def test_a_settlements_vouchers_cannot_be_reversed_one_by_one(world, client):
    settlement = _peach(world)
    voucher = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                      Voucher.source_id == settlement.id))
    response = client.post(f"/api/v1/vouchers/{voucher.id}/reverse", headers=_auth(world, "accountant", "one"),
                           json={"reason": "单张冲销", "voucher_date": str(DAY)})
    assert response.status_code == 409
    assert db.session.scalar(select(Voucher).where(Voucher.reverses_id == voucher.id)) is None


def test_reversing_a_warehouse_sale_returns_its_stock_at_the_value_it_left(world, client):
    sale = db.session.scalar(select(Settlement).join(StockMovement, StockMovement.settlement_id == Settlement.id)
                             .where(StockMovement.kind == StockMovementKind.SALE_ISSUE))
    if sale is None:
        pytest.skip("the demo has no warehouse sale")  # pragma: no cover - the demo has one
    issued = db.session.scalars(select(StockMovement).where(StockMovement.settlement_id == sale.id)).all()
    made = _reverse(client, world, sale.id, key="wh")
    assert made.status_code == 201, made.get_json()
    assert client.post(f"/api/v1/settlement-reversals/{made.get_json()['id']}/approve",
                       headers=_auth(world, "chief")).status_code == 200
    back = db.session.scalars(select(StockMovement).where(StockMovement.settlement_id == sale.id,
                                                          StockMovement.kind == StockMovementKind.ISSUE_RETURNED)).all()
    assert sorted((m.grade_id, m.quantity_kg, m.value) for m in back) == \
        sorted((m.grade_id, m.quantity_kg, m.value) for m in issued)
    _books_agree(world)


def test_a_contract_batch_whose_stock_was_sold_since_cannot_be_reversed(world, client):
    batch = db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.CONTRACT_BATCH,
                                                       Settlement.status.in_((SettlementStatus.POSTED,
                                                                              SettlementStatus.PAID))))
    sold = db.session.scalar(select(StockMovement).where(StockMovement.kind == StockMovementKind.SALE_ISSUE))
    if batch is None or sold is None:
        pytest.skip("the demo has no contract batch sold from")  # pragma: no cover - it has both
    made = _reverse(client, world, batch.id, key="batch")
    assert made.status_code == 201
    refused = client.post(f"/api/v1/settlement-reversals/{made.get_json()['id']}/approve",
                          headers=_auth(world, "chief"))
    assert refused.status_code == 409 and refused.get_json()["error"]["rule"] == "reversal_stock_moved_since"
    db.session.expire_all()
    assert db.session.get(Settlement, batch.id).status is not SettlementStatus.REVERSED
    assert db.session.scalar(select(func.count()).select_from(Voucher).where(Voucher.reverses_id.is_not(None),
                                                                              Voucher.source == VoucherSource.REVERSAL,
                                                                              Voucher.summary.like("%冲销%CX%"))) == 0
    _books_agree(world)


def test_the_reversal_page_asks_reviews_and_links_the_settlements(world, app):
    from tests.permission_harness import logged_in_clients
    clients = logged_in_clients(app, world, ("accountant", "chief", "cashier"))
    settlement = _peach(world)
    sid = settlement.id
    page = clients["accountant"].get(f"/settlements/{sid}")
    assert f"/settlements/{sid}/reverse" in page.get_data(as_text=True)
    form = clients["accountant"].get(f"/settlements/{sid}/reverse")
    assert form.status_code == 200 and 'name="reason"' in form.get_data(as_text=True)
    # no reason: the form says so and nothing is written
    refused = clients["accountant"].post(f"/settlements/{sid}/reverse",
                                         data={"idempotency_key": "page-0", "reason": " "})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(SettlementReversal).where(
        SettlementReversal.settlement_id == sid, SettlementReversal.status == ReversalStatus.SUBMITTED)) == 0
    sent = clients["accountant"].post(f"/settlements/{sid}/reverse", data={
        "idempotency_key": "page-1", "reason": "验收重量录错", "reverse_on": str(date.today())})
    assert sent.status_code == 302
    waiting = clients["accountant"].get(f"/settlements/{sid}/reverse").get_data(as_text=True)
    assert "/approve" not in waiting and "另一位会计审核" in waiting  # the preparer sees why she cannot review it
    twice = clients["accountant"].post(f"/settlements/{sid}/reverse", data={
        "idempotency_key": "page-2", "reason": "再冲一次", "reverse_on": str(date.today())})
    assert twice.status_code == 409 and "已有冲销单" in twice.get_data(as_text=True)
    # the cashier sees it but cannot ask for one nor review it
    assert clients["cashier"].get(f"/settlements/{sid}/reverse").status_code == 200
    assert clients["cashier"].post(f"/settlements/{sid}/reverse", data={"reason": "x"}).status_code == 403
    review = clients["chief"].get(f"/settlements/{sid}/reverse").get_data(as_text=True)
    reversal = db.session.scalar(select(SettlementReversal).where(SettlementReversal.settlement_id == sid,
                                                                  SettlementReversal.status == ReversalStatus.SUBMITTED))
    assert f"/settlement-reversals/{reversal.id}/approve" in review
    listed = clients["chief"].get("/settlement-reversals/?status=submitted").get_data(as_text=True)
    assert reversal.number in listed
    done = clients["chief"].post(f"/settlement-reversals/{reversal.id}/approve", data={})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Settlement, sid).status is SettlementStatus.REVERSED
    shown = clients["chief"].get(f"/settlements/{sid}").get_data(as_text=True)
    assert f"/settlements/{sid}/reverse" in shown
    _books_agree(world)
