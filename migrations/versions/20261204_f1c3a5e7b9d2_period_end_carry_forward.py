"""Period end: 3103 本年利润 and 3104 利润分配

Revision ID: f1c3a5e7b9d2
Revises: f7b3d2a91c58
Create Date: 2026-12-04 06:00:00

Closing a month now carries every 损益类 balance to 3103 本年利润 (期末结转损益), and closing
December carries 本年利润 to 3104 利润分配. Both accounts join the seeded chart; a database whose
chart was seeded gets them here (a missing one only). Carry-forward vouchers are recorded with the
source ``closing`` (an enum stored as text: no schema change).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1c3a5e7b9d2'
down_revision = 'f7b3d2a91c58'
branch_labels = None
depends_on = None

ADDED = [("3103", "本年利润"), ("3104", "利润分配")]


def upgrade():
    bind = op.get_bind()
    codes = {code for (code,) in bind.execute(sa.text("SELECT code FROM accounts"))}
    if not codes:
        return  # an empty chart: seeding creates them
    for code, name in ADDED:
        if code not in codes:
            bind.execute(sa.text("INSERT INTO accounts (code, name, kind, party_type, active) "
                                 "VALUES (:code, :name, 'equity', 'none', :active)"),
                         {"code": code, "name": name, "active": True})


def downgrade():
    bind = op.get_bind()
    used = {row[0] for row in bind.execute(sa.text("SELECT DISTINCT account_id FROM voucher_lines"))}
    for code, _name in reversed(ADDED):
        account_id = bind.execute(sa.text("SELECT id FROM accounts WHERE code = :code"), {"code": code}).scalar()
        if account_id is not None and account_id not in used:
            bind.execute(sa.text("DELETE FROM accounts WHERE id = :id"), {"id": account_id})
