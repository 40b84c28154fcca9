"""adjustments as documents: sales allowances and price corrections after a settlement is posted

Revision ID: d9a4c6e1f3b7
Revises: c8f1e2a4b6d3
Create Date: 2026-12-04 13:00:00

``adjustments`` holds each 销售折让/价格调整 with a buyer and each 价格更正 of a household's price,
with its review and voucher. What they move is kept beside the settlement they correct, never in
its posted figures: ``settlements.buyer_adjusted`` (the allowances, at most zero; the buyer owes
``buyer_total + buyer_adjusted``) and ``settlement_households.adjusted`` (the corrections, either
way; the household is owed ``net + adjusted``). Both start at 0, which is what every settlement
written so far was booked at: the books agree with today's data by construction (``flask ledger
verify`` checks it per party after the upgrade).

A household line's payouts were held within its net (``paid <= net``); they are now held within
``net + adjusted``. PostgreSQL swaps the CHECK. SQLite cannot alter a CHECK and a rebuild of
``settlement_households`` would cascade to its items, so the CHECK's text is edited in the schema
itself, the procedure SQLite documents for loosening a constraint (every row already holds the new
one, adjusted being 0); the integrity check runs after and stops the upgrade on anything but a row
that broke the CHECK before (the new CHECK is the old one while ``adjusted`` is 0). The downgrade
puts the old CHECK back for new rows (PostgreSQL: ``NOT VALID``): a line paid beyond its net after
an upwards correction keeps its payments, whose correction the downgrade drops with the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9a4c6e1f3b7'
down_revision = 'c8f1e2a4b6d3'
branch_labels = None
depends_on = None

OLD_PAID = "paid >= 0 AND paid <= net"
NEW_PAID = "paid >= 0 AND paid <= net + adjusted"
PAID_CHECK = "ck_settlement_households_paid_within_net"
BUYER_CHECK = ("ck_settlements_adjusted_within_total", "buyer_adjusted <= 0 AND buyer_received <= buyer_total + buyer_adjusted")
LINE_CHECK = ("ck_settlement_households_adjusted_within_net", "net + adjusted >= 0")


def _add_column(table: str, column: str, check: tuple[str, str]) -> None:
    name, condition = check
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(table, sa.Column(column, sa.BigInteger(), nullable=False, server_default='0'))
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")
    else:
        # SQLite adds a column with its CHECK in place (no rebuild)
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} BIGINT NOT NULL DEFAULT 0 "
                   f"CONSTRAINT {name} CHECK ({condition})")


def _drop_column(table: str, column: str, check: tuple[str, str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {check[0]}")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def _paid_check(before: str, after: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE settlement_households DROP CONSTRAINT {PAID_CHECK}")
        op.execute(f"ALTER TABLE settlement_households ADD CONSTRAINT {PAID_CHECK} CHECK ({after}) NOT VALID")
        if not bind.exec_driver_sql(f"SELECT COUNT(*) FROM settlement_households WHERE NOT ({after})").scalar_one():
            op.execute(f"ALTER TABLE settlement_households VALIDATE CONSTRAINT {PAID_CHECK}")
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'settlement_households'"
                               ).scalar_one()
    if f"CHECK ({before})" not in sql:
        raise RuntimeError(f"settlement_households: the CHECK {PAID_CHECK} is not as expected")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'settlement_households'",
                         (sql.replace(f"CHECK ({before})", f"CHECK ({after})"),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = [problem for problem in bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if problem != "ok" and not problem.startswith("CHECK constraint failed")]
    if problems:
        raise RuntimeError(f"settlement_households: integrity check failed: {problems}")


def upgrade():
    op.create_table('adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('adjusted_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('per_kg', sa.BigInteger(), nullable=True),
    sa.Column('old_price', sa.BigInteger(), nullable=True),
    sa.Column('new_price', sa.BigInteger(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('vat', sa.BigInteger(), nullable=False),
    sa.Column('excl_vat', sa.BigInteger(), nullable=False),
    sa.Column('invoice_number', sa.String(length=32), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('amount = vat + excl_vat', name=op.f('ck_adjustments_vat_plus_excl_vat')),
    sa.CheckConstraint(
        "(kind = 'sales_allowance' AND amount < 0 AND buyer_id IS NOT NULL AND line_id IS NULL"
        " AND vat <= 0 AND excl_vat < 0)"
        " OR (kind = 'price_correction' AND amount <> 0 AND line_id IS NOT NULL"
        " AND item_id IS NOT NULL AND new_price IS NOT NULL AND buyer_id IS NULL"
        " AND ((amount > 0 AND vat >= 0 AND excl_vat > 0) OR (amount < 0 AND vat <= 0 AND excl_vat < 0)))",
        name=op.f('ck_adjustments_kind_has_its_fields')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_adjustments_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_adjustments_household_id_households')),
    sa.ForeignKeyConstraint(['item_id'], ['settlement_items.id'], name=op.f('fk_adjustments_item_id_settlement_items')),
    sa.ForeignKeyConstraint(['line_id'], ['settlement_households.id'],
                            name=op.f('fk_adjustments_line_id_settlement_households')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_adjustments_prepared_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_adjustments_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'],
                            name=op.f('fk_adjustments_settlement_id_settlements')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_adjustments_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_adjustments_idempotency_key')),
    sa.UniqueConstraint('number', name=op.f('uq_adjustments_number'))
    )
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustments_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjustments_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjustments_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjustments_settlement_id'), ['settlement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjustments_status'), ['status'], unique=False)
        batch_op.create_index('uq_adjustments_waiting_item', ['item_id'], unique=True,
                              sqlite_where=sa.text("status = 'submitted'"),
                              postgresql_where=sa.text("status = 'submitted'"))
    _add_column('settlements', 'buyer_adjusted', BUYER_CHECK)
    _add_column('settlement_households', 'adjusted', LINE_CHECK)
    _paid_check(OLD_PAID, NEW_PAID)


def downgrade():
    _paid_check(NEW_PAID, OLD_PAID)
    _drop_column('settlement_households', 'adjusted', LINE_CHECK)
    _drop_column('settlements', 'buyer_adjusted', BUYER_CHECK)
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.drop_index('uq_adjustments_waiting_item', sqlite_where=sa.text("status = 'submitted'"),
                            postgresql_where=sa.text("status = 'submitted'"))
        for column in ('status', 'settlement_id', 'line_id', 'household_id', 'buyer_id'):
            batch_op.drop_index(batch_op.f(f'ix_adjustments_{column}'))
    op.drop_table('adjustments')
