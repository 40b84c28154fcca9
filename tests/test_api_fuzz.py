"""The API does what its OpenAPI document says, for whatever a client may send: schemathesis.

Every operation of ``/api/v1/openapi.json`` gets generated requests — valid by the document
(positive) and invalid by it (negative) — on the demo's data, as the accountant and as the
coordinator, once with the ids schemathesis draws and once with ids of records that exist. Every
built-in check runs on every answer: no 5xx, the status codes, content types, headers and bodies
the document declares, invalid requests refused, valid ones accepted, 405 carrying ``Allow``.

"Accepted" has two exceptions the document cannot express, both narrow:

* a valid request a rule of the business refuses is a 422 ``rule_not_met`` (a household that does
  not exist, debits that do not equal credits); a 422 ``validation_error`` is the document
  disagreeing with the API, and fails;
* control characters in the *keys* of a mapping (``farm_gate_prices``) are refused with a 400
  like any other text: OpenAPI 3.0 has no way to constrain keys.

Bounded: ``FUZZ_EXAMPLES`` examples per operation, mode and id kind (``make test`` keeps the default,
3; ``FUZZ_EXAMPLES=50`` for a deeper hunt before a release). The operations are dealt into
``SHARDS`` tests per role so the test workers run them side by side.
"""
from __future__ import annotations

import contextvars
import json
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as builtin

from market.input_guard import CONTROL_CHARACTERS, has_control_characters
from models import db
from tests.permission_harness import build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
ROLES = ("accountant", "coordinator")
#: The operations are dealt round-robin into this many tests per role, so the test workers share them.
SHARDS = 3


def isolated(app):
    """The app as a WSGI callable whose every request runs in its own application context (as in
    production), with the test's own session committed first so the request sees the data."""

    def wsgi(environ, start_response):
        db.session.commit()

        def run():
            body = app(environ, start_response)
            try:
                return list(body)
            finally:
                getattr(body, "close", lambda: None)()

        chunks = contextvars.Context().run(run)
        db.session.expire_all()
        return chunks

    return wsgi


def _keys_only(value: Any) -> bool:
    """Control characters sit in mapping keys and nowhere else."""
    def in_values(item: Any) -> bool:
        if isinstance(item, dict):
            return any(in_values(inner) for inner in item.values())
        if isinstance(item, list):
            return any(in_values(inner) for inner in item)
        return isinstance(item, str) and CONTROL_CHARACTERS.search(item) is not None
    return has_control_characters(value) and not in_values(value)


@schemathesis.check
def accepted_unless_a_rule_refuses(ctx, response, case):
    """The built-in ``positive_data_acceptance`` with the two exceptions of the module docstring."""
    error = {}
    if response.status_code in (400, 422):
        try:
            error = json.loads(response.content or b"{}").get("error") or {}
        except ValueError:
            error = {}
    if response.status_code == 422 and error.get("code") == "rule_not_met":
        return None
    if response.status_code == 400 and error.get("code") == "control_characters" \
            and case.body is not None and _keys_only(case.body) \
            and not has_control_characters(case.query or {}) \
            and not has_control_characters(case.path_parameters or {}):
        return None
    return builtin.positive_data_acceptance(ctx, response, case)


def _real_ids(operation, ids: dict) -> dict | None:
    names = [p.name for p in operation.path_parameters]
    if not names or any(name not in ids for name in names):
        return None
    return {name: ids[name] for name in names}


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_document(app, role, shard):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is a finding of the checks, not a crash here
    world = build_world()
    # the token as the document's ``bearer`` scheme: schemathesis sends it, and knows it is not generated
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"auth": {"openapi": {"bearer": {"bearer": world["tokens"][role]}}, "auto-signup": False}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app), config=config)
    failures: list[str] = []
    ran = 0
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=lambda op: op.label)
    for operation in operations[shard::SHARDS]:
        variants = [None]
        real = _real_ids(operation, world["ids"])
        if real is not None:
            variants.append(real)
        for path_parameters in variants:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

                @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
                @given(case=strategy)
                def fuzz(case):
                    case.call_and_validate(excluded_checks=[builtin.positive_data_acceptance],
                                           additional_checks=[accepted_unless_a_rule_refuses])

                ran += 1
                try:
                    fuzz()
                except (Exception, BaseExceptionGroup) as error:  # every operation is tried; all failures reported
                    failures.append(f"--- {operation.label} ({mode.value}, "
                                    f"{'real ids' if path_parameters else 'drawn ids'}):\n{error}")
                db.session.rollback()
    assert ran > 200 // SHARDS
    assert not failures, f"{len(failures)} of {ran} runs failed:\n" + "\n".join(failures)
