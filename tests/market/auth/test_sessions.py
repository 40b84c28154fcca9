"""Sessions and API tokens end when they should: logout, a new password, disabling, new roles, expiry."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from market.auth import services
from models import ApiToken, AuditEvent, RoleName, User, db, utcnow
from tests.factories import PASSWORD


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _client_with(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _token(client, login, user, **body) -> str:
    login(user)
    response = client.post("/api/v1/tokens", json={"name": "磅房电脑", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_session_cookie_captured_before_logout_no_longer_reads_writes_or_mints_tokens(app, client, login,
                                                                                        coordinator):
    login(coordinator)
    captured = _session_cookie(client)
    assert _client_with(app, captured).get("/api/v1/me").status_code == 200
    client.post("/logout")
    replayed = _client_with(app, captured)
    assert replayed.get("/api/v1/me").status_code == 401
    assert replayed.get("/home").status_code == 302  # to the login page
    assert replayed.post("/api/v1/tokens", json={"name": "偷来的"}).status_code == 401
    assert replayed.post("/lang/en").status_code == 302
    assert db.session.get(User, coordinator.id).locale is None
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_changing_ones_password_ends_the_other_sessions_and_the_tokens_but_not_this_one(app, client, login,
                                                                                        coordinator):
    token = _token(client, login, coordinator)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    assert elsewhere.get("/api/v1/me").status_code == 200
    response = client.post("/account", data={"pw-current_password": PASSWORD, "pw-new_password": "new-peach-2026",
                                             "pw-submit": "1"})
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=_bearer(token)).status_code == 401
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.password_change"))
    assert event.after == {"sessions": "ended", "tokens_revoked": 1}


@pytest.mark.parametrize("change", ["password", "disable then enable", "roles"])
def test_an_admin_changing_a_login_ends_its_sessions(app, client, login, admin, coordinator, change):
    victim = app.test_client()
    victim.post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    assert victim.get("/api/v1/me").status_code == 200
    user = db.session.get(User, coordinator.id)
    if change == "password":
        services.update_user(admin, user, password="another-pass-1")
    elif change == "roles":
        services.update_user(admin, user, roles=[RoleName.COORDINATOR, RoleName.BUYER])
    else:
        services.update_user(admin, user, active=False)
        db.session.commit()
        services.update_user(admin, user, active=True)
    db.session.commit()
    assert victim.get("/api/v1/me").status_code == 401


def test_renaming_a_login_keeps_its_sessions(app, admin, coordinator):
    session = app.test_client()
    session.post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    services.update_user(admin, db.session.get(User, coordinator.id), name="李协调员")
    db.session.commit()
    assert session.get("/api/v1/me").get_json()["name"] == "李协调员"


def test_disabling_a_login_revokes_its_tokens_for_good(app, client, login, admin, coordinator):
    token = _token(client, login, coordinator)
    user = db.session.get(User, coordinator.id)
    services.update_user(admin, user, active=False)
    db.session.commit()
    services.update_user(admin, user, active=True)
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_a_token_cannot_mint_tokens(app, client, login, coordinator):
    token = _token(client, login, coordinator)
    machine = app.test_client()
    response = machine.post("/api/v1/tokens", json={"name": "继任者"}, headers=_bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1


def test_a_token_expires(app, client, login, coordinator):
    token = _token(client, login, coordinator, days=30)
    stored = db.session.scalar(db.select(ApiToken))
    assert timedelta(days=29, hours=23) < stored.expires_at - utcnow() <= timedelta(days=30)
    machine = app.test_client()
    assert machine.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert machine.get("/api/v1/me", headers=_bearer(token)).status_code == 401


@pytest.mark.parametrize("days", [0, -1, 366, 10**12])
def test_a_token_lasts_a_day_to_a_year(client, login, coordinator, days):
    login(coordinator)
    response = client.post("/api/v1/tokens", json={"name": "x", "days": days})
    assert response.status_code == 422
    assert "days" in response.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_tokens_are_listed_with_their_expiry_and_revoked_through_the_api(app, client, login, coordinator,
                                                                         accountant):
    token = _token(client, login, coordinator)
    listed = client.get("/api/v1/tokens").get_json()
    assert [t["name"] for t in listed] == ["磅房电脑"] and listed[0]["expires_at"] and "token" not in listed[0]
    other = app.test_client()
    other.post("/login", data={"phone": accountant.phone, "password": PASSWORD})
    assert other.get("/api/v1/tokens").get_json() == []
    assert other.delete(f"/api/v1/tokens/{listed[0]['id']}").status_code == 404  # not hers
    assert client.delete(f"/api/v1/tokens/{listed[0]['id']}").status_code == 204
    assert app.test_client().get("/api/v1/me", headers=_bearer(token)).status_code == 401
    assert client.get("/api/v1/tokens").get_json()[0]["revoked_at"]


def test_the_account_page_shows_when_each_token_expires(client, login, coordinator):
    _token(client, login, coordinator)
    page = client.get("/account").get_data(as_text=True)
    assert "有效期至" in page and "磅房电脑" in page


def test_a_get_with_a_token_writes_nothing_in_its_request_and_records_last_use_once_an_interval(
        app, client, login, coordinator):
    token = _token(client, login, coordinator)
    machine = app.test_client()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            assert machine.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements.count("UPDATE") == 1  # the first use, in its own short transaction
    first_use = db.session.scalar(db.select(ApiToken.last_used_at))
    assert first_use is not None and utcnow() - first_use < timedelta(minutes=1)
