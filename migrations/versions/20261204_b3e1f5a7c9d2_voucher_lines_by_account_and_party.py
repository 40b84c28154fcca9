"""one party's lines on an account are found by an index

Revision ID: b3e1f5a7c9d2
Revises: a9d4e2c7f1b3
Create Date: 2026-12-04 19:30:00

``ix_voucher_lines_account_party`` on ``voucher_lines (account_id, party_type, party_id)``: a
household's balance on 2202 or its 明细账 reads that household's lines, not the account's every line
(2202 holds most of a year's lines: at a district's size a party's balance went from a scan of a
million lines to an index lookup).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3e1f5a7c9d2'
down_revision = 'a9d4e2c7f1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_voucher_lines_account_party', 'voucher_lines', ['account_id', 'party_type', 'party_id'])


def downgrade():
    op.drop_index('ix_voucher_lines_account_party', table_name='voucher_lines')
