"""Rules the database itself enforces, beyond the models' constraints: the ledger's triggers.

A raw ``UPDATE`` or ``DELETE`` of a posted voucher's lines fails, on SQLite and PostgreSQL alike;
a voucher cannot be posted unbalanced; on PostgreSQL a deferred constraint trigger also refuses,
at commit, any posted voucher whose lines do not balance. The migrations install the same
statements (copied into the migration, so history does not move); tests that build the schema with
``create_all`` install them with :func:`install`.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

IMMUTABLE = "ledger: a posted voucher and its lines cannot be changed"
UNBALANCED = "ledger: a voucher can only be posted with two or more lines that balance"

SQLITE: list[str] = [
    f"""CREATE TRIGGER IF NOT EXISTS trg_voucher_lines_no_insert_when_posted
BEFORE INSERT ON voucher_lines
WHEN (SELECT status FROM vouchers WHERE id = NEW.voucher_id) = 'posted'
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_voucher_lines_no_update_when_posted
BEFORE UPDATE ON voucher_lines
WHEN (SELECT status FROM vouchers WHERE id = OLD.voucher_id) = 'posted'
  OR (SELECT status FROM vouchers WHERE id = NEW.voucher_id) = 'posted'
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_voucher_lines_no_delete_when_posted
BEFORE DELETE ON voucher_lines
WHEN (SELECT status FROM vouchers WHERE id = OLD.voucher_id) = 'posted'
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_vouchers_no_change_when_posted
BEFORE UPDATE ON vouchers
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_vouchers_no_delete_when_posted
BEFORE DELETE ON vouchers
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_vouchers_not_born_posted
BEFORE INSERT ON vouchers
WHEN NEW.status = 'posted'
BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_vouchers_post_only_balanced
BEFORE UPDATE OF status ON vouchers
WHEN NEW.status = 'posted' AND (
  (SELECT COUNT(*) FROM voucher_lines WHERE voucher_id = NEW.id) < 2
  OR (SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) FROM voucher_lines WHERE voucher_id = NEW.id) <> 0)
BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END""",
]

POSTGRESQL: list[str] = [
    f"""CREATE OR REPLACE FUNCTION ledger_guard_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
      SELECT 1 FROM vouchers WHERE id = OLD.voucher_id AND status = 'posted') THEN
    RAISE EXCEPTION '{IMMUTABLE}' USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND EXISTS (
      SELECT 1 FROM vouchers WHERE id = NEW.voucher_id AND status = 'posted') THEN
    RAISE EXCEPTION '{IMMUTABLE}' USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$""",
    """DROP TRIGGER IF EXISTS trg_voucher_lines_guard ON voucher_lines""",
    """CREATE TRIGGER trg_voucher_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON voucher_lines
FOR EACH ROW EXECUTE FUNCTION ledger_guard_lines()""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_vouchers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'posted' THEN
    RAISE EXCEPTION '{IMMUTABLE}' USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$""",
    """DROP TRIGGER IF EXISTS trg_vouchers_guard ON vouchers""",
    """CREATE TRIGGER trg_vouchers_guard BEFORE UPDATE OR DELETE ON vouchers
FOR EACH ROW EXECUTE FUNCTION ledger_guard_vouchers()""",
    f"""CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target integer;
  lines integer;
  difference bigint;
BEGIN
  IF TG_TABLE_NAME = 'vouchers' THEN
    IF NEW.status <> 'posted' THEN RETURN NULL; END IF;
    target := NEW.id;
  ELSE
    target := COALESCE(NEW.voucher_id, OLD.voucher_id);
    IF NOT EXISTS (SELECT 1 FROM vouchers WHERE id = target AND status = 'posted') THEN RETURN NULL; END IF;
  END IF;
  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO lines, difference
    FROM voucher_lines WHERE voucher_id = target;
  IF lines < 2 OR difference <> 0 THEN
    RAISE EXCEPTION '{UNBALANCED}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$""",
    """DROP TRIGGER IF EXISTS trg_vouchers_balanced ON vouchers""",
    """CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT OR UPDATE ON vouchers
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()""",
    """DROP TRIGGER IF EXISTS trg_voucher_lines_balanced ON voucher_lines""",
    """CREATE CONSTRAINT TRIGGER trg_voucher_lines_balanced AFTER INSERT OR UPDATE OR DELETE ON voucher_lines
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()""",
]

TRIGGER_NAMES = {
    "sqlite": {"trg_voucher_lines_no_insert_when_posted", "trg_voucher_lines_no_update_when_posted",
               "trg_voucher_lines_no_delete_when_posted", "trg_vouchers_no_change_when_posted",
               "trg_vouchers_no_delete_when_posted", "trg_vouchers_not_born_posted",
               "trg_vouchers_post_only_balanced"},
    "postgresql": {"trg_voucher_lines_guard", "trg_vouchers_guard", "trg_vouchers_balanced",
                   "trg_voucher_lines_balanced"},
}


def statements(dialect: str) -> list[str]:
    return POSTGRESQL if dialect == "postgresql" else SQLITE


def install(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in statements(engine.dialect.name):
            conn.exec_driver_sql(statement)


def installed_triggers(connection) -> set[str]:
    """Names of this module's triggers present in the connected database."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    else:
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {row[0] for row in rows} & TRIGGER_NAMES[connection.dialect.name]


def drop(connection) -> None:
    """Remove this module's triggers (the demo's reset empties the ledger, which they forbid)."""
    dialect = connection.dialect.name
    for name in sorted(TRIGGER_NAMES[dialect]):
        table = "voucher_lines" if name.startswith("trg_voucher_lines") else "vouchers"
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == "postgresql" else ""))


def reinstall(connection) -> None:
    for statement in statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
