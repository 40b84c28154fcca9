"""Adjustments (调整单) after a settlement is posted, and every book agreeing after each.

On the demo's posted peach settlement (北里村 → 金昌赢华联超市, settled 2026-08-20), made through the
API as a coordinator and an accountant would:

- a ¥250.00 allowance with the supermarket: its 9 % output VAT is round(250.00 × 9 / 109) = 20.64, the
  rest 229.36: 借5001 229.36 / 借22210102 20.64 / 贷1122 250.00 (金昌赢华联);
- a household's grade line corrected upwards by 0.50 元/公斤: the difference is a supplementary
  收购发票 whose calculated input VAT is 9 % of it: 借5401 / 借22210101 / 贷2202 (the household);
  and back down again, a red one mirroring it.

After each: the party's ledger balance (1122 by buyer, 2202 by household) equals its statement,
ageing and what it is owed, and ``flask ledger verify`` finds nothing.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from market.books import parties, statements
from market.books.verification import problems
from market.ledger import services as ledger
from market.payments import services as payments
from market.settlements.splits import input_vat
from models import (Adjustment, AdjustmentStatus, Household, PartyType, Settlement, SettlementItem, SettlementKind,
                    Voucher, VoucherLine, VoucherSource, VoucherStatus, db)
from tests.permission_harness import DAY, bearer, build_world


@pytest.fixture
def world(app):
    world = build_world()
    db.session.commit()
    return world


_auth = bearer


def _peach(world) -> Settlement:
    return db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.ORDER,
                                                      Settlement.order_id == world["ids"]["order_id"]))


def _party_balance(code: str, party_type: PartyType, party_id: int) -> Decimal:
    """Debit-positive posted balance of ``code`` for the party, in 元."""
    fen = parties.ledger_balances().get((code, party_type.value, party_id), 0)
    return Decimal(fen) / 100


def _voucher_lines(adjustment_id: int) -> list[tuple[str, Decimal, Decimal]]:
    voucher = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.ADJUSTMENT,
                                                      Voucher.source_id == adjustment_id))
    assert voucher.status is VoucherStatus.POSTED
    return [(line.account.code, line.debit, line.credit) for line in voucher.lines]


def test_an_allowance_after_receipt_lowers_what_the_buyer_owes_in_every_book(world, client):
    settlement = _peach(world)
    buyer_id = settlement.buyer_id
    before = client.get(f"/api/v1/buyers/{buyer_id}/statement?as_of={DAY}", headers=_auth(world, "accountant")).get_json()
    assert Decimal(before["outstanding"]) == _party_balance("1122", PartyType.BUYER, buyer_id) > 250

    made = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "allow-250"), json={
        "kind": "sales_allowance", "settlement_id": settlement.id, "amount": "250.00", "adjusted_on": str(DAY),
        "reason": "超市验收后协商降价", "invoice_number": "HZ-0001"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["status"], body["amount"], body["vat"], body["excl_vat"]) == ("submitted", "-250.00", "-20.64",
                                                                                "-229.36")
    # nothing is booked until another accountant reviews it
    assert _party_balance("1122", PartyType.BUYER, buyer_id) == Decimal(before["outstanding"])

    posted = client.post(f"/api/v1/adjustments/{body['id']}/approve", headers=_auth(world, "accountant"))
    assert posted.status_code == 200 and posted.get_json()["status"] == "posted"
    assert _voucher_lines(body["id"]) == [("5001", Decimal("229.36"), Decimal("0.00")),
                                          ("22210102", Decimal("20.64"), Decimal("0.00")),
                                          ("1122", Decimal("0.00"), Decimal("250.00"))]
    after = client.get(f"/api/v1/buyers/{buyer_id}/statement?as_of={DAY}", headers=_auth(world, "accountant")).get_json()
    owed = Decimal(before["outstanding"]) - 250
    assert Decimal(after["outstanding"]) == owed == _party_balance("1122", PartyType.BUYER, buyer_id)
    assert after["allowances"][-1]["amount"] == "250.00" and after["allowances"][-1]["reference"] == "HZ-0001"
    ageing = client.get(f"/api/v1/books/ageing?as_of={DAY}", headers=_auth(world, "accountant")).get_json()
    [row] = [row for row in ageing["rows"] if row["buyer_id"] == buyer_id]
    assert Decimal(row["total"]) == owed
    shown = client.get(f"/api/v1/settlements/{settlement.id}", headers=_auth(world, "accountant")).get_json()
    assert Decimal(shown["buyer"]["outstanding"]) == Decimal(shown["buyer"]["total"]) + Decimal(
        shown["buyer"]["adjusted"]) - Decimal(shown["buyer"]["received"])
    # the receipt the buyer can make is what it now owes, not the old total
    refused = client.post("/api/v1/payments/buyer-receipts", headers=_auth(world, "cashier", "too-much"), json={
        "buyer_id": buyer_id, "amount": f"{owed + Decimal('0.01')}", "method": "bank", "paid_on": str(DAY)})
    assert refused.status_code == 422
    assert problems() == []


def test_a_price_correction_moves_what_the_household_is_owed_and_back(world, client):
    settlement = _peach(world)
    item = db.session.scalar(select(SettlementItem).join(SettlementItem.line).where(
        SettlementItem.line.has(settlement_id=settlement.id)).order_by(SettlementItem.id.desc()))
    household = item.line.household
    owed_before = payments.owed(household.id)
    ledger_before = -_party_balance("2202", PartyType.HOUSEHOLD, household.id)
    statement_before = statements.household_statement(world["users"]["accountant"], household, date(2026, 1, 1), DAY)

    up = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "up"), json={
        "kind": "price_correction", "settlement_id": settlement.id, "item_id": item.id,
        "new_price": f"{item.price + Decimal('0.50'):.2f}", "reason": "等级录错", "adjusted_on": str(DAY)})
    assert up.status_code == 201, up.get_json()
    difference = (item.payable_kg * (item.price + Decimal("0.50"))).quantize(Decimal("0.01")) - item.amount
    vat = Decimal(input_vat(int(difference * 100), Decimal("0.09"))[0]) / 100
    assert (Decimal(up.get_json()["amount"]), Decimal(up.get_json()["vat"])) == (difference, vat)
    approved = client.post(f"/api/v1/adjustments/{up.get_json()['id']}/approve", headers=_auth(world, "accountant"))
    assert approved.status_code == 200
    invoice = approved.get_json()["invoice_number"]
    assert invoice.startswith("SG2026-")
    assert _voucher_lines(up.get_json()["id"]) == [("5401", difference - vat, Decimal("0.00")),
                                                   ("22210101", vat, Decimal("0.00")),
                                                   ("2202", Decimal("0.00"), difference)]
    assert payments.owed(household.id) == owed_before + difference
    assert -_party_balance("2202", PartyType.HOUSEHOLD, household.id) == ledger_before + difference
    statement = statements.household_statement(world["users"]["accountant"], household, date(2026, 1, 1), DAY)
    assert statement.closing == statement_before.closing + difference
    assert [(row.number, row.amount, row.invoice_number) for row in statement.corrections][-1] == (
        up.get_json()["number"], difference, invoice)
    assert problems() == []

    down = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "down"), json={
        "kind": "price_correction", "settlement_id": settlement.id, "item_id": item.id,
        "new_price": f"{item.price:.2f}", "reason": "更正有误，恢复原价", "adjusted_on": str(DAY)})
    assert down.status_code == 201, down.get_json()
    assert (Decimal(down.get_json()["amount"]), Decimal(down.get_json()["vat"])) == (-difference, -vat)
    assert down.get_json()["old_price"] == f"{item.price + Decimal('0.50'):.2f}"
    assert client.post(f"/api/v1/adjustments/{down.get_json()['id']}/approve",
                       headers=_auth(world, "chief")).status_code == 200
    assert payments.owed(household.id) == owed_before
    assert -_party_balance("2202", PartyType.HOUSEHOLD, household.id) == ledger_before
    assert problems() == []


def test_a_correction_below_what_was_paid_is_refused_and_writes_nothing(world, client):
    settlement = _peach(world)
    paid = next(line for line in settlement.households if line.paid > 0 and line.owed == 0)
    item = paid.items[0]
    count = db.session.query(Adjustment).count()
    refused = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "below"), json={
        "kind": "price_correction", "settlement_id": settlement.id, "item_id": item.id,
        "new_price": "0.10", "reason": "试图压价", "adjusted_on": str(DAY)})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["rule"] == "correction_below_paid"
    assert "new_price" in refused.get_json()["error"]["fields"]
    assert db.session.query(Adjustment).count() == count


@pytest.mark.parametrize("body, field, rule", [
    ({"amount": "99999999.00"}, "amount", "allowance_exceeds_outstanding"),
    ({"amount": "10.00", "per_kg": "0.10"}, "amount", None),
    ({}, "amount", None),
    ({"amount": "-5"}, "amount", None),
    ({"per_kg": "abc"}, None, None),
])
def test_an_allowance_out_of_bounds_is_refused_with_its_reason(world, client, body, field, rule):
    settlement = _peach(world)
    count = db.session.query(Adjustment).count()
    refused = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", f"bad-{len(str(body))}"), json={
        "kind": "sales_allowance", "settlement_id": settlement.id, "reason": "协商", "adjusted_on": str(DAY), **body})
    assert refused.status_code == 422, refused.get_json()
    error = refused.get_json()["error"]
    if field:
        assert field in error["fields"]
    assert error.get("rule") == rule
    assert db.session.query(Adjustment).count() == count


def test_two_waiting_allowances_cannot_add_up_beyond_what_is_owed(world, client):
    settlement = _peach(world)
    half_and_more = (settlement.buyer_outstanding / 2 + 1).quantize(Decimal("0.01"))
    first = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "a1"), json={
        "kind": "sales_allowance", "settlement_id": settlement.id, "amount": str(half_and_more), "reason": "一"})
    assert first.status_code == 201
    second = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "a2"), json={
        "kind": "sales_allowance", "settlement_id": settlement.id, "amount": str(half_and_more), "reason": "二"})
    assert second.status_code == 422 and second.get_json()["error"]["rule"] == "allowance_exceeds_outstanding"


def test_the_preparer_cannot_review_and_a_returned_adjustment_books_nothing(world, client):
    settlement = _peach(world)
    made = client.post("/api/v1/adjustments", headers=_auth(world, "accountant", "own"), json={
        "kind": "sales_allowance", "settlement_id": settlement.id, "amount": "30.00", "reason": "协商"}).get_json()
    own = client.post(f"/api/v1/adjustments/{made['id']}/approve", headers=_auth(world, "accountant"))
    assert own.status_code == 403 and own.get_json()["error"]["rule"] == "adjustment_self_review"
    assert client.post(f"/api/v1/adjustments/{made['id']}/return", headers=_auth(world, "chief"),
                       json={"reason": ""}).status_code == 422
    returned = client.post(f"/api/v1/adjustments/{made['id']}/return", headers=_auth(world, "chief"),
                           json={"reason": "金额未与超市确认"})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    assert client.post(f"/api/v1/adjustments/{made['id']}/approve", headers=_auth(world, "chief")).status_code == 409
    assert db.session.get(Adjustment, made["id"]).voucher_id is None
    assert problems() == []
    # a retry with the key returns the original; the key with another body is refused
    again = client.post("/api/v1/adjustments", headers=_auth(world, "accountant", "own"), json={
        "kind": "sales_allowance", "settlement_id": settlement.id, "amount": "30.00", "reason": "协商"})
    assert again.status_code in (200, 201) and again.get_json()["id"] == made["id"]  # the original, replayed
    assert client.post("/api/v1/adjustments", headers=_auth(world, "accountant", "own"), json={
        "kind": "sales_allowance", "settlement_id": settlement.id, "amount": "31.00", "reason": "协商"}).status_code == 409


def test_a_contract_batch_and_a_cashier_are_turned_away(world, client):
    batch = db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.CONTRACT_BATCH,
                                                       Settlement.posted_at.is_not(None)))
    refused = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "batch"), json={
        "kind": "sales_allowance", "settlement_id": batch.id, "amount": "10.00", "reason": "x"})
    assert refused.status_code == 409 and refused.get_json()["error"]["rule"] == "adjustment_needs_posted_sale"
    assert client.post("/api/v1/adjustments", headers=_auth(world, "cashier", "cash"), json={
        "kind": "sales_allowance", "settlement_id": _peach(world).id, "amount": "10.00",
        "reason": "x"}).status_code == 403


def test_a_voucher_typed_behind_the_services_on_a_partys_account_fails_verify(world, runner):
    """The issue's finding: a hand-made 借2202 ¥50 for a household left its 对账单 at one figure and the
    ledger at another while verify passed. The services now refuse it; made behind them, verify names it."""
    household = db.session.get(Household, world["ids"]["household_id"])
    assert parties.verify() == []
    period = ledger.period_for(DAY)
    voucher = Voucher(period_id=period.id, voucher_date=DAY, summary="手工冲减应付", status=VoucherStatus.PREPARED,
                      idempotency_key="behind", body_hash="x" * 64, prepared_by_id=world["users"]["accountant"].id)
    voucher.lines = [VoucherLine(line_no=1, account_id=ledger.account("2202").id, party_type=PartyType.HOUSEHOLD,
                                 party_id=household.id, debit=Decimal("50.00"), credit=Decimal(0)),
                     VoucherLine(line_no=2, account_id=ledger.account("5401").id, debit=Decimal(0),
                                 credit=Decimal("50.00"))]
    db.session.add(voucher)
    db.session.flush()
    db.session.execute(text("UPDATE vouchers SET status = 'posted', number = 999 WHERE id = :id"), {"id": voucher.id})
    db.session.commit()
    found = parties.verify()
    assert len(found) == 1 and found[0].startswith(f"2202 household {household.id} {household.head_name}")
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and f"2202 household {household.id}" in result.output


def test_an_adjustment_changed_behind_the_services_fails_verify(world):
    allowance = db.session.scalar(select(Adjustment).where(Adjustment.status == AdjustmentStatus.POSTED,
                                                           Adjustment.buyer_id.is_not(None)))
    db.session.execute(text("UPDATE adjustments SET amount = amount - 100, excl_vat = excl_vat - 100 WHERE id = :id"),
                       {"id": allowance.id})
    db.session.commit()
    found = problems()
    assert any(p.startswith(f"1122 buyer {allowance.buyer_id}") for p in found)
    assert any(p.startswith(f"adjustment {allowance.number}") for p in found)


def _log_in(client, user) -> None:
    from market.demo import DEMO_PASSWORD

    client.post("/logout")
    assert client.post("/login", data={"phone": user.phone, "password": DEMO_PASSWORD}).status_code == 302


def test_the_pages_prepare_an_allowance_and_another_accountant_posts_it(world, client):
    settlement = _peach(world)
    _log_in(client, world["users"]["coordinator"])
    detail = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert f"/settlements/{settlement.id}/adjust" in detail
    page = client.get(f"/settlements/{settlement.id}/adjust")
    assert page.status_code == 200 and "销售折让" in page.get_data(as_text=True)
    bad = client.post(f"/settlements/{settlement.id}/adjust", data={
        "a-idempotency_key": "page-1", "a-amount": "50.00", "a-per_kg": "0.10", "a-reason": "协商",
        "a-adjusted_on": str(DAY), "a-submit": "1"})
    assert bad.status_code == 422 and db.session.query(Adjustment).filter_by(idempotency_key="page-1").count() == 0
    sent = client.post(f"/settlements/{settlement.id}/adjust", data={
        "a-idempotency_key": "page-1", "a-amount": "50.00", "a-reason": "协商降价", "a-adjusted_on": str(DAY),
        "a-submit": "1"})
    assert sent.status_code == 302
    made = db.session.scalar(select(Adjustment).where(Adjustment.idempotency_key == "page-1"))
    assert made.status is AdjustmentStatus.SUBMITTED and made.amount == Decimal("-50.00")

    _log_in(client, world["users"]["accountant"])
    waiting = client.get("/adjustments/?status=submitted").get_data(as_text=True)
    assert made.number in waiting and f"/adjustments/{made.id}/approve" in waiting
    assert client.post(f"/adjustments/{made.id}/approve").status_code == 302
    db.session.refresh(made)
    assert made.status is AdjustmentStatus.POSTED and made.reviewed_by_id == world["users"]["accountant"].id
    assert problems() == []


def test_a_refused_adjustment_is_shown_on_its_page_with_the_refusal_s_status(world, client):
    settlement = _peach(world)
    batch = db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.CONTRACT_BATCH,
                                                       Settlement.posted_at.is_not(None)))
    _log_in(client, world["users"]["coordinator"])
    form = {"a-amount": "999999.00", "a-reason": "协商", "a-adjusted_on": str(DAY), "a-submit": "1"}
    too_much = client.post(f"/settlements/{settlement.id}/adjust", data={**form, "a-idempotency_key": "page-big"})
    assert too_much.status_code == 422 and "折让不能超过" in too_much.get_data(as_text=True)
    not_a_sale = client.post(f"/settlements/{batch.id}/adjust", data={**form, "a-amount": "10.00",
                                                                     "a-idempotency_key": "page-batch"})
    assert not_a_sale.status_code == 409 and 'role="alert"' in not_a_sale.get_data(as_text=True)
    assert db.session.query(Adjustment).filter(Adjustment.idempotency_key.like("page-%")).count() == 0


def test_the_public_disclosure_shows_the_corrected_price_and_amount(world, client):
    from market.fulfilment import disclosure

    settlement = _peach(world)
    before = disclosure.disclosure(settlement.order.number)
    correction = db.session.scalar(select(Adjustment).where(Adjustment.status == AdjustmentStatus.POSTED,
                                                            Adjustment.household_id.is_not(None)))
    # the demo's correction shows at the corrected price, its amount the slips' plus the difference
    [row] = [r for r in before.rows if r.corrected]
    assert row.price == correction.new_price and row.grade == correction.item.grade.name
    assert not any(r.price == correction.old_price and r.grade == row.grade and r.number == row.number
                   for r in before.rows)
    item = correction.item
    up = client.post("/api/v1/adjustments", headers=_auth(world, "coordinator", "pub"), json={
        "kind": "price_correction", "settlement_id": settlement.id, "item_id": item.id,
        "new_price": f"{correction.new_price + Decimal('1.00'):.2f}", "reason": "再次更正", "adjusted_on": str(DAY)})
    assert client.post(f"/api/v1/adjustments/{up.get_json()['id']}/approve",
                       headers=_auth(world, "accountant")).status_code == 200
    after = disclosure.disclosure(settlement.order.number)
    [moved] = [r for r in after.rows if r.corrected]
    assert moved.price == correction.new_price + 1 and moved.kg == row.kg
    assert moved.amount == row.amount + Decimal(up.get_json()["amount"])
    assert after.total_amount == before.total_amount + Decimal(up.get_json()["amount"])
    shown = client.get(f"/api/v1/disclosures/{settlement.order.number}", headers=_auth(world, "accountant")).get_json()
    assert "rows" in shown, shown
    [api_row] = [r for r in shown["rows"] if r["corrected"]]
    assert api_row["price_per_kg"] == f"{moved.price:.2f}" and api_row["amount"] == f"{moved.amount:.2f}"
