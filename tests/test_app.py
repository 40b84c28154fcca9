"""The application factory, configuration and health check."""
from __future__ import annotations

import pytest

from market import create_app
from market.config import normalise_database_url


def test_postgres_urls_are_pointed_at_psycopg_3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_database_url_from_the_environment_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example/market")
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example/market"


def test_without_database_url_sqlite_lives_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    app = create_app()
    with app.app_context():
        from models import db
        assert db.engine.url.database.startswith(app.instance_path)


def test_a_production_app_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("MARKET_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_health_check_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_check_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_the_factory_creates_no_tables(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}"})
    with app.app_context():
        from sqlalchemy import inspect
        from models import db
        assert inspect(db.engine).get_table_names() == []



def test_liveness_answers_without_touching_the_database(client):
    from sqlalchemy import event

    from models import db
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/livez")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert statements == []


def test_the_brand_peach_is_every_pages_icon(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/icons/peach.svg"' in page
    svg = client.get("/static/icons/peach.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    svg.close()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data.startswith(b"\x89PNG")
    icon.close()
