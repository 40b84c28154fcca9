"""The suppliers page under the books and paying a supplier among the payment pages (CSRF on)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from market.payments import services as payments
from market.settlements import services as settlements, suppliers
from models import Payment, PaymentKind, Supplier, db
from tests.market.settlements.test_pages import DAY, csrf, hidden, login_with_form, prepared  # noqa: F401


def test_an_accountant_records_a_carrier_and_pays_it_the_freight_it_is_owed(client, csrf, received, coordinator,
                                                                            accountant):
    login_with_form(client, accountant)
    page = client.get("/books/suppliers").get_data(as_text=True)
    response = client.post("/books/suppliers", data={
        "csrf_token": hidden(page, "csrf_token"), "name": "顺达物流", "credit_code": "",
        "bank_name": "中国银行", "account_number": "6217000012345678901"})
    assert response.status_code == 302, response.get_data(as_text=True)
    carrier = db.session.scalar(select(Supplier).where(Supplier.name == "顺达物流"))
    settlement = prepared(received, coordinator, logistics="120", logistics_supplier_id=carrier.id)
    settlements.submit(coordinator, settlement)
    settlements.approve(accountant, settlement)
    settlements.post(accountant, settlement)
    db.session.commit()
    page = client.get("/books/suppliers").get_data(as_text=True)
    assert "顺达物流" in page and "120.00" in page

    page = client.get(f"/payments/suppliers?supplier_id={carrier.id}").get_data(as_text=True)
    assert 'value="120.00"' in page
    data = {"csrf_token": hidden(page, "csrf_token"), "idempotency_key": hidden(page, "idempotency_key"),
            "supplier_id": str(carrier.id), "amount": "120.00", "method": "bank", "paid_on": DAY.isoformat(),
            "reference": "", "signer": "", "note": ""}
    assert client.post("/payments/suppliers", data=data).status_code == 302
    assert client.post("/payments/suppliers", data=data).status_code == 302  # a double submit pays once
    paid = db.session.scalars(select(Payment).where(Payment.kind == PaymentKind.SUPPLIER_PAYOUT)).all()
    assert [(p.supplier_id, p.amount) for p in paid] == [(carrier.id, Decimal("120.00"))]
    assert payments.supplier_owed(carrier.id) == Decimal("0.00")


def test_a_coordinator_sees_suppliers_masked_and_cannot_record_one(client, csrf, coordinator, accountant, books):
    suppliers.create(accountant, {"name": "顺达物流", "account_number": "6217000012345678901"})
    db.session.commit()
    login_with_form(client, coordinator)
    page = client.get("/books/suppliers").get_data(as_text=True)
    assert "顺达物流" in page and "6217000012345678901" not in page and 'name="name"' not in page
    assert client.post("/books/suppliers", data={"csrf_token": hidden(page, "csrf_token"),
                                                 "name": "另一家"}).status_code == 403
