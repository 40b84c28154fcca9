"""Logging in and out, throttling and language choice."""
from __future__ import annotations

from models import AuditEvent, RoleName, db
from tests.factories import PASSWORD


def test_a_coordinator_logs_in_with_phone_and_password_and_lands_on_home(client, coordinator):
    response = client.post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    page = client.get("/home")
    assert page.status_code == 200
    assert coordinator.name in page.get_data(as_text=True)


def test_a_wrong_password_is_refused_with_a_message_in_chinese(client, coordinator):
    response = client.post("/login", data={"phone": coordinator.phone, "password": "wrong-password"})
    assert response.status_code == 200
    assert "手机号或密码错误" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_an_unknown_phone_gets_the_same_answer_as_a_wrong_password(client):
    response = client.post("/login", data={"phone": "13700000000", "password": "whatever-1"})
    assert "手机号或密码错误" in response.get_data(as_text=True)


def test_a_disabled_login_cannot_sign_in(client, coordinator):
    coordinator.is_active_flag = False
    db.session.commit()
    response = client.post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/home").status_code == 302


def test_repeated_failures_are_throttled(app, client, coordinator):
    statuses = [client.post("/login", data={"phone": coordinator.phone, "password": "nope-nope"}).status_code
                for _ in range(12)]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
    assert "稍等" in client.post("/login", data={"phone": coordinator.phone, "password": PASSWORD}).get_data(as_text=True)


def test_passwords_are_stored_as_argon2id_hashes(coordinator):
    assert coordinator.password_hash.startswith("$argon2id$")
    assert PASSWORD not in coordinator.password_hash


def test_production_hashes_at_the_rfc_9106_low_memory_cost_and_tests_hash_cheaply(app, coordinator):
    from argon2 import extract_parameters
    from market import create_app
    from market.auth.services import hash_password
    from market.config import Config

    production = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with production.app_context():
        params = extract_parameters(hash_password("peach-2016!"))
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert (Config.PASSWORD_HASH_TIME_COST, Config.PASSWORD_HASH_MEMORY_KIB) == (3, 65536)
    cheap = extract_parameters(coordinator.password_hash)
    assert (cheap.time_cost, cheap.memory_cost, cheap.parallelism) == (1, 8, 1)


def test_a_login_hashed_at_an_older_cost_is_rehashed_at_the_configured_cost(app, client, coordinator):
    from argon2 import PasswordHasher, extract_parameters
    coordinator.password_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    db.session.commit()
    assert client.post("/login", data={"phone": coordinator.phone, "password": PASSWORD}).status_code == 302
    db.session.refresh(coordinator)
    assert extract_parameters(coordinator.password_hash).time_cost == 1


def test_logging_out_ends_the_session(client, coordinator, login):
    login(coordinator)
    assert client.get("/home").status_code == 200
    client.post("/logout")
    assert client.get("/home").status_code == 302


def test_pages_are_chinese_by_default_and_english_on_request(client, coordinator, login):
    login(coordinator)
    assert "退出" in client.get("/home").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/home"})
    page = client.get("/home").get_data(as_text=True)
    assert "Log out" in page
    db.session.expire_all()
    assert db.session.get(type(coordinator), coordinator.id).locale == "en"


def test_the_language_choice_follows_the_user_to_a_new_session(app, coordinator, login, client):
    login(coordinator)
    client.post("/lang/en", data={"next": "/home"})
    other = app.test_client()
    other.post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    assert "Log out" in other.get("/home").get_data(as_text=True)


def test_an_open_redirect_after_login_is_refused(client, coordinator):
    response = client.post("/login?next=https://evil.example/", data={"phone": coordinator.phone,
                                                                      "password": PASSWORD})
    assert response.headers["Location"].endswith("/home")


def test_the_login_form_needs_its_csrf_token_when_csrf_is_on(app, coordinator):
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    assert response.status_code == 400


def test_a_csrf_token_older_than_a_working_day_is_refused(app, monkeypatch):
    import time

    import itsdangerous.timed
    import pytest
    from flask_wtf.csrf import generate_csrf, validate_csrf
    from wtforms.validators import ValidationError

    assert app.config["WTF_CSRF_TIME_LIMIT"] == 8 * 3600
    with app.test_request_context("/login"):
        token = generate_csrf()
        now = time.time()
        signer = itsdangerous.timed.TimestampSigner  # the clock the token's age is read by, and only it
        monkeypatch.setattr(signer, "get_timestamp", lambda self: int(now + 8 * 3600 - 60))
        validate_csrf(token)  # still within the working day
        monkeypatch.setattr(signer, "get_timestamp", lambda self: int(now + 8 * 3600 + 60))
        with pytest.raises(ValidationError, match="expired"):
            validate_csrf(token)

def test_users_create_command_makes_a_login(runner):
    result = runner.invoke(args=["users", "create", "--phone", "13911112222", "--name", "王会计",
                                 "--role", "accountant", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    from models import User
    user = db.session.scalar(db.select(User).where(User.phone == "13911112222"))
    assert user.role_names == {RoleName.ACCOUNTANT}
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.create")) is not None


def test_users_create_command_refuses_a_bad_phone_and_writes_nothing(runner):
    result = runner.invoke(args=["users", "create", "--phone", "12345", "--name", "x",
                                 "--role", "admin", "--password", "long-enough-1"])
    assert result.exit_code != 0
    assert "11" in result.output
    from models import User
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
