"""The settlement pages: who may see them (and the payment pages), the 三方结算单 from draft to the
books through its forms (with CSRF on), and its printed forms."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import func, select

from market.settlements import services
from tests.factories import PASSWORD
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach  # noqa: F401  (fixtures)
from models import PurchaseInvoice, Settlement, SettlementStatus, Voucher, VoucherSource, db

DAY = date(2026, 8, 21)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def hidden(page: str, name: str) -> str:
    """The value of a hidden input (the CSRF token, an idempotency key) on a rendered page."""
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def translated(message) -> str:
    with force_locale("zh_CN"):
        return str(escape(str(message)))


@pytest.fixture
def csrf(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def prepared(received, preparer, **values) -> Settlement:
    order, _receipt = received
    values.setdefault("settle_on", DAY)
    settlement = services.prepare_order_settlement(preparer, order, **values)
    db.session.commit()
    return settlement


@pytest.fixture
def posted(received, coordinator, accountant):
    settlement = prepared(received, coordinator, logistics="120", packing="30")
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    db.session.commit()
    return settlement


def logout(client):
    """Log out the way the page's button does (with its CSRF token when CSRF is on)."""
    page = client.get("/account").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": hidden(page, "csrf_token")})


def login_with_form(client, user, password: str = PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": hidden(page, "csrf_token"), "phone": user.phone,
                                           "password": password})
    assert response.status_code == 302


# --- who may see what ----------------------------------------------------------------------------

def test_staff_see_the_settlement_pages_and_only_accountants_the_payments(client, login, posted, coordinator,
                                                                           accountant, admin):
    invoice = db.session.scalar(select(PurchaseInvoice))
    settlement_pages = ["/settlements/", "/settlements/?status=all", f"/settlements/{posted.id}",
                        f"/settlements/{posted.id}/print", f"/settlements/{posted.id}/invoices/print",
                        f"/settlements/invoices/{invoice.id}/print"]
    payment_pages = ["/payments/", "/payments/owed", "/payments/pay", "/payments/receive", "/payments/batch",
                     "/payments/prepayments"]
    login(accountant)
    for url in settlement_pages + payment_pages + ["/settlements/new", "/settlements/new-batch"]:
        assert client.get(url).status_code == 200, url
    logout(client)
    login(coordinator)
    for url in settlement_pages + ["/settlements/new", "/settlements/new-batch"]:
        assert client.get(url).status_code == 200, url
    for url in payment_pages:
        assert client.get(url).status_code == 403, url
    logout(client)
    login(admin)
    assert client.get(f"/settlements/{posted.id}").status_code == 200
    assert client.get("/settlements/new").status_code == 403


def test_villagers_and_buyers_are_kept_out(client, login, posted, villager, buyer_staff):
    urls = ["/settlements/", f"/settlements/{posted.id}", f"/settlements/{posted.id}/print", "/settlements/new",
            "/payments/", "/payments/owed", "/payments/pay", "/payments/batch"]
    for user in (villager, buyer_staff):
        login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user.name, url)
        assert client.post(f"/settlements/{posted.id}/post").status_code == 403
        logout(client)


def test_the_nav_shows_settlements_to_coordinators_and_payments_to_accountants(client, login, coordinator,
                                                                               accountant, books):
    login(coordinator)
    page = client.get("/home").get_data(as_text=True)
    assert 'href="/settlements/"' in page and 'href="/payments/"' not in page
    logout(client)
    login(accountant)
    page = client.get("/home").get_data(as_text=True)
    assert 'href="/settlements/"' in page and 'href="/payments/"' in page


# --- the settlement from draft to the books ---------------------------------------------------------

