"""freight and packing owed to suppliers; suppliers are paid

Revision ID: a8d4e6f2c913
Revises: f7b3d2a91c05
Create Date: 2026-12-04 07:10:00

Suppliers (供应商/承运商: ``suppliers``) are a party of 2202 应付账款 (``party_type`` 'supplier', a
value of the text column; no CHECK lists the party types). A settlement may name the supplier its
logistics and its packing are owed to (``logistics_supplier_id`` / ``packing_supplier_id``); the
guard on posted settlements is extended to both. A payment may pay a supplier (``supplier_id``,
kind 'supplier_payout'): its one-party CHECK now counts three parties, and the guard on recorded
payments covers ``supplier_id``. On SQLite the settlement columns are added in place (a rebuild of
``settlements`` would cascade to its lines) and ``payments`` is rebuilt (its CHECK changes), so its
guards are installed again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8d4e6f2c913'
down_revision = 'f7b3d2a91c05'
branch_labels = None
depends_on = None

ONE_PARTY = "(buyer_id IS NULL) <> (household_id IS NULL)"
EXACTLY_ONE_PARTY = ("(CASE WHEN buyer_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN household_id IS NULL THEN 0 ELSE 1 END)"
                     " + (CASE WHEN supplier_id IS NULL THEN 0 ELSE 1 END) = 1")

# The guards of settlements and payments, as market/database_rules.py has them when this migration
# was written …
SQLITE_GUARDS = ["CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid') AND (NEW.status NOT IN ('posted', 'paid') OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat OR NEW.logistics_supplier_id IS NOT OLD.logistics_supplier_id OR NEW.packing_supplier_id IS NOT OLD.packing_supplier_id)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_payments_no_change\nBEFORE UPDATE ON payments\nWHEN NEW.id IS NOT OLD.id OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.method IS NOT OLD.method OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.household_id IS NOT OLD.household_id OR NEW.amount IS NOT OLD.amount OR NEW.paid_on IS NOT OLD.paid_on OR NEW.batch_id IS NOT OLD.batch_id OR NEW.idempotency_key IS NOT OLD.idempotency_key OR NEW.body_hash IS NOT OLD.body_hash OR NEW.created_by_id IS NOT OLD.created_by_id OR NEW.created_at IS NOT OLD.created_at OR NEW.supplier_id IS NOT OLD.supplier_id OR (OLD.voucher_id IS NOT NULL AND NEW.voucher_id IS NOT OLD.voucher_id)\n  OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at IS NOT OLD.voided_at OR NEW.voided_by_id IS NOT OLD.voided_by_id))\nBEGIN SELECT RAISE(ABORT, 'payment: a recorded payment cannot be changed or deleted, only voided'); END", "CREATE TRIGGER IF NOT EXISTS trg_payments_no_delete\nBEFORE DELETE ON payments\nBEGIN SELECT RAISE(ABORT, 'payment: a recorded payment cannot be changed or deleted, only voided'); END"]
POSTGRESQL_GUARDS = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid')\n      OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat OR NEW.logistics_supplier_id IS DISTINCT FROM OLD.logistics_supplier_id OR NEW.packing_supplier_id IS DISTINCT FROM OLD.packing_supplier_id) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_settlements_guard ON settlements', 'CREATE TRIGGER trg_settlements_guard BEFORE UPDATE OR DELETE ON settlements\nFOR EACH ROW EXECUTE FUNCTION guard_settlements()', "CREATE OR REPLACE FUNCTION guard_payments() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.method IS DISTINCT FROM OLD.method OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.household_id IS DISTINCT FROM OLD.household_id OR NEW.amount IS DISTINCT FROM OLD.amount OR NEW.paid_on IS DISTINCT FROM OLD.paid_on OR NEW.batch_id IS DISTINCT FROM OLD.batch_id OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key OR NEW.body_hash IS DISTINCT FROM OLD.body_hash OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.supplier_id IS DISTINCT FROM OLD.supplier_id\n      OR (OLD.voucher_id IS NOT NULL AND NEW.voucher_id IS DISTINCT FROM OLD.voucher_id)\n      OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at IS DISTINCT FROM OLD.voided_at\n                                         OR NEW.voided_by_id IS DISTINCT FROM OLD.voided_by_id)) THEN\n    RAISE EXCEPTION 'payment: a recorded payment cannot be changed or deleted, only voided' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_payments_guard ON payments', 'CREATE TRIGGER trg_payments_guard BEFORE UPDATE OR DELETE ON payments\nFOR EACH ROW EXECUTE FUNCTION guard_payments()']
# … and as they were before it (for the downgrade).
SQLITE_GUARDS_BEFORE = ["CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid') AND (NEW.status NOT IN ('posted', 'paid') OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_payments_no_change\nBEFORE UPDATE ON payments\nWHEN NEW.id IS NOT OLD.id OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.method IS NOT OLD.method OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.household_id IS NOT OLD.household_id OR NEW.amount IS NOT OLD.amount OR NEW.paid_on IS NOT OLD.paid_on OR NEW.batch_id IS NOT OLD.batch_id OR NEW.idempotency_key IS NOT OLD.idempotency_key OR NEW.body_hash IS NOT OLD.body_hash OR NEW.created_by_id IS NOT OLD.created_by_id OR NEW.created_at IS NOT OLD.created_at OR (OLD.voucher_id IS NOT NULL AND NEW.voucher_id IS NOT OLD.voucher_id)\n  OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at IS NOT OLD.voided_at OR NEW.voided_by_id IS NOT OLD.voided_by_id))\nBEGIN SELECT RAISE(ABORT, 'payment: a recorded payment cannot be changed or deleted, only voided'); END", "CREATE TRIGGER IF NOT EXISTS trg_payments_no_delete\nBEFORE DELETE ON payments\nBEGIN SELECT RAISE(ABORT, 'payment: a recorded payment cannot be changed or deleted, only voided'); END"]
POSTGRESQL_GUARDS_BEFORE = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid')\n      OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_settlements_guard ON settlements', 'CREATE TRIGGER trg_settlements_guard BEFORE UPDATE OR DELETE ON settlements\nFOR EACH ROW EXECUTE FUNCTION guard_settlements()', "CREATE OR REPLACE FUNCTION guard_payments() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.method IS DISTINCT FROM OLD.method OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.household_id IS DISTINCT FROM OLD.household_id OR NEW.amount IS DISTINCT FROM OLD.amount OR NEW.paid_on IS DISTINCT FROM OLD.paid_on OR NEW.batch_id IS DISTINCT FROM OLD.batch_id OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key OR NEW.body_hash IS DISTINCT FROM OLD.body_hash OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id OR NEW.created_at IS DISTINCT FROM OLD.created_at\n      OR (OLD.voucher_id IS NOT NULL AND NEW.voucher_id IS DISTINCT FROM OLD.voucher_id)\n      OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at IS DISTINCT FROM OLD.voided_at\n                                         OR NEW.voided_by_id IS DISTINCT FROM OLD.voided_by_id)) THEN\n    RAISE EXCEPTION 'payment: a recorded payment cannot be changed or deleted, only voided' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_payments_guard ON payments', 'CREATE TRIGGER trg_payments_guard BEFORE UPDATE OR DELETE ON payments\nFOR EACH ROW EXECUTE FUNCTION guard_payments()']


SUPPLIER_COLUMN = "\tsupplier_id INTEGER, \n"
SUPPLIER_KEY = ", \n\tCONSTRAINT fk_payments_supplier_id_suppliers FOREIGN KEY(supplier_id) REFERENCES suppliers (id)"


def _rebuild_payments_on_sqlite(upgrading: bool) -> None:
    """SQLite changes a CHECK only by rebuilding the table. Its payment applications refer to
    ``payments``, and foreign keys are enforced (the pragma cannot be turned off inside the
    migration's transaction), so the references are deferred to the commit and the rows are put
    back into a table of the same name before it (a rename would not satisfy them)."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'payments'").scalar()
    columns = [row[1] for row in bind.exec_driver_sql("PRAGMA table_info(payments)")]
    indexes = [row[0] for row in bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'payments' AND sql IS NOT NULL")]
    if upgrading:
        new = sql.replace(f"CONSTRAINT ck_payments_one_party CHECK ({ONE_PARTY})",
                          f"CONSTRAINT ck_payments_exactly_one_party CHECK ({EXACTLY_ONE_PARTY})")
        new = new.replace("\tprepayment_id INTEGER, \n", SUPPLIER_COLUMN + "\tprepayment_id INTEGER, \n", 1)
        new = new[:new.rindex(")")].rstrip() + SUPPLIER_KEY + "\n)"
    else:
        columns.remove("supplier_id")
        new = sql.replace(f"CONSTRAINT ck_payments_exactly_one_party CHECK ({EXACTLY_ONE_PARTY})",
                          f"CONSTRAINT ck_payments_one_party CHECK ({ONE_PARTY})")
        new = new.replace(SUPPLIER_COLUMN, "").replace(SUPPLIER_KEY, "")
        indexes = [index for index in indexes if "ix_payments_supplier_id" not in index]
    assert new != sql and ("supplier_id" in new) is upgrading, new
    listed = ", ".join(columns)
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    bind.exec_driver_sql("CREATE TABLE _payments_before AS SELECT * FROM payments")
    bind.exec_driver_sql("DROP TABLE payments")  # its triggers and indexes go with it
    bind.exec_driver_sql(new)
    bind.exec_driver_sql(f"INSERT INTO payments ({listed}) SELECT {listed} FROM _payments_before")
    bind.exec_driver_sql("DROP TABLE _payments_before")
    for index in indexes:
        bind.exec_driver_sql(index)
    if upgrading:
        bind.exec_driver_sql("CREATE INDEX ix_payments_supplier_id ON payments (supplier_id)")


def _guards(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('bank_name', sa.String(length=64), nullable=False),
    sa.Column('account_number', sa.String(length=34), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('name', name=op.f('uq_suppliers_name'))
    )
    for cost in ("logistics", "packing"):
        name = f"fk_settlements_{cost}_supplier_id_suppliers"
        if postgres:
            op.add_column('settlements', sa.Column(f'{cost}_supplier_id', sa.Integer(), nullable=True))
            op.create_foreign_key(name, 'settlements', 'suppliers', [f'{cost}_supplier_id'], ['id'])
        else:
            op.execute(f"ALTER TABLE settlements ADD COLUMN {cost}_supplier_id INTEGER "
                       f"CONSTRAINT {name} REFERENCES suppliers (id)")
    if postgres:
        op.add_column('payments', sa.Column('supplier_id', sa.Integer(), nullable=True))
        op.create_index(op.f('ix_payments_supplier_id'), 'payments', ['supplier_id'], unique=False)
        op.create_foreign_key(op.f('fk_payments_supplier_id_suppliers'), 'payments', 'suppliers', ['supplier_id'], ['id'])
        op.drop_constraint(op.f('ck_payments_one_party'), 'payments', type_='check')
        op.create_check_constraint(op.f('ck_payments_exactly_one_party'), 'payments', sa.text(EXACTLY_ONE_PARTY))
    else:
        _rebuild_payments_on_sqlite(upgrading=True)
    if postgres:
        _guards(POSTGRESQL_GUARDS)
    else:
        for name in ("trg_settlements_no_change_when_posted", "trg_payments_no_change", "trg_payments_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        _guards(SQLITE_GUARDS)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:
        for name in ("trg_settlements_no_change_when_posted", "trg_payments_no_change", "trg_payments_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if postgres:
        op.drop_constraint(op.f('ck_payments_exactly_one_party'), 'payments', type_='check')
        op.create_check_constraint(op.f('ck_payments_one_party'), 'payments', sa.text(ONE_PARTY))
        op.drop_constraint(op.f('fk_payments_supplier_id_suppliers'), 'payments', type_='foreignkey')
        op.drop_index(op.f('ix_payments_supplier_id'), table_name='payments')
        op.drop_column('payments', 'supplier_id')
    else:
        _rebuild_payments_on_sqlite(upgrading=False)
    for cost in ("packing", "logistics"):
        if postgres:
            op.drop_constraint(f"fk_settlements_{cost}_supplier_id_suppliers", 'settlements', type_='foreignkey')
        op.execute(f"ALTER TABLE settlements DROP COLUMN {cost}_supplier_id")
    _guards(POSTGRESQL_GUARDS_BEFORE if postgres else SQLITE_GUARDS_BEFORE)
    op.drop_table('suppliers')
