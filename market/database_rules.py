"""Rules the database itself enforces, beyond the models' constraints: the ledger's triggers.

A raw ``INSERT``, ``UPDATE`` or ``DELETE`` of a posted voucher's lines fails, on SQLite and PostgreSQL alike
(and an ``UPDATE`` or ``DELETE`` of a stock movement: the stock ledger is append-only);
a voucher cannot be posted unbalanced: on PostgreSQL a deferred constraint trigger refuses, at commit and
once per voucher posted, any whose lines do not balance, and a statement that leaves a posted voucher's
lines unbalanced (were the guard lifted) fails at its end. The migrations install the same
statements (copied into the migration, so history does not move); tests that build the schema with
``create_all`` install them with :func:`install`.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

IMMUTABLE = "ledger: a posted voucher and its lines cannot be changed"
UNBALANCED = "ledger: a voucher can only be posted with two or more lines that balance"
SETTLED = "settlement: a posted settlement, its lines, items and invoices cannot be changed"
PAID = "payment: a recorded payment cannot be changed or deleted, only voided"
AUDITED = "audit: audit events cannot be changed or deleted"
STOCKED = "stock: a stock movement cannot be changed or deleted"

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

#: a settlement whose vouchers were written: posted, paid, or reversed (冲销, for good)
POSTED = "('posted', 'paid', 'reversed')"
_SETTLEMENT_OF_LINE = "(SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = {}))"
#: what a posted settlement cannot change (its status may go posted ↔ paid; buyer_received follows receipts)
_SETTLEMENT_FIXED = ("number", "kind", "order_id", "buyer_id", "settle_on", "reject_policy", "vat_rate_pct",
                     "delivered_price", "field_kg", "accepted_kg", "lost_kg", "buyer_gross", "buyer_deductions",
                     "buyer_total", "purchase_total", "input_vat", "purchase_cost", "logistics", "packing", "margin",
                     "prepared_by_id", "approved_by_id", "posted_by_id", "posted_at",
                     "sale_vat_rate_pct", "sale_vat_exempt_basis", "sale_net", "output_vat",
                     "logistics_invoice_no", "logistics_vat_rate_pct", "logistics_input_vat",
                     "packing_invoice_no", "packing_vat_rate_pct", "packing_input_vat",
                     "logistics_supplier_id", "packing_supplier_id",
                     "abnormal_kg", "abnormal_stock_kg", "loss_cost", "loss_vat", "corrects_id", "final")
#: what a posted settlement's household line cannot change (``paid`` follows payouts)
_LINE_FIXED = ("id", "settlement_id", "household_id", "field_kg", "payable_kg", "gross", "input_vat",
               "recovered_advances", "recovered_input_credit", "net", "carried_over")
#: what a recorded payment cannot change (voiding sets voided_at, voided_by_id, void_reason, clears prepayment_id)
_PAYMENT_FIXED = ("id", "number", "kind", "method", "buyer_id", "household_id", "amount", "paid_on", "batch_id",
                  "idempotency_key", "body_hash", "created_by_id", "created_at", "supplier_id")


def _changed(columns) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


GUARDS_SQLITE: list[str] = [
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted
BEFORE UPDATE ON settlements
WHEN OLD.status IN {POSTED} AND (NEW.status NOT IN {POSTED} OR (OLD.status = 'reversed' AND NEW.status <> 'reversed')
  OR {_changed(_SETTLEMENT_FIXED)})
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlements_no_delete_when_posted
BEFORE DELETE ON settlements
WHEN OLD.status IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_update_when_posted
BEFORE UPDATE ON settlement_households
WHEN (SELECT status FROM settlements WHERE id = OLD.settlement_id) IN {POSTED} AND ({_changed(_LINE_FIXED)})
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_delete_when_posted
BEFORE DELETE ON settlement_households
WHEN (SELECT status FROM settlements WHERE id = OLD.settlement_id) IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_insert_when_posted
BEFORE INSERT ON settlement_households
WHEN (SELECT status FROM settlements WHERE id = NEW.settlement_id) IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_insert_when_posted
BEFORE INSERT ON settlement_items
WHEN {_SETTLEMENT_OF_LINE.format("NEW.line_id")} IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_insert_when_posted
BEFORE INSERT ON purchase_invoices
WHEN {_SETTLEMENT_OF_LINE.format("NEW.line_id")} IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_update_when_posted
BEFORE UPDATE ON settlement_items
WHEN {_SETTLEMENT_OF_LINE.format("OLD.line_id")} IN {POSTED} OR {_SETTLEMENT_OF_LINE.format("NEW.line_id")} IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_delete_when_posted
BEFORE DELETE ON settlement_items
WHEN {_SETTLEMENT_OF_LINE.format("OLD.line_id")} IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_update_when_posted
BEFORE UPDATE ON purchase_invoices
WHEN {_SETTLEMENT_OF_LINE.format("OLD.line_id")} IN {POSTED} OR {_SETTLEMENT_OF_LINE.format("NEW.line_id")} IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_delete_when_posted
BEFORE DELETE ON purchase_invoices
WHEN {_SETTLEMENT_OF_LINE.format("OLD.line_id")} IN {POSTED}
BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_payments_no_change
BEFORE UPDATE ON payments
WHEN {_changed(_PAYMENT_FIXED)} OR (OLD.voucher_id IS NOT NULL AND NEW.voucher_id IS NOT OLD.voucher_id)
  OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at IS NOT OLD.voided_at OR NEW.voided_by_id IS NOT OLD.voided_by_id))
BEGIN SELECT RAISE(ABORT, '{PAID}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_payments_no_delete
BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, '{PAID}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_payment_applications_no_update
BEFORE UPDATE ON payment_applications
BEGIN SELECT RAISE(ABORT, '{PAID}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_audit_events_no_update
BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, '{AUDITED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_audit_events_no_delete
BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, '{AUDITED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_stock_movements_no_update
BEFORE UPDATE ON stock_movements
BEGIN SELECT RAISE(ABORT, '{STOCKED}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS trg_stock_movements_no_delete
BEFORE DELETE ON stock_movements
BEGIN SELECT RAISE(ABORT, '{STOCKED}'); END""",
]


