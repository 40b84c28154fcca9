"""products carry their sales VAT; settlements book output VAT and special invoices' input VAT

Revision ID: d5f2b8e04a61
Revises: c4e1a7d93b20
Create Date: 2026-12-04 01:40:00

A product's sales are taxable at a rate (9 % for the produce sold today) or exempt on a stated basis
(e.g. 蔬菜流通环节免税): ``products.sales_vat_rate_pct`` / ``sales_vat_exempt_basis``; existing
products start taxable at 9 %.

A settlement records its sale split into 不含税金额 and 销项税额 (``sale_net`` + ``output_vat`` =
``buyer_total``) with the treatment it used (``sale_vat_rate_pct`` / ``sale_vat_exempt_basis``).
Settlements already written booked their whole buyer total to 5001 and no output VAT, so they are
recorded as exactly that: ``sale_net`` = ``buyer_total``, ``output_vat`` = 0 and no rate (the sale
was settled before output VAT was booked) — what is stored still matches what is in the books.

The freight and the packing may come with a 增值税专用发票: its number, rate and the deductible VAT
it contains (``logistics_invoice_no`` / ``_vat_rate_pct`` / ``_input_vat``, the same for packing);
settlements already written had none.

The guard on posted settlements (7a3c9e21b4d0) is extended to the ten new columns. The columns
are added in place (no table rebuild: on SQLite a rebuild of ``settlements`` would cascade to its
household lines and trip the triggers that refer to it), with their CHECK constraints.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5f2b8e04a61'
down_revision = 'c4e1a7d93b20'
branch_labels = None
depends_on = None

PRODUCT_CHECKS = {
    "ck_products_sales_vat_rate_or_exempt": "(sales_vat_rate_pct IS NULL AND sales_vat_exempt_basis <> '')"
                                           " OR (sales_vat_rate_pct IS NOT NULL AND sales_vat_exempt_basis = '')",
    "ck_products_sales_vat_rate_range": "sales_vat_rate_pct IS NULL OR (sales_vat_rate_pct >= 0 AND sales_vat_rate_pct <= 1700)",
}
SETTLEMENT_CHECKS = {
    "ck_settlements_sale_net_plus_output_vat": "buyer_total = sale_net + output_vat AND output_vat >= 0 AND sale_net >= 0",
    "ck_settlements_output_vat_only_when_taxable": "output_vat = 0 OR (sale_vat_rate_pct IS NOT NULL AND sale_vat_exempt_basis = '')",
}
COST_CHECKS = {
    f"ck_settlements_{cost}_special_invoice": f"({cost}_invoice_no = '') = ({cost}_vat_rate_pct IS NULL)"
                                              f" AND {cost}_input_vat >= 0 AND {cost}_input_vat <= {cost}"
                                              f" AND ({cost}_invoice_no <> '' OR {cost}_input_vat = 0)"
    for cost in ("logistics", "packing")
}

# The settlement guard, as market/database_rules.py has it when this migration was written …
SQLITE_GUARD = "CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid') AND (NEW.status NOT IN ('posted', 'paid') OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"
POSTGRESQL_GUARD = "CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid')\n      OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$"
# … and as 7a3c9e21b4d0 installed it (for the downgrade).
SQLITE_GUARD_BEFORE = "CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid') AND (NEW.status NOT IN ('posted', 'paid') OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"
POSTGRESQL_GUARD_BEFORE = "CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid')\n      OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$"


def _checks(table, checks):
    return " ".join(f"CONSTRAINT {name} CHECK ({sql})" for name, sql in checks.items())


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column('products', sa.Column('sales_vat_exempt_basis', sa.String(length=128), nullable=False,
                                        server_default=''))
    op.add_column('settlements', sa.Column('sale_vat_rate_pct', sa.BigInteger(), nullable=True))
    op.add_column('settlements', sa.Column('sale_vat_exempt_basis', sa.String(length=128), nullable=False,
                                           server_default=''))
    op.add_column('settlements', sa.Column('sale_net', sa.BigInteger(), nullable=False, server_default='0'))
    # what was booked: the whole buyer total as revenue (the old guard leaves sale_net free)
    op.execute("UPDATE settlements SET sale_net = buyer_total")
    for cost in ("logistics", "packing"):
        op.add_column('settlements', sa.Column(f'{cost}_invoice_no', sa.String(length=32), nullable=False,
                                               server_default=''))
        op.add_column('settlements', sa.Column(f'{cost}_vat_rate_pct', sa.BigInteger(), nullable=True))
    if postgres:
        op.add_column('products', sa.Column('sales_vat_rate_pct', sa.BigInteger(), nullable=True))
        op.execute("UPDATE products SET sales_vat_rate_pct = 900")
        op.add_column('settlements', sa.Column('output_vat', sa.BigInteger(), nullable=False, server_default='0'))
        for name, sql in PRODUCT_CHECKS.items():
            op.execute(f"ALTER TABLE products ADD CONSTRAINT {name} CHECK ({sql})")
        for cost in ("logistics", "packing"):
            op.add_column('settlements', sa.Column(f'{cost}_input_vat', sa.BigInteger(), nullable=False,
                                                   server_default='0'))
        for name, sql in {**SETTLEMENT_CHECKS, **COST_CHECKS}.items():
            op.execute(f"ALTER TABLE settlements ADD CONSTRAINT {name} CHECK ({sql})")
        op.execute(POSTGRESQL_GUARD)
    else:
        # SQLite adds a column with its CHECK constraints in place
        op.execute(f"ALTER TABLE products ADD COLUMN sales_vat_rate_pct BIGINT DEFAULT 900 {_checks('products', PRODUCT_CHECKS)}")
        op.execute("ALTER TABLE settlements ADD COLUMN output_vat BIGINT NOT NULL DEFAULT 0 "
                   f"{_checks('settlements', SETTLEMENT_CHECKS)}")
        for cost in ("logistics", "packing"):
            name = f"ck_settlements_{cost}_special_invoice"
            op.execute(f"ALTER TABLE settlements ADD COLUMN {cost}_input_vat BIGINT NOT NULL DEFAULT 0 "
                       f"{_checks('settlements', {name: COST_CHECKS[name]})}")
        op.execute("DROP TRIGGER IF EXISTS trg_settlements_no_change_when_posted")
        op.execute(SQLITE_GUARD)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(POSTGRESQL_GUARD_BEFORE)
        for name in {**SETTLEMENT_CHECKS, **COST_CHECKS}:
            op.execute(f"ALTER TABLE settlements DROP CONSTRAINT {name}")
        for name in PRODUCT_CHECKS:
            op.execute(f"ALTER TABLE products DROP CONSTRAINT {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_settlements_no_change_when_posted")
        op.execute(SQLITE_GUARD_BEFORE)
    # SQLite 3.35+ drops a column in place, once no CHECK names it: the checks go with their column
    for table, column in (("settlements", "packing_input_vat"), ("settlements", "logistics_input_vat"),
                          ("settlements", "packing_vat_rate_pct"), ("settlements", "packing_invoice_no"),
                          ("settlements", "logistics_vat_rate_pct"), ("settlements", "logistics_invoice_no"),
                          ("settlements", "output_vat"), ("settlements", "sale_net"),
                          ("settlements", "sale_vat_exempt_basis"), ("settlements", "sale_vat_rate_pct"),
                          ("products", "sales_vat_rate_pct"), ("products", "sales_vat_exempt_basis")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
