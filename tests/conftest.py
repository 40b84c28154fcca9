"""Fixtures: one app per test session, on SQLite (default) or PostgreSQL (``TEST_DATABASE_URL``).

The app is built once per session (building one costs ~0.4 s: the OpenAPI document alone has
hundreds of operations); each test gets its configuration back as it was and an empty database:
on SQLite its own copy of a template file made once (the engine's connections open whichever
file the current test has), on PostgreSQL every table emptied and every sequence restarted in one
round trip. Under pytest-xdist each worker has its own SQLite files and
its own PostgreSQL database (``<name>_gw0``, ``<name>_gw1``…), so the workers never meet.

Tests marked ``postgres_only`` are deselected (not skipped) on SQLite: the PostgreSQL pass of
``make test`` runs them.
"""
from __future__ import annotations

import contextvars
import os
import shutil

import pytest
from hypothesis import settings
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from market import create_app
from market.config import TestConfig, normalise_database_url
from market.extensions import limiter
from models import db

# Timing belongs in bench/, not in unit tests: no per-example deadline on a busy 2-core machine.
settings.register_profile("market", deadline=None, print_blob=True)
# CI repeats the same examples every run, so a landing never hangs on a draw; a developer's run
# explores new ones (and keeps what fails in .hypothesis for the next run).
settings.register_profile("ci", parent=settings.get_profile("market"), derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "market")

#: Unset: SQLite files (a file, not memory, so that the test's session and each request's session
#: have their own connections and transactions, as in production).
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


def _worker_database_url(worker: str) -> str:
    """This xdist worker's own PostgreSQL database, made afresh next to ``TEST_DATABASE_URL``'s."""
    base = make_url(TEST_DATABASE_URL)
    if worker == "master":
        return TEST_DATABASE_URL
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(worker_id):
    """The PostgreSQL database this worker's tests use (schema built), or the SQLite marker."""
    if not ON_POSTGRES:
        return TEST_DATABASE_URL
    engine = create_engine(TEST_DATABASE_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # an unreachable PostgreSQL fails the run, never skips it
        pytest.exit(f"PostgreSQL at {TEST_DATABASE_URL} is unreachable: {exc}", returncode=3)
    finally:
        engine.dispose()
    url = _worker_database_url(worker_id)
    app = create_app({**_config_mapping(), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        _drop_stray_tables()
        db.create_all()
        from market import database_rules
        database_rules.install(db.engine)
        db.engine.dispose()
    return url


def _drop_stray_tables():
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _config_mapping() -> dict:
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}


def _postgres_reset_sql() -> str:
    """One round trip that empties every table and restarts every sequence.

    DELETE with triggers off (``session_replication_role = replica``: the ledger's guards and the
    foreign keys stand aside) is far cheaper than TRUNCATE on tables of a few rows.
    """
    with db.engine.connect() as conn:
        sequences = conn.scalars(text(
            "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name) "
            "FROM information_schema.sequences WHERE sequence_schema = current_schema()")).all()
    statements = ["SET session_replication_role = replica"]
    statements += [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    statements += [f"ALTER SEQUENCE {name} RESTART" for name in sequences]
    statements.append("SET session_replication_role = DEFAULT")
    return "; ".join(statements)


#: The SQLite file the session app's connections open: each test points it at its own fresh copy.
_sqlite_file: dict[str, str] = {}


def _connect_to_this_tests_file():
    """The session app's engine connects through this, so each test reaches its own file without a
    new engine; a connection a test left open (an unfinished stream, say) keeps its own old file."""
    import sqlite3
    return sqlite3.connect(_sqlite_file["path"], check_same_thread=False)


@pytest.fixture(scope="session")
def session_app(database_url, tmp_path_factory):
    """The one app of this session (per xdist worker), and how to give a test an empty database."""
    folder = tmp_path_factory.mktemp("app")
    config = {**_config_mapping(), "SQLALCHEMY_DATABASE_URI": database_url}
    if not ON_POSTGRES:
        template = folder / "template.sqlite"
        _sqlite_file["path"] = str(template)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{template}"
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"creator": _connect_to_this_tests_file}
    app = create_app(config)
    with app.app_context():
        if ON_POSTGRES:
            app.extensions["test_reset_sql"] = _postgres_reset_sql()
        else:
            db.create_all()
            from market import database_rules
            database_rules.install(db.engine)
            db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
            app.extensions["test_sqlite_template"] = template
    return app


@pytest.fixture
def app(session_app, tmp_path):
    app = session_app
    saved = app.config.copy()
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    if not ON_POSTGRES:
        fresh = tmp_path / "test.sqlite"
        shutil.copyfile(app.extensions["test_sqlite_template"], fresh)
        _sqlite_file["path"] = str(fresh)
        # what another app in the same test (a second worker, say) must open to see this database
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{fresh}"
    with app.app_context():
        limiter.reset()
        try:
            yield app
        finally:
            db.session.rollback()
            db.session.remove()
            if ON_POSTGRES:
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(app.extensions["test_reset_sql"])
            db.engine.dispose()
            app.config.clear()
            app.config.update(saved)


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


#: The demo as ``demo.seed`` leaves it, per day it was laid around: seeded once per worker, then copied.
_demo_snapshots: dict = {}


def load_demo(today) -> None:
    """Load the demo laid around ``today`` into this test's empty database and commit it.

    Seeding runs the whole peach story through the services (seconds); a test that needs the demo
    as its starting point, not the seeding itself (tests/test_demo.py tests that), gets the rows
    the first seeding of this worker committed: on SQLite that file's bytes, on PostgreSQL every
    table's rows copied back in (triggers aside, as when tables are emptied) and every sequence
    set where seeding left it.
    """
    from market import demo

    snapshot = _demo_snapshots.get(today)
    if snapshot is None:
        demo.seed(today=today)
        db.session.commit()
        _demo_snapshots[today] = _take_snapshot()
        return
    db.session.remove()
    if ON_POSTGRES:
        _restore_postgres(snapshot)
    else:
        db.engine.dispose()
        with open(_sqlite_path(), "wb") as file:
            file.write(snapshot)


def _sqlite_path() -> str:
    """The file of the app in use: the session app's per-test copy, or a browser test's live app's."""
    from flask import current_app
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database


def _take_snapshot():
    db.session.remove()
    if not ON_POSTGRES:
        db.engine.dispose()  # the WAL is checkpointed into the file
        with open(_sqlite_path(), "rb") as file:
            return file.read()
    tables, sequences = {}, {}
    with db.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for table in db.metadata.sorted_tables:
            with cursor.copy(f'COPY "{table.name}" TO STDOUT (FORMAT BINARY)') as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            tables[table.name] = data
        for name in conn.scalars(text(
                "SELECT quote_ident(sequence_name) FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema()")).all():
            sequences[name] = conn.execute(text(f"SELECT last_value, is_called FROM {name}")).one()
    return tables, sequences


def _restore_postgres(snapshot) -> None:
    tables, sequences = snapshot
    with db.engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("SET LOCAL session_replication_role = replica")
        for name, data in tables.items():
            with cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT BINARY)') as copy:
                copy.write(data)
        for name, (last_value, is_called) in sequences.items():
            cursor.execute(f"SELECT setval('{name}', %s, %s)", (last_value, is_called))


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


from tests.factories import *  # noqa: E402,F401,F403  (fixtures)
