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
