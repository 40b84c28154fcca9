"""payee changes under four eyes

Revision ID: e6a3c1f70b92
Revises: d5f2b8e04a61
Create Date: 2026-12-04 02:45:00

A change of a household's payout method, bank or account is a request (``payee_changes``) that
takes effect when an accountant other than the requester approves it; at most one waits per
household. ``households.payee_changed_at`` says when the last approved change took effect, so
payouts to a freshly changed account can be flagged.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6a3c1f70b92'
down_revision = 'd5f2b8e04a61'
branch_labels = None
depends_on = None

METHODS = ('bank', 'wechat', 'cash')


def upgrade():
    op.create_table(
        'payee_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'superseded', name='payeechangestatus',
                                    native_enum=False, length=32), nullable=False),
        sa.Column('payout_method', sa.Enum(*METHODS, name='payoutmethod', native_enum=False, length=32), nullable=False),
        sa.Column('bank_name', sa.String(length=64), nullable=False),
        sa.Column('account_number', sa.String(length=40), nullable=False),
        sa.Column('old_payout_method', sa.Enum(*METHODS, name='payoutmethod', native_enum=False, length=32),
                  nullable=False),
        sa.Column('old_bank_name', sa.String(length=64), nullable=False),
        sa.Column('old_account_number', sa.String(length=40), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> requested_by_id',
                           name=op.f('ck_payee_changes_four_eyes')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_payee_changes_household_id_households')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_payee_changes_requested_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_payee_changes_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payee_changes')),
    )
    with op.batch_alter_table('payee_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payee_changes_household_id'), ['household_id'], unique=False)
        batch_op.create_index('uq_payee_changes_one_pending', ['household_id'], unique=True,
                              sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    # not in batch: rebuilding households on SQLite would trip the foreign keys that point at it
    op.add_column('households', sa.Column('payee_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.execute("ALTER TABLE households DROP COLUMN payee_changed_at")  # in place: SQLite 3.35+ too
    with op.batch_alter_table('payee_changes', schema=None) as batch_op:
        batch_op.drop_index('uq_payee_changes_one_pending', sqlite_where=sa.text("status = 'pending'"),
                            postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_payee_changes_household_id'))
    op.drop_table('payee_changes')