def _pg_changed(columns) -> str:
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


def _pg_guard(table: str, body: str, events: str = "UPDATE OR DELETE") -> list[str]:
    return [f"""CREATE OR REPLACE FUNCTION guard_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{body}
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$""", f"DROP TRIGGER IF EXISTS trg_{table}_guard ON {table}",
            f"CREATE TRIGGER trg_{table}_guard BEFORE {events} ON {table}\nFOR EACH ROW EXECUTE FUNCTION guard_{table}()"]


def _pg_line_posted(ref: str) -> str:
    return (f"EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id "
            f"WHERE h.id = {ref} AND s.status IN {POSTED})")


def _pg_line_guard() -> str:
    """A settlement line's item or invoice: none added to, changed in or taken from a posted settlement."""
    return f"""  IF (TG_OP <> 'INSERT' AND {_pg_line_posted("OLD.line_id")})
      OR (TG_OP <> 'DELETE' AND {_pg_line_posted("NEW.line_id")}) THEN
    RAISE EXCEPTION '{SETTLED}' USING ERRCODE = 'check_violation';
  END IF;"""


GUARDS_POSTGRESQL: list[str] = (
    _pg_guard("settlements", f"""  IF OLD.status IN {POSTED} AND (TG_OP = 'DELETE' OR NEW.status NOT IN {POSTED}
      OR (OLD.status = 'reversed' AND NEW.status <> 'reversed') OR {_pg_changed(_SETTLEMENT_FIXED)}) THEN
    RAISE EXCEPTION '{SETTLED}' USING ERRCODE = 'check_violation';
  END IF;""")
    + _pg_guard("settlement_households", f"""  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM settlements WHERE id = NEW.settlement_id AND status IN {POSTED}) THEN
      RAISE EXCEPTION '{SETTLED}' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF EXISTS (SELECT 1 FROM settlements WHERE id = OLD.settlement_id AND status IN {POSTED})
      AND (TG_OP = 'DELETE' OR {_pg_changed(_LINE_FIXED)}) THEN
    RAISE EXCEPTION '{SETTLED}' USING ERRCODE = 'check_violation';
  END IF;""", "INSERT OR UPDATE OR DELETE")
    + _pg_guard("settlement_items", _pg_line_guard(), "INSERT OR UPDATE OR DELETE")
    + _pg_guard("purchase_invoices", _pg_line_guard(), "INSERT OR UPDATE OR DELETE")
    + _pg_guard("payments", f"""  IF TG_OP = 'DELETE' OR {_pg_changed(_PAYMENT_FIXED)}
      OR (OLD.voucher_id IS NOT NULL AND NEW.voucher_id IS DISTINCT FROM OLD.voucher_id)
      OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at IS DISTINCT FROM OLD.voided_at
                                         OR NEW.voided_by_id IS DISTINCT FROM OLD.voided_by_id)) THEN
    RAISE EXCEPTION '{PAID}' USING ERRCODE = 'check_violation';
  END IF;""")
    + _pg_guard("payment_applications", f"""  RAISE EXCEPTION '{PAID}' USING ERRCODE = 'check_violation';""", "UPDATE")
    + _pg_guard("audit_events", f"""  RAISE EXCEPTION '{AUDITED}' USING ERRCODE = 'check_violation';""")
    + _pg_guard("stock_movements", f"""  RAISE EXCEPTION '{STOCKED}' USING ERRCODE = 'check_violation';""")
)

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
    # Posting is where a voucher must balance: checked at commit, once per voucher, and only for a row that
    # became posted (the WHEN is read as the row changes, so preparing and approving queue nothing).
    f"""CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lines integer;
  difference bigint;
BEGIN
  IF NEW.status <> 'posted' THEN RETURN NULL; END IF;
  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO lines, difference
    FROM voucher_lines WHERE voucher_id = NEW.id;
  IF lines < 2 OR difference <> 0 THEN
    RAISE EXCEPTION '{UNBALANCED}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$""",
    """DROP TRIGGER IF EXISTS trg_vouchers_balanced ON vouchers""",
    """CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT OR UPDATE ON vouchers
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'posted') EXECUTE FUNCTION ledger_check_balanced()""",
    # Behind the guard (which refuses any change to a posted voucher's lines), a statement that still
    # leaves a posted voucher's lines unbalanced fails at its end: once per voucher it touched, not once
    # per line at commit (a settlement's purchase voucher has a line per household, and summing all of
    # them for each of them was most of its commit). Lines written while the voucher waits for review
    # are checked when it is posted, by the trigger above.
    f"""CREATE OR REPLACE FUNCTION ledger_check_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched integer[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    touched := ARRAY(SELECT DISTINCT voucher_id FROM changed_new);
  ELSIF TG_OP = 'DELETE' THEN
    touched := ARRAY(SELECT DISTINCT voucher_id FROM changed_old);
  ELSE
    touched := ARRAY(SELECT voucher_id FROM changed_old UNION SELECT voucher_id FROM changed_new);
  END IF;
  IF EXISTS (SELECT 1 FROM vouchers v WHERE v.id = ANY (touched) AND v.status = 'posted'
             AND (SELECT COUNT(*) < 2 OR COALESCE(SUM(l.debit), 0) <> COALESCE(SUM(l.credit), 0)
                  FROM voucher_lines l WHERE l.voucher_id = v.id)) THEN
    RAISE EXCEPTION '{UNBALANCED}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$""",
    # the deferred per-line trigger this replaces (a database migrated before c9e2f4a6b8d1 has it)
    """DROP TRIGGER IF EXISTS trg_voucher_lines_balanced ON voucher_lines""",
    """DROP TRIGGER IF EXISTS trg_voucher_lines_balanced_insert ON voucher_lines""",
    """CREATE TRIGGER trg_voucher_lines_balanced_insert AFTER INSERT ON voucher_lines
REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_lines_balanced()""",
    """DROP TRIGGER IF EXISTS trg_voucher_lines_balanced_update ON voucher_lines""",
    """CREATE TRIGGER trg_voucher_lines_balanced_update AFTER UPDATE ON voucher_lines
REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT
EXECUTE FUNCTION ledger_check_lines_balanced()""",
    """DROP TRIGGER IF EXISTS trg_voucher_lines_balanced_delete ON voucher_lines""",
    """CREATE TRIGGER trg_voucher_lines_balanced_delete AFTER DELETE ON voucher_lines
REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_lines_balanced()""",
]

