"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from market import create_app, database_rules
from models import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL


def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def _triggers(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return database_rules.installed_triggers(conn)
    finally:
        engine.dispose()


def _upgrade_and_compare(url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        assert _diff(url) == []
        assert _triggers(url) == database_rules.TRIGGER_NAMES[make_url(url).get_backend_name()]
        downgrade(revision="base")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        upgrade()
        assert _diff(url) == []
        db.engine.dispose()


def test_migrations_on_an_empty_sqlite_file_match_the_models(tmp_path):
    _upgrade_and_compare(f"sqlite:///{tmp_path / 'migrated.sqlite'}")


@pytest.mark.postgres_only
def test_migrations_on_an_empty_postgresql_database_match_the_models():
    name = f"market_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_and_compare(make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _one_truck_per_order() -> None:
    """Before c7d2e9f4a6b8 an order went on one truck, and going back refuses an order on several: the
    demo's later trucks are folded into each order's first (their slips and crate labels moved over,
    their certificate and receipt dropped), which is all these older schemas can hold."""
    for order_id, first in db.session.execute(text(
            "SELECT order_id, MIN(id) FROM shipments GROUP BY order_id HAVING COUNT(*) > 1")).all():
        for (other,) in db.session.execute(text("SELECT id FROM shipments WHERE order_id = :o AND id <> :f"),
                                           {"o": order_id, "f": first}).all():
            top = db.session.execute(text("SELECT MAX(number) FROM crate_labels WHERE shipment_id = :f"),
                                     {"f": first}).scalar() or 0
            db.session.execute(text("UPDATE crate_labels SET shipment_id = :f, number = number + :top "
                                    "WHERE shipment_id = :s"), {"f": first, "s": other, "top": top})
            db.session.execute(text("UPDATE shipment_slips SET shipment_id = :f WHERE shipment_id = :s"),
                               {"f": first, "s": other})
            db.session.execute(text("DELETE FROM settlement_shipments WHERE shipment_id = :s"), {"s": other})
            for table in ("certificate_lots", "certificate_parents"):
                db.session.execute(text(f"DELETE FROM {table} WHERE certificate_id IN "
                                        "(SELECT id FROM certificates WHERE shipment_id = :s)"), {"s": other})
            for table in ("certificates", "receipts"):
                db.session.execute(text(f"DELETE FROM {table} WHERE shipment_id = :s"), {"s": other})
            db.session.execute(text("DELETE FROM shipments WHERE id = :s"), {"s": other})
    db.session.commit()


def _migrated_books_keep_party_names(url: str) -> None:
    """Books posted before voucher lines kept the party's name get it at the upgrade, and the
    guard on posted lines stands again afterwards."""
    from market import demo
    from sqlalchemy.exc import DatabaseError

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        # the demo's books written through the services, then the column taken off as it was before
        upgrade()
        demo.seed()
        db.session.commit()
        names = {row[0] for row in db.session.execute(text(
            "SELECT DISTINCT party_name FROM voucher_lines WHERE party_type = 'household'"))}
        db.session.commit()
        _one_truck_per_order()
        db.session.close()
        downgrade(revision="c41e7b2d9a10")
        upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            after = {row[0] for row in conn.execute(text(
                "SELECT DISTINCT party_name FROM voucher_lines WHERE party_type = 'household'"))}
            blank = conn.execute(text("SELECT COUNT(*) FROM voucher_lines WHERE party_id IS NOT NULL "
                                      "AND party_name = ''")).scalar()
            assert after == names and "" not in after and blank == 0
            conn.commit()
            with pytest.raises(DatabaseError):
                with conn.begin():
                    conn.execute(text("UPDATE voucher_lines SET party_name = 'x' WHERE voucher_id IN "
                                      "(SELECT id FROM vouchers WHERE status = 'posted')"))
        engine.dispose()
        db.engine.dispose()


def test_voucher_lines_get_their_party_names_at_the_upgrade_on_sqlite(tmp_path):
    _migrated_books_keep_party_names(f"sqlite:///{tmp_path / 'books.sqlite'}")


@pytest.mark.postgres_only
def test_voucher_lines_get_their_party_names_at_the_upgrade_on_postgresql():
    name = f"market_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _migrated_books_keep_party_names(make_url(TEST_DATABASE_URL).set(database=name)
                                         .render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_vat_accounts_migration_keeps_input_vat_lines_and_their_hash_chain(tmp_path):
    """The old 222101 应交增值税(进项税额) becomes 22210101 进项税额 with its lines; posted vouchers are
    hash-chained over account codes, so the migration re-chains them and verify stays clean — both ways."""
    _vat_accounts_round_trip(f"sqlite:///{tmp_path / 'vat.sqlite'}")


@pytest.mark.postgres_only
def test_the_vat_accounts_migration_re_chains_posted_vouchers_on_postgresql():
    name = f"market_vat_{uuid.uuid4().hex[:8]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _vat_accounts_round_trip(make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _vat_accounts_round_trip(url: str) -> None:
    from datetime import date

    from market.auth.services import create_user
    from market.ledger import chart
    from market.ledger import services as ledger
    from models import RoleName

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        ledger.seed_chart()
        preparer, approver = (create_user(None, phone=phone, name="会计", password="peach-2016-x",
                                          roles=[RoleName.ACCOUNTANT]) for phone in ("13800000001", "13800000002"))
        # a party line on an account typed by hand (2202 per supplier is kept by documents only): the
        # chain covers each line's party too
        chart.create_account(preparer, code="2241", name="其他应付款", kind="liability", party_type="supplier")
        for number, amount in enumerate(("367.20", "12.00"), 1):
            voucher = ledger.prepare_voucher(preparer, voucher_date=date(2026, 8, number), summary=f"进项 {number}",
                                             lines=[ledger.LineInput("22210101", debit=amount),
                                                    ledger.LineInput("2241", credit=amount, party_type="supplier",
                                                                     party_id=1)],
                                             idempotency_key=f"vat-{number}")
            ledger.approve(approver, voucher)
            ledger.post(approver, voucher)
        db.session.commit()
        chained = dict(db.session.execute(text("SELECT id, chain_hash FROM vouchers ORDER BY id")).all())
        account_id = db.session.scalar(text("SELECT id FROM accounts WHERE code = '22210101'"))
        assert ledger.verify() == []
        db.session.remove()

        downgrade(revision="b81f0d6c2e57")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT code, name FROM accounts WHERE id = :id"), {"id": account_id}).one() == (
                "222101", "应交税费—应交增值税(进项税额)")
            assert conn.execute(text("SELECT COUNT(*) FROM accounts WHERE code LIKE '2221%'")).scalar() == 1
            rechained = dict(conn.execute(text("SELECT id, chain_hash FROM vouchers ORDER BY id")).all())
        engine.dispose()
        assert rechained.keys() == chained.keys() and all(rechained[k] != chained[k] for k in chained)

        upgrade()
        assert db.session.scalar(text("SELECT code FROM accounts WHERE id = :id"), {"id": account_id}) == "22210101"
        assert dict(db.session.execute(text("SELECT id, chain_hash FROM vouchers ORDER BY id")).all()) == chained
        assert {code for code, in db.session.execute(text("SELECT code FROM accounts WHERE code LIKE '2221%'"))} == {
            "2221", "222101", "22210101", "22210102", "22210103", "22210104", "222102"}
        assert ledger.verify() == []
        db.session.remove()
        db.engine.dispose()


def test_todays_accountants_keep_closing_periods_once_the_chief_accountant_role_exists(tmp_path):
    """Closing became 会计主管's: the migration gives every accountant that role too, and nobody else."""
    url = f"sqlite:///{tmp_path / 'roles.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="b3e9d4a7c215")
        with db.engine.begin() as conn:
            for role in ("accountant", "coordinator"):
                conn.execute(text("INSERT INTO roles (name) VALUES (:r)"), {"r": role})
            for number, role in enumerate(("accountant", "accountant", "coordinator"), 1):
                conn.execute(text("INSERT INTO users (phone, name, password_hash, is_active, created_at) "
                                  "VALUES (:p, :n, 'x', 1, 1767225600000000)"), {"p": f"1380000000{number}", "n": role})
                conn.execute(text("INSERT INTO user_roles (user_id, role_id) SELECT :u, id FROM roles WHERE name = :r"),
                             {"u": number, "r": role})
        upgrade()
        with db.engine.connect() as conn:
            held = sorted(conn.execute(text("SELECT ur.user_id, r.name FROM user_roles ur JOIN roles r "
                                            "ON r.id = ur.role_id ORDER BY ur.user_id, r.name")).all())
        assert held == [(1, "accountant"), (1, "chief_accountant"), (2, "accountant"), (2, "chief_accountant"),
                        (3, "coordinator")]
        downgrade(revision="b3e9d4a7c215")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM roles WHERE name IN ('cashier', 'chief_accountant')")
                                ).scalar() == 0
        db.engine.dispose()
