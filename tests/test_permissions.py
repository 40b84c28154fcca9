"""Every route × every role: who may reach what, as one table.

Each row is a route (method + rule, exactly as ``app.url_map`` has it); each column a role. A cell:

    Y  may reach it (neither 401, 403, 404 nor a login redirect; a form may still refuse the empty
       input the probe sends, and an API write answers 422 to the empty body it is sent)
    -  may not: a login redirect (pages) or 401 (API) for ``anon``; 403, or 404 where the object is
       not theirs to know about, for everyone else (a URL naming an object the demo lacks, a photo
       say, is 404 for all)

The API refuses a role before it reads the request (``market.api.roles_first``): a denied cell of an
API route is asked twice, with an empty body (no query) and with one no schema accepts (a bad query),
and must answer 403 ``forbidden`` without field messages both times (401 for ``anon``), never 422.
Two refusals come after the body, by design: ``villager2`` and ``buyer2`` ask for another household's
or buyer's object, so where their role is admitted (``villager`` or ``buyer`` has Y on the row) the
view reads the body before it finds the object is not theirs, and 404 (not theirs to know about) or
422 is their answer too; and a URL naming an object the demo lacks is 404.

A route not in the table fails the test, and so does a row for a route that is gone: whoever adds a
route decides here who may use it. To add a role, add a column (and its user in
tests/permission_harness.py). Objects in URLs belong to ``villager`` (张秀英's household) and ``buyer``
(the demo supermarket): ``villager2`` and ``buyer2`` are another household and another buyer.
"""
from __future__ import annotations

import os

import pytest

from tests.permission_harness import build_world, endpoints, logged_in_clients, probe, url_for_rule

with open(os.path.join(os.path.dirname(__file__), "permission_matrix.txt"), encoding="utf-8") as _f:
    MATRIX = _f.read()


def parse_matrix(text: str) -> tuple[list[str], dict[tuple[str, str], dict[str, bool]]]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header = lines[0].split()
    assert header[:2] == ["METHOD", "RULE"], header
    roles = header[2:]
    table = {}
    for line in lines[1:]:
        words = line.split()
        method, cells = words[0], words[-len(roles):]
        rule = " ".join(words[1:-len(roles)])  # a rule may hold a space: <any(enable, disable):action>
        assert set(cells) <= {"Y", "-"}, line
        assert (method, rule) not in table, f"{method} {rule} twice"
        table[(method, rule)] = dict(zip(roles, (c == "Y" for c in cells)))
    return roles, table


ROLES, TABLE = parse_matrix(MATRIX)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


#: the columns asking for another household's or buyer's objects, and the role's own column
OTHERS = {"villager2": "villager", "buyer2": "buyer"}
#: what harness ids are when the demo lacks the object
MISSING_ID = "999999"


def outcome_fits(role: str, rule: str, allowed: bool, response, row: dict | None = None, url: str = "") -> bool:
    status = response.status_code
    if allowed:
        signed_out = rule == "/logout"  # its answer is the login page, by design
        return status not in (401, 403, 404) and (signed_out or not _is_login_redirect(response))
    if role == "anon":
        return status == 401 if rule.startswith("/api/") else _is_login_redirect(response)
    if not rule.startswith("/api/"):
        return status in (403, 404)
    return api_refusal_fits(role, response, row or {}, url)


def api_refusal_fits(role: str, response, row: dict, url: str) -> bool:
    """An API route refuses the role before it reads the body or the query: 403 ``forbidden``, no field
    messages. Another household's or buyer's object may be refused after the body (see above)."""
    status = response.status_code
    if status == 403:
        error = (response.get_json(silent=True) or {}).get("error") or {}
        return error.get("code") == "forbidden" and not error.get("fields")
    if status == 404:
        return role in OTHERS or MISSING_ID in url
    if status == 422:
        return role in OTHERS and row.get(OTHERS[role], False)
    return False


def test_every_route_is_in_the_matrix(app):
    routes = set(endpoints(app))
    missing = sorted(routes - TABLE.keys(), key=lambda e: (e[1], e[0]))
    gone = sorted(TABLE.keys() - routes, key=lambda e: (e[1], e[0]))
    assert not missing, "routes nobody has decided about (add them to tests/permission_matrix.txt):\n" + \
        "\n".join(f"{m} {r}" for m, r in missing)
    assert not gone, "rows for routes that no longer exist:\n" + "\n".join(f"{m} {r}" for m, r in gone)


def _order(endpoint):
    method, rule = endpoint
    # reads first, then writes; signing out last, so no request ends the session the next one needs
    return (rule == "/logout", method != "GET", rule, method)


#: The columns in two halves, each on its own copy of the world, so two test workers share the table:
#: those outside the company, and the staff.
HALVES = {"outside": ("anon", "villager", "villager2", "buyer", "buyer2", "cashier"),
          "staff": ("coordinator", "accountant", "admin", "chief")}


def test_the_halves_cover_every_column():
    assert sorted(sum(HALVES.values(), ())) == sorted(ROLES)


@pytest.mark.parametrize("half", sorted(HALVES))
def test_each_role_reaches_exactly_what_the_matrix_allows(app, half):
    """One database for each half of the table: every role of the half asks for every route."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is a finding in the table, not a crash of the test
    roles = [role for role in ROLES if role in HALVES[half]]
    world = build_world()
    world["clients"] = logged_in_clients(app, world, roles)
    wrong = []
    for method, rule in sorted(TABLE, key=_order):
        row = TABLE[(method, rule)]
        url = url_for_rule(rule, world["ids"])
        for role in roles:
            allowed = row[role]
            # a denied API cell is asked again with a body (query) nobody may send: still refused first
            attempts = (False, True) if rule.startswith("/api/") and not allowed else (False,)
            for invalid in attempts:
                response = probe(app, world, role, method, rule, invalid=invalid)
                asked = " (invalid body)" if invalid else ""
                if response.status_code >= 500:
                    wrong.append(f"{method} {rule} as {role}{asked}: {response.status_code}")
                if not outcome_fits(role, rule, allowed, response, row, url):
                    wrong.append(f"{method} {rule} as {role}{asked}: {'allowed' if allowed else 'denied'} "
                                 f"but got {response.status_code} {response.headers.get('Location', '')}")
    assert not wrong, f"{len(wrong)} cells wrong:\n" + "\n".join(wrong)
