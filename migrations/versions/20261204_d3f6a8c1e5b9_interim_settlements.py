"""an order is settled truck by truck: interim settlements before the final one

Revision ID: d3f6a8c1e5b9
Revises: c7d2e9f4a6b8
Create Date: 2026-12-04 19:00:00

- ``settlement_shipments``: the trucks (and their receipts) an order settlement sells, each truck
  at most once; every order settlement so far sold all its order's trucks, so they are filled in;
- ``settlements.final``: prepared once every truck was received (every settlement so far), or an
  interim settlement of the trucks received so far; one standing *final* settlement per order
  (the partial unique index is replaced);
- the guard of posted settlements keeps ``final`` as it was posted.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f6a8c1e5b9'
down_revision = 'c7d2e9f4a6b8'
branch_labels = None
depends_on = None

INDEX = "uq_settlements_standing_order"
SQLITE_RULES = ["CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid', 'reversed') AND (NEW.status NOT IN ('posted', 'paid', 'reversed') OR (OLD.status = 'reversed' AND NEW.status <> 'reversed')\n  OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat OR NEW.logistics_supplier_id IS NOT OLD.logistics_supplier_id OR NEW.packing_supplier_id IS NOT OLD.packing_supplier_id OR NEW.abnormal_kg IS NOT OLD.abnormal_kg OR NEW.abnormal_stock_kg IS NOT OLD.abnormal_stock_kg OR NEW.loss_cost IS NOT OLD.loss_cost OR NEW.loss_vat IS NOT OLD.loss_vat OR NEW.corrects_id IS NOT OLD.corrects_id OR NEW.final IS NOT OLD.final)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"]
SQLITE_BEFORE = ["CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid', 'reversed') AND (NEW.status NOT IN ('posted', 'paid', 'reversed') OR (OLD.status = 'reversed' AND NEW.status <> 'reversed')\n  OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat OR NEW.logistics_supplier_id IS NOT OLD.logistics_supplier_id OR NEW.packing_supplier_id IS NOT OLD.packing_supplier_id OR NEW.abnormal_kg IS NOT OLD.abnormal_kg OR NEW.abnormal_stock_kg IS NOT OLD.abnormal_stock_kg OR NEW.loss_cost IS NOT OLD.loss_cost OR NEW.loss_vat IS NOT OLD.loss_vat OR NEW.corrects_id IS NOT OLD.corrects_id)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"]
SQLITE_TRIGGERS = ["trg_settlements_no_change_when_posted"]
POSTGRESQL_RULES = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid', 'reversed') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid', 'reversed')\n      OR (OLD.status = 'reversed' AND NEW.status <> 'reversed') OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat OR NEW.logistics_supplier_id IS DISTINCT FROM OLD.logistics_supplier_id OR NEW.packing_supplier_id IS DISTINCT FROM OLD.packing_supplier_id OR NEW.abnormal_kg IS DISTINCT FROM OLD.abnormal_kg OR NEW.abnormal_stock_kg IS DISTINCT FROM OLD.abnormal_stock_kg OR NEW.loss_cost IS DISTINCT FROM OLD.loss_cost OR NEW.loss_vat IS DISTINCT FROM OLD.loss_vat OR NEW.corrects_id IS DISTINCT FROM OLD.corrects_id OR NEW.final IS DISTINCT FROM OLD.final) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$"]
POSTGRESQL_BEFORE = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid', 'reversed') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid', 'reversed')\n      OR (OLD.status = 'reversed' AND NEW.status <> 'reversed') OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat OR NEW.logistics_supplier_id IS DISTINCT FROM OLD.logistics_supplier_id OR NEW.packing_supplier_id IS DISTINCT FROM OLD.packing_supplier_id OR NEW.abnormal_kg IS DISTINCT FROM OLD.abnormal_kg OR NEW.abnormal_stock_kg IS DISTINCT FROM OLD.abnormal_stock_kg OR NEW.loss_cost IS DISTINCT FROM OLD.loss_cost OR NEW.loss_vat IS DISTINCT FROM OLD.loss_vat OR NEW.corrects_id IS DISTINCT FROM OLD.corrects_id) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$"]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('settlement_shipments',
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_settlement_shipments_settlement_id_settlements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_settlement_shipments_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('settlement_id', 'shipment_id', name=op.f('pk_settlement_shipments')),
    sa.UniqueConstraint('shipment_id', name=op.f('uq_settlement_shipments_shipment_id'))
    )
    op.execute("INSERT INTO settlement_shipments (settlement_id, shipment_id) "
               "SELECT settlements.id, shipments.id FROM settlements JOIN shipments "
               "ON shipments.order_id = settlements.order_id WHERE settlements.status <> 'reversed'")
    if postgres:
        op.add_column('settlements', sa.Column('final', sa.Boolean(), nullable=False, server_default=sa.true()))
    else:
        op.execute("ALTER TABLE settlements ADD COLUMN final BOOLEAN NOT NULL DEFAULT 1")
    op.drop_index(INDEX, table_name='settlements')
    op.create_index(INDEX, 'settlements', ['order_id'], unique=True,
                    sqlite_where=sa.text("status <> 'reversed' AND final"),
                    postgresql_where=sa.text("status <> 'reversed' AND final"))
    if postgres:
        for statement in POSTGRESQL_RULES:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_RULES:
            op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for statement in POSTGRESQL_BEFORE:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_BEFORE:
            op.execute(statement)
    op.drop_index(INDEX, table_name='settlements')
    op.create_index(INDEX, 'settlements', ['order_id'], unique=True, sqlite_where=sa.text("status <> 'reversed'"),
                    postgresql_where=sa.text("status <> 'reversed'"))
    op.execute("ALTER TABLE settlements DROP COLUMN final")
    op.drop_table('settlement_shipments')
