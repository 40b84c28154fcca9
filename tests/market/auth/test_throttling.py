"""Login throttling: failures only, per account first, behind a proxy, shared between workers."""
from __future__ import annotations

import uuid

import pytest

from market import create_app
from models import RoleName, db
from tests.conftest import IN_CI, _config_mapping
from tests.factories import PASSWORD


def _fail(client, phone, **kwargs):
    return client.post("/login", data={"phone": phone, "password": "nope-nope"}, **kwargs).status_code


def _sign_in(client, phone, **kwargs):
    response = client.post("/login", data={"phone": phone, "password": PASSWORD}, **kwargs)
    client.post("/logout")
    return response.status_code


def test_successful_logins_never_count_against_anyone(client, coordinator, accountant):
    assert [_sign_in(client, coordinator.phone) for _ in range(60)] == [302] * 60
    assert _sign_in(client, accountant.phone) == 302


def test_one_persons_wrong_guesses_lock_only_that_account(client, coordinator, accountant):
    assert [_fail(client, coordinator.phone) for _ in range(11)][-1] == 429
    assert _sign_in(client, coordinator.phone) == 429
    assert _sign_in(client, accountant.phone) == 302  # same address, another account


def test_the_lockout_message_says_how_long_to_wait(app, client, coordinator):
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"
    for _ in range(3):
        _fail(client, coordinator.phone)
    page = client.post("/login", data={"phone": coordinator.phone, "password": PASSWORD})
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert "分钟后再试" in text and "一分钟" not in text
    minutes = int(text.split("请在 ")[1].split(" 分钟")[0])
    assert 2 <= minutes <= 60
    assert 0 < int(page.headers["Retry-After"]) <= 3600


def test_spraying_many_accounts_from_one_address_is_stopped(app, client, make_user):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "5 per minute"
    phones = [make_user(RoleName.COORDINATOR).phone for _ in range(6)]
    assert [_fail(client, phone) for phone in phones] == [200] * 5 + [429]


@pytest.fixture
def other_app(app):
    """Another app (another gunicorn worker, say) on the test's database; its connections are closed
    after the test, so the next test's fresh database file is not shared with a stray one."""
    made = []

    def build(**config):
        made.append(create_app({**_config_mapping(), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                **config}))
        return made[-1]

    yield build
    for other in made:
        with other.app_context():
            db.engine.dispose()


def test_behind_a_trusted_proxy_each_client_is_throttled_by_its_own_address(other_app, coordinator):
    proxied = other_app(PROXY_FIX_X_FOR=1, LOGIN_ADDRESS_RATE_LIMIT="3 per minute")
    client = proxied.test_client()
    first = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "headers": {"X-Forwarded-For": "203.0.113.7"}}
    second = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "headers": {"X-Forwarded-For": "198.51.100.9"}}
    with proxied.app_context():
        assert [_fail(client, f"1390000000{i}", **first) for i in range(4)] == [200, 200, 200, 429]
        assert _fail(client, "13900000009", **second) == 200


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(app):
    client = app.test_client()
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "3 per minute"
    spoofed = [_fail(client, f"1390000000{i}", headers={"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(4)]
    assert spoofed == [200, 200, 200, 429]


REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_reachable() -> bool:
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001  (any failure means: not reachable)
        return False


_WORKER = """
import json, sys
from market import create_app
from tests.conftest import _config_mapping
config = {**_config_mapping(), **json.loads(sys.argv[1])}
app = create_app(config)
client = app.test_client()
with app.app_context():
    for _ in range(int(sys.argv[3])):
        response = client.post("/login", data={"phone": sys.argv[2], "password": "nope-nope"})
        print(response.status_code)
"""


def test_workers_in_separate_processes_count_failures_together_in_redis(app, coordinator):
    """Three processes, as three gunicorn workers: 2 + 2 failures, then the fifth is refused."""
    import json
    import subprocess
    import sys

    if not _redis_reachable():
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable")
        pytest.skip(f"no Redis at {REDIS_URL}: the shared throttling store is not tested here")
    config = json.dumps({"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                         "LOGIN_RATE_LIMIT": "4 per minute",
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    statuses = []
    for attempts in (2, 2, 1):
        done = subprocess.run([sys.executable, "-c", _WORKER, config, coordinator.phone, str(attempts)],
                              capture_output=True, text=True, timeout=120, check=True)
        statuses += [int(line) for line in done.stdout.split()]
    assert statuses == [200, 200, 200, 200, 429]
