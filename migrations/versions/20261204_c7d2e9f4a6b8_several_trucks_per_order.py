"""an order ships on several trucks, each received on its own

Revision ID: c7d2e9f4a6b8
Revises: b5e8f2a4c7d1
Create Date: 2026-12-04 18:00:00

- ``shipments.order_id`` is no longer unique (an index instead): an order may go on several trucks.
  On SQLite the unique constraint's own index is turned into that plain index in place
  (``writable_schema``; the b-tree of a one-column unique index and of a plain one are the same;
  ``PRAGMA integrity_check`` proves it) instead of rebuilding ``shipments``;
- ``shipments.last`` (the order's last truck; every truck so far was its order's only one, so true)
  and ``shipments.stock_kg`` (the warehouse's part of the order, on its first truck: every truck so
  far carried its order's stock lines).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e9f4a6b8'
down_revision = 'b5e8f2a4c7d1'
branch_labels = None
depends_on = None

UNIQUE_ORDER = "CONSTRAINT uq_shipments_order_id UNIQUE (order_id)"
INDEX = "ix_shipments_order_id"
INDEX_SQL = f"CREATE INDEX {INDEX} ON shipments (order_id)"
STOCK_CHECK = "ck_shipments_stock_not_negative"


def _integrity(bind) -> None:
    problems = [p for p in bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if p != "ok" and not p.startswith("CHECK constraint failed")]
    if problems:
        raise RuntimeError(f"shipments: integrity check failed: {problems}")


def _write_schema(bind, table_sql: str, index_name: str, new_name: str, new_sql) -> None:
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'shipments'", (table_sql,))
    bind.exec_driver_sql("UPDATE sqlite_master SET name = ?, sql = ? WHERE type = 'index' AND name = ?",
                         (new_name, new_sql, index_name))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    _integrity(bind)


def _sqlite_order_index(upgrading: bool) -> None:
    bind = op.get_bind()
    table = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'shipments'"
                                 ).scalar_one()
    autoindexes = bind.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' "
                                       "AND tbl_name = 'shipments' AND sql IS NULL").scalars().all()
    if upgrading:
        ours = [name for name in autoindexes
                if [row[2] for row in bind.exec_driver_sql(f"PRAGMA index_info('{name}')")] == ["order_id"]]
        # SQLite names a table's autoindexes by the order of its constraints: only the last may go
        if UNIQUE_ORDER not in table or ours != [f"sqlite_autoindex_shipments_{len(autoindexes)}"]:
            raise RuntimeError(f"shipments: the unique constraint on order_id is not as expected: {ours}")
        start = table.index(UNIQUE_ORDER)
        before = table[:start].rstrip()
        if not before.endswith(","):
            raise RuntimeError("shipments: the unique constraint on order_id is not where expected")
        _write_schema(bind, before[:-1] + table[start + len(UNIQUE_ORDER):], ours[0], INDEX, INDEX_SQL)
    else:
        if bind.exec_driver_sql("SELECT COUNT(*) FROM (SELECT order_id FROM shipments GROUP BY order_id "
                                "HAVING COUNT(*) > 1)").scalar_one():
            raise RuntimeError("shipments: orders on several trucks exist; one truck per order cannot be restored")
        last = table.rstrip()
        restored = last[:-1].rstrip() + ", \n\t" + UNIQUE_ORDER + "\n)"
        _write_schema(bind, restored, INDEX, f"sqlite_autoindex_shipments_{len(autoindexes) + 1}", None)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_constraint(op.f('uq_shipments_order_id'), 'shipments', type_='unique')
        op.create_index(INDEX, 'shipments', ['order_id'], unique=False)
        op.add_column('shipments', sa.Column('last', sa.Boolean(), nullable=False, server_default=sa.true()))
        op.add_column('shipments', sa.Column('stock_kg', sa.BigInteger(), nullable=False, server_default='0'))
        op.execute(f"ALTER TABLE shipments ADD CONSTRAINT {STOCK_CHECK} CHECK (stock_kg >= 0)")
    else:
        _sqlite_order_index(upgrading=True)
        op.execute("ALTER TABLE shipments ADD COLUMN last BOOLEAN NOT NULL DEFAULT 1")
        op.execute(f"ALTER TABLE shipments ADD COLUMN stock_kg BIGINT NOT NULL DEFAULT 0 "
                   f"CONSTRAINT {STOCK_CHECK} CHECK (stock_kg >= 0)")
    op.execute("UPDATE shipments SET stock_kg = (SELECT COALESCE(SUM(quantity_kg), 0) FROM order_stock_lines "
               "WHERE order_stock_lines.order_id = shipments.order_id)")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(f"ALTER TABLE shipments DROP CONSTRAINT {STOCK_CHECK}")
    op.execute("ALTER TABLE shipments DROP COLUMN stock_kg")
    op.execute("ALTER TABLE shipments DROP COLUMN last")
    if postgres:
        op.drop_index(INDEX, table_name='shipments')
        op.create_unique_constraint(op.f('uq_shipments_order_id'), 'shipments', ['order_id'])
    else:
        _sqlite_order_index(upgrading=False)
