"""A product's sales VAT: taxable at a rate (the setting's by default), or exempt with its basis;
set by admins and accountants, on the page and through the API, checked and audited."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import exc, text

from market.errors import PermissionDenied, ValidationFailed
from market.reference import catalogue
from models import Product, db

from .support import events


@pytest.fixture
def peach(admin):
    product = catalogue.create_product(admin, name="桃")
    db.session.commit()
    return product


def test_a_new_product_is_taxable_at_the_configured_rate(app, admin):
    app.config["SALES_VAT_RATE_PCT"] = "13"
    product = catalogue.create_product(admin, name="苹果")
    assert (product.sales_vat_rate_pct, product.sales_vat_exempt_basis, product.sales_vat_exempt) == (
        Decimal("13.00"), "", False)


def test_an_accountant_makes_vegetables_exempt_and_back_and_each_change_is_audited(admin, accountant):
    cabbage = catalogue.create_product(admin, name="白菜")
    catalogue.set_sales_vat(accountant, cabbage, exempt=True, basis="  蔬菜流通环节免税 ")
    assert (cabbage.sales_vat_rate_pct, cabbage.sales_vat_exempt_basis) == (None, "蔬菜流通环节免税")
    catalogue.set_sales_vat(admin, cabbage, exempt=False, rate_pct="9 %")
    assert (cabbage.sales_vat_rate_pct, cabbage.sales_vat_exempt_basis) == (Decimal("9.00"), "")
    changes = events("product.sales_vat")
    assert [(e.before["sales_vat_rate_pct"], e.after["sales_vat_exempt_basis"]) for e in changes] == [
        ("9.00", "蔬菜流通环节免税"), (None, "")]


@pytest.mark.parametrize("values, field", [
    ({"exempt": False, "rate_pct": "17.01"}, "rate_pct"), ({"exempt": False, "rate_pct": "-1"}, "rate_pct"),
    ({"exempt": False, "rate_pct": "9.001"}, "rate_pct"), ({"exempt": False, "rate_pct": "九"}, "rate_pct"),
    ({"exempt": False, "rate_pct": ""}, "rate_pct"), ({"exempt": True, "basis": "   "}, "basis"),
    ({"exempt": True, "basis": "免" * 129}, "basis"),
])
def test_a_rate_outside_0_to_17_or_an_exemption_without_basis_is_refused(peach, accountant, values, field):
    with pytest.raises(ValidationFailed) as caught:
        catalogue.set_sales_vat(accountant, peach, **values)
    assert field in caught.value.fields
    db.session.rollback()
    assert db.session.get(Product, peach.id).sales_vat_rate_pct == Decimal("9.00")


def test_0_and_17_percent_are_accepted(peach, accountant):
    assert catalogue.set_sales_vat(accountant, peach, exempt=False, rate_pct="0").sales_vat_rate_pct == 0
    assert catalogue.set_sales_vat(accountant, peach, exempt=False, rate_pct="17").sales_vat_rate_pct == 17


def test_a_coordinator_cannot_change_the_vat(peach, coordinator):
    with pytest.raises(PermissionDenied):
        catalogue.set_sales_vat(coordinator, peach, exempt=True, basis="蔬菜流通环节免税")


@pytest.mark.parametrize("statement", [
    "UPDATE products SET sales_vat_rate_pct = NULL",                         # exempt without a basis
    "UPDATE products SET sales_vat_exempt_basis = '蔬菜流通环节免税'",           # a rate and a basis
    "UPDATE products SET sales_vat_rate_pct = 1701",                         # above 17 %
])
def test_the_database_refuses_a_treatment_that_is_neither_or_both(peach, statement):
    with pytest.raises(exc.IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


def test_a_coordinator_reads_the_vat_but_has_no_form(client, login, peach, coordinator):
    login(coordinator)
    page = client.get(f"/admin/products/{peach.id}").get_data(as_text=True)
    assert "9%" in page and "vat-treatment" not in page
    assert client.post(f"/admin/products/{peach.id}/sales-vat",
                       data={"vat-treatment": "exempt", "vat-basis": "蔬菜流通环节免税"}).status_code == 403
    assert client.put(f"/api/v1/products/{peach.id}/sales-vat", json={"exempt": False, "rate_pct": "13"}).status_code == 403
    assert client.get(f"/api/v1/products/{peach.id}").get_json()["sales_vat_rate_pct"] == "9.00"


def test_the_product_page_shows_and_edits_the_vat(client, login, peach, accountant):
    login(accountant)
    page = client.get(f"/admin/products/{peach.id}").get_data(as_text=True)
    assert 'name="vat-treatment"' in page
    response = client.post(f"/admin/products/{peach.id}/sales-vat",
                           data={"vat-treatment": "exempt", "vat-basis": ""})
    assert response.status_code == 422 and "免税" in response.get_data(as_text=True)
    response = client.post(f"/admin/products/{peach.id}/sales-vat",
                           data={"vat-treatment": "exempt", "vat-basis": "蔬菜流通环节免税"})
    assert response.status_code == 302
    page = client.get("/admin/products").get_data(as_text=True)
    assert "免税" in page
    assert db.session.get(Product, peach.id).sales_vat_exempt_basis == "蔬菜流通环节免税"


def test_the_api_reads_and_sets_the_vat(client, login, peach, accountant):
    login(accountant)
    response = client.put(f"/api/v1/products/{peach.id}/sales-vat", json={"exempt": False, "rate_pct": "18"})
    assert response.status_code == 422
    body = client.put(f"/api/v1/products/{peach.id}/sales-vat",
                      json={"exempt": True, "basis": "蔬菜流通环节免税"}).get_json()
    assert (body["sales_vat_exempt"], body["sales_vat_rate_pct"], body["sales_vat_exempt_basis"]) == (
        True, None, "蔬菜流通环节免税")
