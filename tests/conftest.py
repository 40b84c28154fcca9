"""Fixtures: an app per test on SQLite (default) or PostgreSQL (``TEST_DATABASE_URL``).

On PostgreSQL the schema is built once per run and every table is emptied after each test.
Tests marked ``postgres_only`` are deselected (not skipped) on SQLite: the PostgreSQL pass of
``make test`` runs them.
"""
from __future__ import annotations

import contextvars
import os

import pytest
from hypothesis import settings
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from market import create_app
from market.config import TestConfig, normalise_database_url
from market.extensions import limiter
from models import db

# Timing belongs in bench/, not in unit tests: no per-example deadline on a busy 2-core machine.
settings.register_profile("market", deadline=None, print_blob=True)
settings.load_profile("market")

#: Unset: a fresh SQLite file per test (a file, not memory, so that the test's session and each
#: request's session have their own connections and transactions, as in production).
TEST_DATABASE_URL = normalise_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_report_header(config):
    return f"database: {TEST_DATABASE_URL.split('@')[-1] if ON_POSTGRES else TEST_DATABASE_URL}"


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres_only") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def database_url():
    if ON_POSTGRES:
        engine = create_engine(TEST_DATABASE_URL)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # an unreachable PostgreSQL fails the run, never skips it
            pytest.exit(f"PostgreSQL at {TEST_DATABASE_URL} is unreachable: {exc}", returncode=3)
        finally:
            engine.dispose()
        app = create_app({**_config_mapping(), "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL})
        with app.app_context():
            db.drop_all()
            _drop_stray_tables()
            db.create_all()
            from market import database_rules
            database_rules.install(db.engine)
            db.engine.dispose()
    return TEST_DATABASE_URL


def _drop_stray_tables():
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _config_mapping() -> dict:
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}


@pytest.fixture
def app(database_url, tmp_path):
    if not ON_POSTGRES:
        database_url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    app = create_app({**_config_mapping(), "SQLALCHEMY_DATABASE_URI": database_url,
                      "PHOTO_DIR": str(tmp_path / "photos")})
    with app.app_context():
        if not ON_POSTGRES:
            db.create_all()
            from market import database_rules
            database_rules.install(db.engine)
        limiter.reset()
        yield app
        db.session.rollback()
        db.session.remove()
        if ON_POSTGRES:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            db.drop_all()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context, as in production.

    The test keeps its own context (and database session) for setup and checks; without
    this, requests would share it, and a view that forgot to commit would still look right.
    After each request the test's session forgets what it had loaded, so checks see the
    database as the request left it.
    """

    def open(self, *args, **kwargs):
        db.session.commit()  # the request sees what the test set up, and no read transaction lingers
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


from tests.factories import *  # noqa: E402,F401,F403  (fixtures)
