"""Refusals name the business rule that refused, with a stable code the API carries and documents."""
from __future__ import annotations

import pathlib
import re

from market.errors import RULES, ValidationFailed

MARKET = pathlib.Path(__file__).resolve().parent.parent / "market"


def _source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in MARKET.rglob("*.py"))


def test_every_named_rule_is_raised_somewhere_and_no_refusal_is_told_apart_by_its_words():
    source = _source()
    for rule in RULES:
        assert f'"{rule}"' in source.replace("RULES: dict", ""), f"{rule} is named but never raised"
    # a refusal is told apart by its code, never by matching its message
    assert not re.search(r'"[^"]+" in str\((error|exc|e)\)', source)


def test_an_unknown_rule_cannot_be_raised():
    import pytest

    with pytest.raises(ValueError):
        ValidationFailed("x", rule="no_such_rule")


def test_the_api_document_lists_the_rules(client):
    document = client.get("/api/v1/openapi.json").get_json()
    body = document["components"]["schemas"]["ErrorBody"]["properties"]["rule"]
    assert body["enum"] == sorted(RULES)


def test_the_api_error_carries_the_rule(app, client, login, accountant):
    from market.ledger import services as ledger

    ledger.seed_chart()
    from models import db
    db.session.commit()
    login(accountant)
    response = client.post("/api/v1/vouchers", headers={"Idempotency-Key": "unbalanced"}, json={
        "voucher_date": "2026-08-10", "summary": "试记",
        "lines": [{"account_code": "5601", "debit": "10.00"}, {"account_code": "1002", "credit": "9.99"}]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["rule"]) == ("rule_not_met", "voucher_unbalanced")
    response = client.post("/api/v1/vouchers", headers={"Idempotency-Key": "overdrawn"}, json={
        "voucher_date": "2026-08-10", "summary": "试记",
        "lines": [{"account_code": "5601", "debit": "10.00"}, {"account_code": "1002", "credit": "10.00"}]})
    assert response.get_json()["error"]["rule"] == "cash_below_zero"