def test_prepare_submit_approve_and_post_through_the_pages(client, csrf, received, accountant, reviewer):
    order, _ = received
    login_with_form(client, accountant)
    page = client.get(f"/settlements/new?order_id={order.id}").get_data(as_text=True)
    assert order.number in page and 'value="9"' in page
    response = client.post("/settlements/new", data={
        "csrf_token": hidden(page, "csrf_token"), "order_id": str(order.id), "settle_on": DAY.isoformat(),
        "logistics": "120.00", "packing": "35.50", "buyer_deductions": "10", "vat_rate_pct": "9", "note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    settlement = db.session.scalar(select(Settlement))
    assert response.headers["Location"].endswith(f"/settlements/{settlement.id}")
    assert settlement.status is SettlementStatus.DRAFT and settlement.prepared_by_id == accountant.id

    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    gross = sum(line.gross for line in settlement.households)
    # buyer total = Σ household payables + costs + margin, with the numbers themselves
    for amount in (settlement.buyer_total, gross, Decimal("155.50"), settlement.margin):
        assert f"¥{amount:,.2f}" in page
    assert "✓" in page and "张秀英" in page and "王建国" in page
    response = client.post(f"/settlements/{settlement.id}/submit", data={"csrf_token": hidden(page, "csrf_token")})
    assert response.status_code == 302

    # the preparer is told why there is no approve button, and a forged approval is refused
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert f"/settlements/{settlement.id}/approve" not in page
    assert "双人复核" in page  # the four-eyes rule, in the page's Chinese
    forged = client.post(f"/settlements/{settlement.id}/approve", data={"csrf_token": hidden(page, "csrf_token")})
    assert forged.status_code == 403  # who may not is the 403 page, with the rule's words, as in the API
    assert translated(_l("The person who prepared a settlement cannot approve it.")) in forged.get_data(as_text=True)
    assert db.session.get(Settlement, settlement.id).status is SettlementStatus.SUBMITTED
    logout(client)

    login_with_form(client, reviewer)
    page = client.get("/settlements/").get_data(as_text=True)  # accountants start on the waiting tab
    assert settlement.number in page and 'class="active" aria-current="page"' in page
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert f"/settlements/{settlement.id}/approve" in page
    assert client.post(f"/settlements/{settlement.id}/approve",
                       data={"csrf_token": hidden(page, "csrf_token")}).status_code == 302
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert client.post(f"/settlements/{settlement.id}/post",
                       data={"csrf_token": hidden(page, "csrf_token")}).status_code == 302
    settlement = db.session.get(Settlement, settlement.id)
    assert settlement.status is SettlementStatus.POSTED and settlement.approved_by_id == reviewer.id

    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    vouchers = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT)).all()
    assert len(vouchers) == 3
    assert all(v.summary in page for v in vouchers)
    assert "1122" in page and "5001" in page and "2202" in page
    invoices = db.session.scalars(select(PurchaseInvoice)).all()
    assert len(invoices) == 3 and all(i.number in page for i in invoices)


def test_a_form_without_its_csrf_token_is_refused(client, csrf, received, coordinator):
    settlement = prepared(received, coordinator)
    login_with_form(client, coordinator)
    assert client.post(f"/settlements/{settlement.id}/submit").status_code == 400
    assert db.session.get(Settlement, settlement.id).status is SettlementStatus.DRAFT


def test_a_draft_is_computed_again_with_new_amounts(client, login, received, coordinator):
    settlement = prepared(received, coordinator)
    login(coordinator)
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert "/recompute" in page and "/discard" in page
    response = client.post(f"/settlements/{settlement.id}/recompute", data={
        "settle_on": DAY.isoformat(), "logistics": "200", "packing": "0", "buyer_deductions": "0",
        "vat_rate_pct": "9", "note": "运费已确认"})
    assert response.status_code == 302
    settlement = db.session.get(Settlement, settlement.id)
    assert settlement.logistics == Decimal("200.00") and settlement.note == "运费已确认"


