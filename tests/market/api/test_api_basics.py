"""The API's common rules: auth, one error shape, idempotency, the OpenAPI document."""
from __future__ import annotations

from models import ApiToken, IdempotencyRecord, db


def _token(client, login, user) -> str:
    login(user)
    response = client.post("/api/v1/tokens", json={"name": "磅房电脑"})
    assert response.status_code == 201, response.get_json()
    client.post("/logout")
    return response.get_json()["token"]


def test_the_api_refuses_anonymous_callers_with_the_error_shape(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["message"]


def test_a_bearer_token_authenticates_a_machine(app, client, login, coordinator):
    token = _token(client, login, coordinator)
    fresh = app.test_client()  # IsolatedClient, set by the client fixture
    response = fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["phone"] == coordinator.phone


def test_only_the_token_hash_is_stored(client, login, coordinator):
    token = _token(client, login, coordinator)
    stored = db.session.scalar(db.select(ApiToken))
    assert token not in (stored.token_hash, stored.prefix)


def test_a_revoked_token_no_longer_works(app, client, login, coordinator):
    token = _token(client, login, coordinator)
    login(coordinator)
    token_id = db.session.scalar(db.select(ApiToken.id))
    client.post(f"/account/tokens/{token_id}/revoke")
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_validation_errors_name_the_field_in_chinese(client, login, coordinator):
    login(coordinator)
    response = client.post("/api/v1/tokens", json={})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["name"] == ["缺少必填字段。"]


def test_validation_errors_come_in_english_for_english_users(client, login, coordinator):
    login(coordinator)
    client.post("/lang/en")
    response = client.post("/api/v1/tokens", json={"name": ""})
    assert response.get_json()["error"]["fields"]["name"] == ["Length must be between 1 and 64."]


def test_the_same_idempotency_key_and_body_returns_the_original(client, login, coordinator):
    login(coordinator)
    headers = {"Idempotency-Key": "k-1"}
    first = client.post("/api/v1/tokens", json={"name": "a"}, headers=headers)
    again = client.post("/api/v1/tokens", json={"name": "a"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1


def test_the_same_idempotency_key_with_another_body_is_409(client, login, coordinator):
    login(coordinator)
    headers = {"Idempotency-Key": "k-2"}
    client.post("/api/v1/tokens", json={"name": "a"}, headers=headers)
    other = client.post("/api/v1/tokens", json={"name": "b"}, headers=headers)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1


def test_a_refused_request_stores_no_idempotency_record(client, login, coordinator):
    login(coordinator)
    client.post("/api/v1/tokens", json={}, headers={"Idempotency-Key": "k-3"})
    assert db.session.scalar(db.select(db.func.count()).select_from(IdempotencyRecord)) == 0
    assert client.post("/api/v1/tokens", json={"name": "ok"}, headers={"Idempotency-Key": "k-3"}).status_code == 201


def test_session_callers_must_send_the_csrf_token_on_writes(app, client, login, coordinator):
    login(coordinator)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/api/v1/tokens", json={"name": "x"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_the_openapi_document_is_generated_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/tokens" in spec["paths"]
    params = spec["paths"]["/api/v1/tokens"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" for p in params)


def test_the_api_docs_page_is_served_locally_without_a_cdn(client):
    page = client.get("/api/v1/docs/").get_data(as_text=True)
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


def test_unknown_api_paths_answer_json_not_html(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
