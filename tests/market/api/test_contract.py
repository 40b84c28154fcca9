"""The OpenAPI document says what the API does: decimals are strings, PATCH needs a body, 405 says Allow."""
from __future__ import annotations

import json
import re

import pytest

from models import AuditEvent, RoleName, db


@pytest.fixture
def staff(make_user, login):
    return login(make_user(RoleName.ADMIN, RoleName.ACCOUNTANT, RoleName.COORDINATOR, name="全能"))


def _properties(node):
    if isinstance(node, dict):
        if "properties" in node:
            yield from node["properties"].items()
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _properties(value)


def test_every_decimal_in_the_document_is_a_string_with_a_pattern(client, staff):
    spec = client.get("/api/v1/openapi.json").get_json()
    numbers = [name for name, prop in _properties(spec) if prop.get("type") == "number"]
    assert numbers == []
    decimals = [prop for _, prop in _properties(spec) if prop.get("format") == "decimal"]
    assert len(decimals) > 50
    assert all(prop["type"] == "string" and re.fullmatch(prop["pattern"], "-1234.50") for prop in decimals)
    assert not re.fullmatch(decimals[0]["pattern"], "1e309")


def test_a_decimal_sent_by_the_api_matches_the_documented_pattern(client, login, villager, catalogue):
    from tests.market.produce.test_api import _body
    login(villager)
    lot = client.post("/api/v1/lots", json=_body(catalogue)).get_json()
    spec = client.get("/api/v1/openapi.json").get_json()
    pattern = next(prop["pattern"] for _, prop in _properties(spec) if prop.get("format") == "decimal")
    assert isinstance(lot["quantity_kg"], str) and re.fullmatch(pattern, lot["quantity_kg"])


def test_every_patch_without_a_body_is_refused_and_changes_nothing(app, client, staff):
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    routes = [r for r in app.url_map.iter_rules() if "PATCH" in r.methods]
    assert routes
    for rule in routes:
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        for body in (None, {}, [], "null"):
            kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
            response = client.patch(url, **({} if body is None else kwargs))
            assert response.status_code == 422, (url, body, response.status_code)
            assert response.get_json()["error"]["code"] == "validation_error"
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before


@pytest.mark.parametrize("url, method", [("/api/v1/lots", "delete"), ("/api/v1/me", "post"), ("/lots", "delete"),
                                         ("/login", "put")])
def test_a_method_not_allowed_names_the_allowed_ones(client, staff, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert "GET" in {m.strip() for m in response.headers["Allow"].split(",")}


# --- what the document says of text, integers, keys and errors -----------------------------------

def test_the_text_pattern_refuses_exactly_the_characters_the_api_refuses():
    from market.api.schemas import TEXT_PATTERN
    from market.input_guard import CONTROL_CHARACTERS
    pattern = re.compile(TEXT_PATTERN)
    for code in list(range(0x100)) + [0x2028, 0xFEFF, 0x1F351]:
        text = f"桃{chr(code)}子"
        assert bool(pattern.match(text)) == (CONTROL_CHARACTERS.search(text) is None), hex(code)


def _taken(spec):
    """The document without the two shapes the API only answers with (errors, paging headers)."""
    return {**spec, "components": {**spec["components"], "schemas": {
        name: schema for name, schema in spec["components"]["schemas"].items()
        if name not in ("ErrorBody", "PaginationMetadata")}}}


def test_every_text_field_and_path_parameter_declares_the_text_pattern(client, staff):
    from market.api.schemas import TEXT_PATTERN
    spec = _taken(client.get("/api/v1/openapi.json").get_json())
    texts = [(name, prop) for name, prop in _properties(spec)
             if prop.get("type") == "string" and "enum" not in prop and "format" not in prop]
    assert len(texts) > 100
    assert [name for name, prop in texts if "pattern" not in prop] == []
    path_texts = [p for item in spec["paths"].values() for p in item.get("parameters", [])
                  if p["in"] == "path" and p["schema"].get("type") == "string"]
    assert path_texts and all(p["schema"]["pattern"] == TEXT_PATTERN for p in path_texts)


def test_every_patch_body_needs_a_field_and_every_integer_is_bounded(client, staff):
    spec = _taken(client.get("/api/v1/openapi.json").get_json())
    patches = [item["patch"] for item in spec["paths"].values() if "patch" in item]
    assert patches and all(media["schema"]["minProperties"] == 1
                           for op in patches for media in op["requestBody"]["content"].values())
    integers = [prop for _, prop in _properties(spec) if prop.get("type") == "integer" and not prop.get("readOnly")]
    assert integers and all(prop["maximum"] <= 2**31 - 1 and prop["minimum"] >= -2**31 for prop in integers)


def test_exact_numbers_are_documented_as_digits_or_whole_numbers_and_held_to_it(client, staff):
    spec = client.get("/api/v1/openapi.json").get_json()
    km_cost = spec["components"]["schemas"]["OrderCreate"]["properties"]["km_cost"]
    assert [alt["type"] for alt in km_cost["oneOf"]] == ["string", "integer"]
    # a voucher line's debit: "1e3", "+5", " 5" and 5.5 are not what the document allows, and are refused
    for debit in ("1e3", "+5", " 5", 5.5, "5,000"):
        response = client.post("/api/v1/vouchers", json={"voucher_date": "2026-08-02", "summary": "试",
                                                         "lines": [{"account_code": "1002", "debit": debit},
                                                                   {"account_code": "3001", "credit": "5"}]})
        error = response.get_json()["error"]
        assert response.status_code == 422 and error["code"] == "validation_error", (debit, error)
        assert list(error["fields"]) == ["lines.0.debit"], error


def test_an_integer_beyond_32_bits_is_refused_where_the_document_says_so(client, staff):
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    for url in ("/api/v1/lots?variety_id=-6516014526910712832", "/api/v1/households?village_id=2147483648",
                "/api/v1/vouchers?page=2147483648"):
        response = client.get(url)
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_error", url
    response = client.post("/api/v1/payments/batches", json={"payments": [{"household_id": 2**31, "amount": "1"}]},
                           headers={"Idempotency-Key": "big-id"})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["payments.0.household_id"]
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before


def test_a_rule_of_the_business_is_told_apart_from_a_request_the_document_refuses(client, staff):
    # the document allows it; the books refuse it: rule_not_met
    response = client.post("/api/v1/vouchers", json={"voucher_date": "2026-08-02", "summary": "不平",
                                                     "lines": [{"account_code": "1002", "debit": "5"},
                                                               {"account_code": "3001", "credit": "4"}]})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "rule_not_met"
    # the document refuses it (no lines at all): validation_error
    response = client.post("/api/v1/vouchers", json={"voucher_date": "2026-08-02", "summary": "空"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("key", ["", " ", "钥匙", "a b", "x" * 129])
def test_an_idempotency_key_outside_its_documented_pattern_is_refused(client, staff, key):
    response = client.post("/api/v1/vouchers", json={"voucher_date": "2026-08-02", "summary": "试", "lines": []},
                           headers={"Idempotency-Key": key.encode().decode("latin-1")})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request", key