def test_a_bad_amount_on_a_draft_is_shown_and_changes_nothing(client, login, received, coordinator):
    settlement = prepared(received, coordinator)
    margin = settlement.margin
    login(coordinator)
    response = client.post(f"/settlements/{settlement.id}/recompute", data={
        "settle_on": DAY.isoformat(), "logistics": "十块", "packing": "-3", "buyer_deductions": "0",
        "vat_rate_pct": "9", "note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert translated(_l("Enter an amount in yuan, e.g. 500.00.")) in page
    assert translated(_l("The amount cannot be negative.")) in page
    assert db.session.get(Settlement, settlement.id).margin == margin


def test_the_preparing_form_shows_the_services_messages(client, login, received, coordinator):
    order, _ = received
    login(coordinator)
    response = client.post("/settlements/new", data={
        "order_id": str(order.id), "settle_on": "2999-01-01", "logistics": "0", "packing": "0",
        "buyer_deductions": "999999", "vat_rate_pct": "150"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert translated(_l("The settlement date cannot be in the future.")) in page
    assert translated(_l("Enter the VAT rate in percent, e.g. 9.")) in page
    assert count(Settlement) == 0


def test_returning_needs_a_reason_which_the_draft_then_shows(client, login, received, coordinator, accountant):
    settlement = prepared(received, coordinator)
    services.submit(coordinator, settlement)
    db.session.commit()
    login(accountant)
    response = client.post(f"/settlements/{settlement.id}/return", data={"reason": " "})
    assert response.status_code == 422
    assert translated(_l("Say why the settlement is returned.")) in response.get_data(as_text=True)
    assert db.session.get(Settlement, settlement.id).status is SettlementStatus.SUBMITTED
    response = client.post(f"/settlements/{settlement.id}/return", data={"reason": "物流费发票未附"})
    assert response.status_code == 302
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert "物流费发票未附" in page
    assert db.session.get(Settlement, settlement.id).status is SettlementStatus.DRAFT


def test_a_draft_can_be_discarded_and_the_order_settled_again(client, login, received, coordinator):
    settlement = prepared(received, coordinator)
    login(coordinator)
    response = client.post(f"/settlements/{settlement.id}/discard")
    assert response.status_code == 302 and count(Settlement) == 0
    assert received[0].number in client.get("/settlements/new").get_data(as_text=True)


def test_the_batch_form_says_when_nothing_waits(client, login, books, coordinator):
    login(coordinator)
    response = client.post("/settlements/new-batch", data={"start": "", "end": "", "settle_on": "",
                                                           "vat_rate_pct": "9"})
    assert response.status_code == 409  # the refusal's own status: nothing waits (a conflict)
    assert translated(_l("There are no contract deliveries to settle in that range.")) in response.get_data(
        as_text=True)


def test_the_status_tabs_filter_the_list(client, login, received, coordinator, accountant):
    settlement = prepared(received, coordinator)
    login(accountant)
    assert settlement.number not in client.get("/settlements/").get_data(as_text=True)  # waiting: none
    assert settlement.number in client.get("/settlements/?status=draft").get_data(as_text=True)
    assert client.get("/settlements/?status=nonsense").status_code == 404


# --- printed -------------------------------------------------------------------------------------

def test_the_settlement_prints_its_output_vat_as_booked_in_the_sale_voucher(client, login, posted, accountant):
    from models import Voucher, VoucherSource

    login(accountant)
    sale = next(v for v in db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                                    Voucher.source_id == posted.id))
                if v.summary.startswith("销售"))
    credited = {line.account.code: line.credit for line in sale.lines if line.credit}
    assert credited == {"5001": posted.sale_net, "22210102": posted.output_vat}
    assert posted.output_vat > 0 and posted.sale_net + posted.output_vat == posted.buyer_total
    for url in (f"/settlements/{posted.id}/print", f"/settlements/{posted.id}"):
        page = client.get(url).get_data(as_text=True)
        section = page.split('id="sale-vat"')[1].split("</section>")[0]
        assert "不含税金额" in section and "税额" in section and "9%" in section
        assert f"¥{credited['5001']:,.2f}" in section and f"¥{credited['22210102']:,.2f}" in section
        assert "✓" in section


def test_the_printed_settlement_and_invoices_are_in_chinese_and_reconcile(client, login, posted, accountant):
    login(accountant)
    page = client.get(f"/settlements/{posted.id}/print").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and posted.number in page and "张秀英" in page
    assert f"¥{posted.buyer_total:,.2f}" in page and f"¥{posted.margin:,.2f}" in page and "✓" in page
    invoice = db.session.scalar(select(PurchaseInvoice).order_by(PurchaseInvoice.id))
    page = client.get(f"/settlements/invoices/{invoice.id}/print").get_data(as_text=True)
    assert invoice.number in page and invoice.seller_name in page
    assert invoice.seller_id_masked in page and "610402195803151234" not in page
    assert f"¥{invoice.vat:,.2f}" in page and f"{invoice.quantity_kg.normalize():f}" in page
    page = client.get(f"/settlements/{posted.id}/invoices/print").get_data(as_text=True)
    assert page.count('class="doc st-invoice"') == 3


# --- contract purchases ------------------------------------------------------------------------------

@pytest.fixture
def delivered(make_contract, coordinator, grades, books):
    """An active contract with 100 kg of 一级 delivered on it, waiting to be settled."""
    from datetime import datetime, timezone

    from market.weighing import services as weighing

    contract = make_contract("active")
    weighing.issue_slip(coordinator, household_id=contract.household_id, variety_id=contract.variety_id,
                        contract_id=contract.id, weighed_at=datetime(2026, 8, 1, 2, 0, tzinfo=timezone.utc),
                        gross="112", tare="12", crates=0,
                        grade_split=[{"grade_id": grades["一级"].id, "amount": "100"}])
    db.session.commit()
    return contract


def test_contract_deliveries_are_settled_for_stock_through_the_pages(client, login, delivered, coordinator,
                                                                     accountant):
    login(coordinator)
    page = client.get("/settlements/new-batch").get_data(as_text=True)
    assert "<strong>1</strong>" in page  # one delivery waits
    response = client.post("/settlements/new-batch", data={"start": "", "end": "", "settle_on": DAY.isoformat(),
                                                           "vat_rate_pct": "9", "note": "合同户交售"})
    assert response.status_code == 302, response.get_data(as_text=True)
    settlement = db.session.scalar(select(Settlement))
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert "✓" in page and "库存商品" in page and f"¥{settlement.purchase_total:,.2f}" in page
    assert 'name="logistics"' not in page  # a purchase for stock has no logistics or buyer
    client.post(f"/settlements/{settlement.id}/submit")
    logout(client)
    login(accountant)
    client.post(f"/settlements/{settlement.id}/approve")
    client.post(f"/settlements/{settlement.id}/post")
    assert db.session.get(Settlement, settlement.id).status is SettlementStatus.POSTED
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert "1405" in page and "22210101" in page
    assert client.get(f"/settlements/{settlement.id}/print").status_code == 200


def test_a_villagers_pending_contract_delivery_is_worded_as_a_contract_purchase(client, login, delivered, villager):
    """Not "after the supermarket order is settled": these peaches were bought on her contract."""
    login(villager)
    page = client.get("/me/statement").get_data(as_text=True)
    assert "合同" in page.split("已过磅")[-1] and "超市订单结算后" not in page


def test_a_special_invoice_is_entered_on_the_page_and_its_deductible_vat_shown(client, csrf, received, accountant):
    order, _ = received
    login_with_form(client, accountant)
    page = client.get(f"/settlements/new?order_id={order.id}").get_data(as_text=True)
    assert 'name="logistics_invoice_no"' in page and "专用发票" in page
    data = {"csrf_token": hidden(page, "csrf_token"), "order_id": str(order.id), "settle_on": DAY.isoformat(),
            "logistics": "120.00", "packing": "0", "buyer_deductions": "0", "vat_rate_pct": "9", "note": "",
            "logistics_invoice_no": "04400123", "logistics_vat_rate_pct": ""}
    response = client.post("/settlements/new", data=data)
    assert response.status_code == 422 and "专用发票" in response.get_data(as_text=True)
    response = client.post("/settlements/new", data={**data, "logistics_vat_rate_pct": "9"})
    assert response.status_code == 302, response.get_data(as_text=True)
    settlement = db.session.scalar(select(Settlement))
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert "¥9.91" in page and 'value="04400123"' in page  # 120.00 × 9 / 109 = 9.908… → 9.91
    page = client.get(f"/settlements/{settlement.id}/print").get_data(as_text=True)
    assert "04400123" in page.split('id="special-invoices"')[1].split("</p>")[0]
