"""an order's abnormal loss: rejects above the buyer's threshold, their cost and input VAT transferred out

Revision ID: b3e9d4a7c215
Revises: a8d4e6f2c913
Create Date: 2026-12-04 09:30:00

A settlement records, of its lost kg, what the supermarket rejected for quality above its threshold
(``abnormal_kg``, 非正常损失) and the warehouse's share of it (``abnormal_stock_kg``), and the field
share's cost and input VAT the company paid for (``loss_cost`` / ``loss_vat``: moved from 5401 to
5711 营业外支出, the VAT transferred out). Settlements already written booked none: all four start
at 0, which is what their vouchers say. One CHECK holds the four within the purchase; the guard on
posted settlements is extended to them. The columns are added in place (no table rebuild: on SQLite
a rebuild of ``settlements`` would cascade to its household lines), the CHECK with the last.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e9d4a7c215'
down_revision = 'a8d4e6f2c913'
branch_labels = None
depends_on = None

CHECK_NAME = "ck_settlements_abnormal_loss_within_purchase"
CHECK = ("abnormal_kg >= 0 AND abnormal_stock_kg >= 0 AND abnormal_stock_kg <= abnormal_kg"
         " AND (abnormal_kg = 0 OR abnormal_kg <= lost_kg)"
         " AND loss_cost >= 0 AND loss_cost <= purchase_cost AND loss_vat >= 0 AND loss_vat <= input_vat")
COLUMNS = ("abnormal_kg", "abnormal_stock_kg", "loss_cost", "loss_vat")

# The settlement guard, as market/database_rules.py has it when this migration was written …
SQLITE_GUARD = "CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid') AND (NEW.status NOT IN ('posted', 'paid') OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat OR NEW.logistics_supplier_id IS NOT OLD.logistics_supplier_id OR NEW.packing_supplier_id IS NOT OLD.packing_supplier_id OR NEW.abnormal_kg IS NOT OLD.abnormal_kg OR NEW.abnormal_stock_kg IS NOT OLD.abnormal_stock_kg OR NEW.loss_cost IS NOT OLD.loss_cost OR NEW.loss_vat IS NOT OLD.loss_vat)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"
POSTGRESQL_GUARDS = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid')\n      OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat OR NEW.logistics_supplier_id IS DISTINCT FROM OLD.logistics_supplier_id OR NEW.packing_supplier_id IS DISTINCT FROM OLD.packing_supplier_id OR NEW.abnormal_kg IS DISTINCT FROM OLD.abnormal_kg OR NEW.abnormal_stock_kg IS DISTINCT FROM OLD.abnormal_stock_kg OR NEW.loss_cost IS DISTINCT FROM OLD.loss_cost OR NEW.loss_vat IS DISTINCT FROM OLD.loss_vat) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_settlements_guard ON settlements', 'CREATE TRIGGER trg_settlements_guard BEFORE UPDATE OR DELETE ON settlements\nFOR EACH ROW EXECUTE FUNCTION guard_settlements()']
# … and as a8d4e6f2c913 installed it (for the downgrade).
SQLITE_GUARD_BEFORE = "CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid') AND (NEW.status NOT IN ('posted', 'paid') OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat OR NEW.logistics_supplier_id IS NOT OLD.logistics_supplier_id OR NEW.packing_supplier_id IS NOT OLD.packing_supplier_id)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"
POSTGRESQL_GUARDS_BEFORE = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid')\n      OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat OR NEW.logistics_supplier_id IS DISTINCT FROM OLD.logistics_supplier_id OR NEW.packing_supplier_id IS DISTINCT FROM OLD.packing_supplier_id) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_settlements_guard ON settlements', 'CREATE TRIGGER trg_settlements_guard BEFORE UPDATE OR DELETE ON settlements\nFOR EACH ROW EXECUTE FUNCTION guard_settlements()']


def _guard(sqlite: str, postgresql: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in postgresql:
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_settlements_no_change_when_posted")
        op.execute(sqlite)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for column in COLUMNS[:-1]:
        op.add_column('settlements', sa.Column(column, sa.BigInteger(), nullable=False, server_default='0'))
    if postgres:
        op.add_column('settlements', sa.Column(COLUMNS[-1], sa.BigInteger(), nullable=False, server_default='0'))
        op.execute(f"ALTER TABLE settlements ADD CONSTRAINT {CHECK_NAME} CHECK ({CHECK})")
    else:
        # SQLite adds a column with its CHECK constraint in place
        op.execute(f"ALTER TABLE settlements ADD COLUMN {COLUMNS[-1]} BIGINT NOT NULL DEFAULT 0 "
                   f"CONSTRAINT {CHECK_NAME} CHECK ({CHECK})")
    _guard(SQLITE_GUARD, POSTGRESQL_GUARDS)


def downgrade():
    _guard(SQLITE_GUARD_BEFORE, POSTGRESQL_GUARDS_BEFORE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE settlements DROP CONSTRAINT {CHECK_NAME}")
    # SQLite drops a column in place once no other column's CHECK names it: the CHECK goes with the last
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE settlements DROP COLUMN {column}")
