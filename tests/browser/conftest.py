"""Browser tests: the app served on a free loopback port, driven by Debian's chromium.

Outside CI a machine without chromium skips these tests (and says so); under CI a missing
browser is a failure.
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from market import create_app
from models import db
from tests.conftest import IN_CI, ON_POSTGRES, TEST_DATABASE_URL, _config_mapping

PHONE_VIEWPORT = {"width": 412, "height": 915}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        if IN_CI:
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("no chromium on this machine: browser tests skipped (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(database_url, tmp_path):
    """A separate app on a file database both the server thread and the test can reach."""
    url = database_url if ON_POSTGRES else f"sqlite:///{tmp_path / 'live.sqlite'}"
    app = create_app({**_config_mapping(), "SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(tmp_path / "photos"),
                      "WTF_CSRF_ENABLED": True, "PROPAGATE_TEST_ERRORS": False})
    with app.app_context():
        if not ON_POSTGRES:
            db.create_all()
            from market import database_rules
            database_rules.install(db.engine)
        yield app
        db.session.remove()
        if not ON_POSTGRES:
            db.drop_all()
        else:
            from sqlalchemy import text
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


def _whole_responses(app):
    """Each response read whole (and its file closed) before the test server sends it: the browser may
    drop a connection mid-file (an icon the page no longer needs), and the development server then
    leaves the response's file for the garbage collector, a ResourceWarning in some later test."""
    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return serve


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, _whole_responses(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    # a script the Content-Security-Policy blocked, a missing icon, a failing script: all show here.
    # A form sent back with its errors answers 422 by design: Chromium logs that page as a failed load.
    form_refused = "Failed to load resource: the server responded with a status of 422"
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith(form_refused) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the browser console reported errors: {errors}"


@pytest.fixture
def screenshot_dir():
    """Screenshots land in ./screenshots (kept out of git) so people can look at them."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "screenshots")
    os.makedirs(path, exist_ok=True)
    return os.path.abspath(path)