SQLITE += GUARDS_SQLITE
POSTGRESQL += GUARDS_POSTGRESQL

GUARD_TABLES = ("settlements", "settlement_households", "settlement_items", "purchase_invoices", "payments",
                "payment_applications", "audit_events", "stock_movements")

TRIGGER_NAMES = {
    "sqlite": {"trg_voucher_lines_no_insert_when_posted", "trg_voucher_lines_no_update_when_posted",
               "trg_voucher_lines_no_delete_when_posted", "trg_vouchers_no_change_when_posted",
               "trg_vouchers_no_delete_when_posted", "trg_vouchers_not_born_posted",
               "trg_vouchers_post_only_balanced",
               "trg_settlements_no_change_when_posted", "trg_settlements_no_delete_when_posted",
               "trg_settlement_households_no_update_when_posted", "trg_settlement_households_no_delete_when_posted",
               "trg_settlement_households_no_insert_when_posted", "trg_settlement_items_no_insert_when_posted",
               "trg_purchase_invoices_no_insert_when_posted",
               "trg_settlement_items_no_update_when_posted", "trg_settlement_items_no_delete_when_posted",
               "trg_purchase_invoices_no_update_when_posted", "trg_purchase_invoices_no_delete_when_posted",
               "trg_payments_no_change", "trg_payments_no_delete", "trg_payment_applications_no_update",
               "trg_audit_events_no_update", "trg_audit_events_no_delete",
               "trg_stock_movements_no_update", "trg_stock_movements_no_delete"},
    "postgresql": {"trg_voucher_lines_guard", "trg_vouchers_guard", "trg_vouchers_balanced",
                   "trg_voucher_lines_balanced_insert", "trg_voucher_lines_balanced_update",
                   "trg_voucher_lines_balanced_delete"} | {f"trg_{table}_guard" for table in GUARD_TABLES},
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
        table = table_of(name)
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == "postgresql" else ""))


def table_of(trigger: str) -> str:
    """The table a trigger of this module is on."""
    return max((t for t in ("voucher_lines", "vouchers") + GUARD_TABLES if trigger.startswith(f"trg_{t}_")), key=len)


def reinstall(connection) -> None:
    for statement in statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def guard_names(dialect: str) -> set[str]:
    """The triggers guarding posted settlements, payments and the audit log (not the ledger's)."""
    return {name for name in TRIGGER_NAMES[dialect] if table_of(name) in GUARD_TABLES}


def lift_guards(connection) -> None:
    """Drop the guards of :func:`guard_names` (tests of the CHECK constraints behind them)."""
    dialect = connection.dialect.name
    for name in sorted(guard_names(dialect)):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}"
                                   + (f" ON {table_of(name)}" if dialect == "postgresql" else ""))
