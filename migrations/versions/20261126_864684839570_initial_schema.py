"""initial schema

Revision ID: 864684839570
Revises: 
Create Date: 2026-11-26 14:27:22.409555

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '864684839570'
down_revision = None
branch_labels = None
depends_on = None


# The ledger's database rules, as market/database_rules.py had them when this migration was written.
SQLITE_RULES = ["CREATE TRIGGER IF NOT EXISTS trg_voucher_lines_no_insert_when_posted\nBEFORE INSERT ON voucher_lines\nWHEN (SELECT status FROM vouchers WHERE id = NEW.voucher_id) = 'posted'\nBEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_voucher_lines_no_update_when_posted\nBEFORE UPDATE ON voucher_lines\nWHEN (SELECT status FROM vouchers WHERE id = OLD.voucher_id) = 'posted'\n  OR (SELECT status FROM vouchers WHERE id = NEW.voucher_id) = 'posted'\nBEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_voucher_lines_no_delete_when_posted\nBEFORE DELETE ON voucher_lines\nWHEN (SELECT status FROM vouchers WHERE id = OLD.voucher_id) = 'posted'\nBEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_vouchers_no_change_when_posted\nBEFORE UPDATE ON vouchers\nWHEN OLD.status = 'posted'\nBEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_vouchers_no_delete_when_posted\nBEFORE DELETE ON vouchers\nWHEN OLD.status = 'posted'\nBEGIN SELECT RAISE(ABORT, 'ledger: a posted voucher and its lines cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_vouchers_not_born_posted\nBEFORE INSERT ON vouchers\nWHEN NEW.status = 'posted'\nBEGIN SELECT RAISE(ABORT, 'ledger: a voucher can only be posted with two or more lines that balance'); END", "CREATE TRIGGER IF NOT EXISTS trg_vouchers_post_only_balanced\nBEFORE UPDATE OF status ON vouchers\nWHEN NEW.status = 'posted' AND (\n  (SELECT COUNT(*) FROM voucher_lines WHERE voucher_id = NEW.id) < 2\n  OR (SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) FROM voucher_lines WHERE voucher_id = NEW.id) <> 0)\nBEGIN SELECT RAISE(ABORT, 'ledger: a voucher can only be posted with two or more lines that balance'); END"]

POSTGRESQL_RULES = ["CREATE OR REPLACE FUNCTION ledger_guard_lines() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (\n      SELECT 1 FROM vouchers WHERE id = OLD.voucher_id AND status = 'posted') THEN\n    RAISE EXCEPTION 'ledger: a posted voucher and its lines cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP IN ('UPDATE', 'INSERT') AND EXISTS (\n      SELECT 1 FROM vouchers WHERE id = NEW.voucher_id AND status = 'posted') THEN\n    RAISE EXCEPTION 'ledger: a posted voucher and its lines cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_voucher_lines_guard ON voucher_lines', 'CREATE TRIGGER trg_voucher_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON voucher_lines\nFOR EACH ROW EXECUTE FUNCTION ledger_guard_lines()', "CREATE OR REPLACE FUNCTION ledger_guard_vouchers() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'posted' THEN\n    RAISE EXCEPTION 'ledger: a posted voucher and its lines cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", 'DROP TRIGGER IF EXISTS trg_vouchers_guard ON vouchers', 'CREATE TRIGGER trg_vouchers_guard BEFORE UPDATE OR DELETE ON vouchers\nFOR EACH ROW EXECUTE FUNCTION ledger_guard_vouchers()', "CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n  target integer;\n  lines integer;\n  difference bigint;\nBEGIN\n  IF TG_TABLE_NAME = 'vouchers' THEN\n    IF NEW.status <> 'posted' THEN RETURN NULL; END IF;\n    target := NEW.id;\n  ELSE\n    target := COALESCE(NEW.voucher_id, OLD.voucher_id);\n    IF NOT EXISTS (SELECT 1 FROM vouchers WHERE id = target AND status = 'posted') THEN RETURN NULL; END IF;\n  END IF;\n  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO lines, difference\n    FROM voucher_lines WHERE voucher_id = target;\n  IF lines < 2 OR difference <> 0 THEN\n    RAISE EXCEPTION 'ledger: a voucher can only be posted with two or more lines that balance' USING ERRCODE = 'check_violation';\n  END IF;\n  RETURN NULL;\nEND $$", 'DROP TRIGGER IF EXISTS trg_vouchers_balanced ON vouchers', 'CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT OR UPDATE ON vouchers\nDEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()', 'DROP TRIGGER IF EXISTS trg_voucher_lines_balanced ON voucher_lines', 'CREATE CONSTRAINT TRIGGER trg_voucher_lines_balanced AFTER INSERT OR UPDATE OR DELETE ON voucher_lines\nDEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()']


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('asset', 'liability', 'equity', 'cost', 'revenue', 'expense', name='accountkind', native_enum=False, length=32), nullable=False),
    sa.Column('party_type', sa.Enum('none', 'household', 'buyer', name='partytype', native_enum=False, length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('code', name=op.f('uq_accounts_code'))
    )
    op.create_table('buyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('province', sa.String(length=32), nullable=False),
    sa.Column('city', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('accept_below_pct', sa.BigInteger(), nullable=False),
    sa.Column('reject_above_pct', sa.BigInteger(), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('accept_below_pct >= 0 AND accept_below_pct <= reject_above_pct', name=op.f('ck_buyers_acceptance_ordered')),
    sa.CheckConstraint('payment_terms_days >= 0 AND payment_terms_days <= 60', name=op.f('ck_buyers_terms_at_most_60_days')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyers')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_buyers_credit_code')),
    sa.UniqueConstraint('name', name=op.f('uq_buyers_name'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('name', name=op.f('uq_products_name'))
    )
    op.create_table('roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Enum('villager', 'coordinator', 'accountant', 'buyer', 'admin', name='rolename', native_enum=False, length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
    sa.UniqueConstraint('name', name=op.f('uq_roles_name'))
    )
    op.create_table('villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('township', sa.String(length=64), nullable=False),
    sa.Column('county', sa.String(length=64), nullable=False),
    sa.CheckConstraint('length(code) = 12', name=op.f('ck_villages_code_12_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_villages')),
    sa.UniqueConstraint('code', name=op.f('uq_villages_code'))
    )
    op.create_table('grade_tables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_grade_tables_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_tables')),
    sa.UniqueConstraint('product_id', 'name', name='uq_grade_tables_product_name')
    )
    with op.batch_alter_table('grade_tables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_tables_product_id'), ['product_id'], unique=False)

    op.create_table('party_branches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('secretary', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_party_branches_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_branches')),
    sa.UniqueConstraint('name', name=op.f('uq_party_branches_name'))
    )
    with op.batch_alter_table('party_branches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_branches_village_id'), ['village_id'], unique=False)

    op.create_table('varieties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_varieties_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_varieties')),
    sa.UniqueConstraint('product_id', 'name', name='uq_varieties_product_name')
    )
    with op.batch_alter_table('varieties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_varieties_product_id'), ['product_id'], unique=False)

    op.create_table('village_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('distance_km', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_village_groups_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village_groups')),
    sa.UniqueConstraint('village_id', 'number', name='uq_village_groups_village_number')
    )
    with op.batch_alter_table('village_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_groups_village_id'), ['village_id'], unique=False)

    op.create_table('grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('min_fruit_g', sa.Integer(), nullable=True),
    sa.Column('min_diameter_mm', sa.Integer(), nullable=True),
    sa.Column('price_diff', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('rank >= 0', name=op.f('ck_grades_rank_not_negative')),
    sa.ForeignKeyConstraint(['table_id'], ['grade_tables.id'], name=op.f('fk_grades_table_id_grade_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grades')),
    sa.UniqueConstraint('table_id', 'code', name='uq_grades_table_code'),
    sa.UniqueConstraint('table_id', 'rank', name='uq_grades_table_rank')
    )
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grades_table_id'), ['table_id'], unique=False)

    op.create_table('party_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('leader', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['party_branches.id'], name=op.f('fk_party_groups_branch_id_party_branches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_groups')),
    sa.UniqueConstraint('branch_id', 'name', name='uq_party_groups_branch_name')
    )
    with op.batch_alter_table('party_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_groups_branch_id'), ['branch_id'], unique=False)

    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('party_group_id', sa.Integer(), nullable=True),
    sa.Column('payout_method', sa.Enum('bank', 'wechat', 'cash', name='payoutmethod', native_enum=False, length=32), nullable=False),
    sa.Column('bank_name', sa.String(length=64), nullable=False),
    sa.Column('account_number', sa.String(length=40), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['village_groups.id'], name=op.f('fk_households_group_id_village_groups')),
    sa.ForeignKeyConstraint(['party_group_id'], ['party_groups.id'], name=op.f('fk_households_party_group_id_party_groups')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_households_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_party_group_id'), ['party_group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_village_id'), ['village_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('party_group_id', sa.Integer(), nullable=True),
    sa.Column('buyer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_users_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_users_household_id_households')),
    sa.ForeignKeyConstraint(['party_group_id'], ['party_groups.id'], name=op.f('fk_users_party_group_id_party_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('phone', name=op.f('uq_users_phone'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('on_behalf_of_household_id', sa.Integer(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['on_behalf_of_household_id'], ['households.id'], name=op.f('fk_audit_events_on_behalf_of_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    op.create_table('buyer_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('variety_id', sa.Integer(), nullable=False),
    sa.Column('min_grade_id', sa.Integer(), nullable=False),
    sa.Column('quantity_kg', sa.BigInteger(), nullable=False),
    sa.Column('entered_unit', sa.Enum('jin', 'kg', 't', name='quantityunit', native_enum=False, length=32), nullable=False),
    sa.Column('delivered_price', sa.BigInteger(), nullable=False),
    sa.Column('mode', sa.Enum('field_direct', 'farm_to_supermarket', name='salemode', native_enum=False, length=24), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('destination', sa.String(length=255), nullable=False),
    sa.Column('crate_kg', sa.BigInteger(), nullable=False),
    sa.Column('party_group_id', sa.Integer(), nullable=True),
    sa.Column('reject_policy', sa.Enum('company_bears', 'pro_rata', name='rejectpolicy', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'allocated', 'collecting', 'shipped', 'received', 'settled', 'cancelled', name='orderstatus', native_enum=False, length=32), nullable=False),
    sa.Column('share_cap_pct', sa.BigInteger(), nullable=False),
    sa.Column('stop_cost', sa.BigInteger(), nullable=False),
    sa.Column('km_cost', sa.BigInteger(), nullable=False),
    sa.Column('urgency_credit', sa.BigInteger(), nullable=False),
    sa.Column('urgency_horizon_days', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('cancelled_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('crate_kg > 0', name=op.f('ck_buyer_orders_crate_positive')),
    sa.CheckConstraint('delivered_price > 0', name=op.f('ck_buyer_orders_price_positive')),
    sa.CheckConstraint('quantity_kg > 0', name=op.f('ck_buyer_orders_quantity_positive')),
    sa.CheckConstraint('window_end >= window_start', name=op.f('ck_buyer_orders_window_ordered')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_buyer_orders_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_buyer_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['min_grade_id'], ['grades.id'], name=op.f('fk_buyer_orders_min_grade_id_grades')),
    sa.ForeignKeyConstraint(['party_group_id'], ['party_groups.id'], name=op.f('fk_buyer_orders_party_group_id_party_groups')),
    sa.ForeignKeyConstraint(['variety_id'], ['varieties.id'], name=op.f('fk_buyer_orders_variety_id_varieties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_buyer_orders_number'))
    )
    with op.batch_alter_table('buyer_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buyer_orders_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_buyer_orders_status'), ['status'], unique=False)

    op.create_table('idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_records_user_key')
    )
    op.create_table('market_quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('variety_id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('quoted_on', sa.Date(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price > 0', name=op.f('ck_market_quotes_price_positive')),
    sa.ForeignKeyConstraint(['grade_id'], ['grades.id'], name=op.f('fk_market_quotes_grade_id_grades')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_market_quotes_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['variety_id'], ['varieties.id'], name=op.f('fk_market_quotes_variety_id_varieties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market_quotes')),
    sa.UniqueConstraint('variety_id', 'grade_id', 'quoted_on', 'source', name='uq_market_quotes_variety_grade_day_source')
    )
    with op.batch_alter_table('market_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_quotes_quoted_on'), ['quoted_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_quotes_variety_id'), ['variety_id'], unique=False)

    op.create_table('periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='periodstatus', native_enum=False, length=32), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_periods_month_range')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_periods_closed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periods')),
    sa.UniqueConstraint('year', 'month', name='uq_periods_year_month')
    )
    op.create_table('produce_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('variety_id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('quantity_kg', sa.BigInteger(), nullable=False),
    sa.Column('entered_unit', sa.Enum('jin', 'kg', 't', name='quantityunit', native_enum=False, length=32), nullable=False),
    sa.Column('reserved_kg', sa.BigInteger(), nullable=False),
    sa.Column('ready_from', sa.Date(), nullable=False),
    sa.Column('ready_to', sa.Date(), nullable=False),
    sa.Column('spoil_by', sa.Date(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('location_note', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('listed', 'allocated', 'collected', 'closed', 'withdrawn', name='lotstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity_kg > 0', name=op.f('ck_produce_lots_quantity_positive')),
    sa.CheckConstraint('ready_to >= ready_from', name=op.f('ck_produce_lots_ready_window_ordered')),
    sa.CheckConstraint('reserved_kg >= 0 AND reserved_kg <= quantity_kg', name=op.f('ck_produce_lots_reserved_within_quantity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_produce_lots_created_by_id_users')),
    sa.ForeignKeyConstraint(['grade_id'], ['grades.id'], name=op.f('fk_produce_lots_grade_id_grades')),
    sa.ForeignKeyConstraint(['group_id'], ['village_groups.id'], name=op.f('fk_produce_lots_group_id_village_groups')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_produce_lots_household_id_households')),
    sa.ForeignKeyConstraint(['variety_id'], ['varieties.id'], name=op.f('fk_produce_lots_variety_id_varieties')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_produce_lots_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_produce_lots'))
    )
    with op.batch_alter_table('produce_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_produce_lots_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_produce_lots_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_produce_lots_variety_id'), ['variety_id'], unique=False)

    op.create_table('purchase_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('season', sa.String(length=16), nullable=False),
    sa.Column('variety_id', sa.Integer(), nullable=False),
    sa.Column('grade_table_id', sa.Integer(), nullable=False),
    sa.Column('main_grade_id', sa.Integer(), nullable=False),
    sa.Column('area_mu', sa.BigInteger(), nullable=False),
    sa.Column('expected_kg', sa.BigInteger(), nullable=False),
    sa.Column('tolerance_pct', sa.BigInteger(), nullable=False),
    sa.Column('mechanism', sa.Enum('fixed', 'floor', 'market_plus', 'base_bonus', name='pricemechanism', native_enum=False, length=32), nullable=False),
    sa.Column('premium_pct', sa.BigInteger(), nullable=False),
    sa.Column('bonus_per_kg', sa.BigInteger(), nullable=False),
    sa.Column('quote_source', sa.String(length=64), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('delivery_terms', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'signed', 'active', 'fulfilled', 'terminated', name='contractstatus', native_enum=False, length=32), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('terminated_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expected_kg > 0', name=op.f('ck_purchase_contracts_expected_positive')),
    sa.CheckConstraint('tolerance_pct >= 0 AND tolerance_pct <= 5000', name=op.f('ck_purchase_contracts_tolerance_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_purchase_contracts_created_by_id_users')),
    sa.ForeignKeyConstraint(['grade_table_id'], ['grade_tables.id'], name=op.f('fk_purchase_contracts_grade_table_id_grade_tables')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_purchase_contracts_household_id_households')),
    sa.ForeignKeyConstraint(['main_grade_id'], ['grades.id'], name=op.f('fk_purchase_contracts_main_grade_id_grades')),
    sa.ForeignKeyConstraint(['variety_id'], ['varieties.id'], name=op.f('fk_purchase_contracts_variety_id_varieties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_contracts')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_contracts_number'))
    )
    with op.batch_alter_table('purchase_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_contracts_household_id'), ['household_id'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_user_roles_role_id_roles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role_id', name=op.f('pk_user_roles'))
    )
    op.create_table('allocation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('policy', sa.Enum('fair', 'optimal', name='allocationpolicy', native_enum=False, length=32), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('requested_kg', sa.BigInteger(), nullable=False),
    sa.Column('filled_kg', sa.BigInteger(), nullable=False),
    sa.Column('shortfall_kg', sa.BigInteger(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('cost', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'confirmed', 'superseded', name='runstatus', native_enum=False, length=32), nullable=False),
    sa.Column('adjusted', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_allocation_runs_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_allocation_runs_created_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['buyer_orders.id'], name=op.f('fk_allocation_runs_order_id_buyer_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_runs'))
    )
    with op.batch_alter_table('allocation_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_runs_order_id'), ['order_id'], unique=False)

    op.create_table('contract_grade_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_contract_grade_prices_price_not_negative')),
    sa.ForeignKeyConstraint(['contract_id'], ['purchase_contracts.id'], name=op.f('fk_contract_grade_prices_contract_id_purchase_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grade_id'], ['grades.id'], name=op.f('fk_contract_grade_prices_grade_id_grades')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_grade_prices')),
    sa.UniqueConstraint('contract_id', 'grade_id', name='uq_contract_grade_prices_contract_grade')
    )
    op.create_table('contract_prepayments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('deposit', 'advance', name='prepaymentkind', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_contract_prepayments_amount_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['purchase_contracts.id'], name=op.f('fk_contract_prepayments_contract_id_purchase_contracts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_contract_prepayments_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_prepayments'))
    )
    with op.batch_alter_table('contract_prepayments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_prepayments_contract_id'), ['contract_id'], unique=False)

    op.create_table('lot_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['produce_lots.id'], name=op.f('fk_lot_photos_lot_id_produce_lots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_photos')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_lot_photos_stored_name'))
    )
    with op.batch_alter_table('lot_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_photos_lot_id'), ['lot_id'], unique=False)

    op.create_table('order_grade_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_order_grade_prices_price_not_negative')),
    sa.ForeignKeyConstraint(['grade_id'], ['grades.id'], name=op.f('fk_order_grade_prices_grade_id_grades')),
    sa.ForeignKeyConstraint(['order_id'], ['buyer_orders.id'], name=op.f('fk_order_grade_prices_order_id_buyer_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_grade_prices')),
    sa.UniqueConstraint('order_id', 'grade_id', name='uq_order_grade_prices_order_grade')
    )
    op.create_table('period_balances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('party_type', sa.Enum('none', 'household', 'buyer', name='partytype', native_enum=False, length=32), nullable=False),
    sa.Column('party_key', sa.Integer(), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('closing', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_period_balances_account_id_accounts')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_period_balances_period_id_periods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_balances')),
    sa.UniqueConstraint('period_id', 'account_id', 'party_type', 'party_key', name='uq_period_balances_period_account_party')
    )
    with op.batch_alter_table('period_balances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_balances_period_id'), ['period_id'], unique=False)

    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('driver_name', sa.String(length=64), nullable=False),
    sa.Column('driver_phone', sa.String(length=20), nullable=False),
    sa.Column('crates', sa.Integer(), nullable=False),
    sa.Column('temperature_c', sa.BigInteger(), nullable=False),
    sa.Column('departed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('crates >= 0', name=op.f('ck_shipments_crates_not_negative')),
    sa.CheckConstraint('temperature_c >= -300 AND temperature_c <= 500', name=op.f('ck_shipments_temperature_plausible')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_shipments_created_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['buyer_orders.id'], name=op.f('fk_shipments_order_id_buyer_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('code', name=op.f('uq_shipments_code')),
    sa.UniqueConstraint('number', name=op.f('uq_shipments_number')),
    sa.UniqueConstraint('order_id', name=op.f('uq_shipments_order_id'))
    )
    op.create_table('vouchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('voucher_date', sa.Date(), nullable=False),
    sa.Column('summary', sa.String(length=255), nullable=False),
    sa.Column('attachments', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('prepared', 'approved', 'posted', 'rejected', name='voucherstatus', native_enum=False, length=32), nullable=False),
    sa.Column('source', sa.Enum('manual', 'settlement', 'payment', 'reversal', name='vouchersource', native_enum=False, length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('prepared_by_id', sa.Integer(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_vouchers_approved_by_id_users')),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], name=op.f('fk_vouchers_period_id_periods')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_vouchers_posted_by_id_users')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_vouchers_prepared_by_id_users')),
    sa.ForeignKeyConstraint(['reverses_id'], ['vouchers.id'], name=op.f('fk_vouchers_reverses_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_vouchers_idempotency_key')),
    sa.UniqueConstraint('period_id', 'number', name='uq_vouchers_period_number'),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_vouchers_reverses_id'))
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vouchers_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vouchers_status'), ['status'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('kg', sa.BigInteger(), nullable=False),
    sa.Column('pick_on', sa.Date(), nullable=True),
    sa.CheckConstraint('kg > 0', name=op.f('ck_allocations_kg_positive')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_allocations_household_id_households')),
    sa.ForeignKeyConstraint(['lot_id'], ['produce_lots.id'], name=op.f('fk_allocations_lot_id_produce_lots')),
    sa.ForeignKeyConstraint(['order_id'], ['buyer_orders.id'], name=op.f('fk_allocations_order_id_buyer_orders')),
    sa.ForeignKeyConstraint(['run_id'], ['allocation_runs.id'], name=op.f('fk_allocations_run_id_allocation_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations')),
    sa.UniqueConstraint('run_id', 'lot_id', name='uq_allocations_run_lot')
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_run_id'), ['run_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('product_name', sa.String(length=32), nullable=False),
    sa.Column('variety_name', sa.String(length=32), nullable=False),
    sa.Column('quantity_kg', sa.BigInteger(), nullable=False),
    sa.Column('origin', sa.String(length=255), nullable=False),
    sa.Column('issuer_name', sa.String(length=128), nullable=False),
    sa.Column('brand', sa.String(length=32), nullable=False),
    sa.Column('issuer_contact', sa.String(length=128), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('basis', sa.Enum('quality_control', 'own_test', 'lab_test', name='certificatebasis', native_enum=False, length=32), nullable=False),
    sa.Column('basis_note', sa.String(length=255), nullable=False),
    sa.Column('commitment', sa.Text(), nullable=False),
    sa.Column('retain_until', sa.Date(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity_kg > 0', name=op.f('ck_certificates_quantity_positive')),
    sa.CheckConstraint('retain_until > issued_on', name=op.f('ck_certificates_retained_after_issue')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_certificates_issued_by_id_users')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_certificates_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number')),
    sa.UniqueConstraint('shipment_id', name=op.f('uq_certificates_shipment_id'))
    )
    op.create_table('receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_kg', sa.BigInteger(), nullable=False),
    sa.Column('entered_unit', sa.Enum('jin', 'kg', 't', name='quantityunit', native_enum=False, length=32), nullable=False),
    sa.Column('defect_pct', sa.BigInteger(), nullable=False),
    sa.Column('accept_below_pct', sa.BigInteger(), nullable=False),
    sa.Column('reject_above_pct', sa.BigInteger(), nullable=False),
    sa.Column('ordered_kg', sa.BigInteger(), nullable=False),
    sa.Column('over_order_kg', sa.BigInteger(), nullable=False),
    sa.Column('deducted_kg', sa.BigInteger(), nullable=False),
    sa.Column('rejected_kg', sa.BigInteger(), nullable=False),
    sa.Column('accepted_kg', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.Enum('accepted', 'deducted', 'rejected', name='receiptoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('supplier_signer', sa.String(length=64), nullable=False),
    sa.Column('clerk_signer', sa.String(length=64), nullable=False),
    sa.Column('supervisor_signer', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('accepted_kg + deducted_kg + rejected_kg = received_kg', name=op.f('ck_receipts_parts_make_received')),
    sa.CheckConstraint('accepted_kg <= ordered_kg', name=op.f('ck_receipts_accepted_within_order')),
    sa.CheckConstraint('accepted_kg >= 0 AND deducted_kg >= 0 AND rejected_kg >= 0 AND over_order_kg >= 0', name=op.f('ck_receipts_parts_not_negative')),
    sa.CheckConstraint('defect_pct >= 0 AND defect_pct <= 10000', name=op.f('ck_receipts_defect_pct_range')),
    sa.CheckConstraint('over_order_kg <= rejected_kg', name=op.f('ck_receipts_over_order_is_rejected')),
    sa.CheckConstraint('received_kg > 0', name=op.f('ck_receipts_received_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['buyer_orders.id'], name=op.f('fk_receipts_order_id_buyer_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_receipts_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_receipts_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts')),
    sa.UniqueConstraint('shipment_id', name=op.f('uq_receipts_shipment_id'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_order_id'), ['order_id'], unique=False)

    op.create_table('voucher_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('party_type', sa.Enum('none', 'household', 'buyer', name='partytype', native_enum=False, length=32), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.String(length=255), nullable=False),
    sa.CheckConstraint('(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)', name=op.f('ck_voucher_lines_debit_xor_credit')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_voucher_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_voucher_lines_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_lines')),
    sa.UniqueConstraint('voucher_id', 'line_no', name='uq_voucher_lines_voucher_line_no')
    )
    with op.batch_alter_table('voucher_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_lines_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voucher_lines_voucher_id'), ['voucher_id'], unique=False)

    op.create_table('allocation_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('short_kg', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('short_kg >= 0', name=op.f('ck_allocation_closures_short_not_negative')),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocations.id'], name=op.f('fk_allocation_closures_allocation_id_allocations')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_allocation_closures_closed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_closures')),
    sa.UniqueConstraint('allocation_id', name=op.f('uq_allocation_closures_allocation_id'))
    )
    op.create_table('certificate_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('kg', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('kg > 0', name=op.f('ck_certificate_lots_kg_positive')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_lots_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_certificate_lots_household_id_households')),
    sa.ForeignKeyConstraint(['lot_id'], ['produce_lots.id'], name=op.f('fk_certificate_lots_lot_id_produce_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_lots')),
    sa.UniqueConstraint('certificate_id', 'lot_id', name='uq_certificate_lots_certificate_lot')
    )
    with op.batch_alter_table('certificate_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_lots_certificate_id'), ['certificate_id'], unique=False)

    op.create_table('certificate_parents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('external_number', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.String(length=128), nullable=False),
    sa.CheckConstraint("parent_id IS NOT NULL OR external_number <> ''", name=op.f('ck_certificate_parents_parent_named')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_parents_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['parent_id'], ['certificates.id'], name=op.f('fk_certificate_parents_parent_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_parents'))
    )
    with op.batch_alter_table('certificate_parents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_parents_certificate_id'), ['certificate_id'], unique=False)

    op.create_table('weigh_slips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('weighed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('weigher_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('variety_id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('crates', sa.Integer(), nullable=False),
    sa.Column('gross_kg', sa.BigInteger(), nullable=False),
    sa.Column('tare_kg', sa.BigInteger(), nullable=False),
    sa.Column('deduction_kind', sa.Enum('none', 'percent', 'fixed', 'per_unit', name='deductionkind', native_enum=False, length=32), nullable=False),
    sa.Column('deduction_value', sa.BigInteger(), nullable=False),
    sa.Column('deduction_kg', sa.BigInteger(), nullable=False),
    sa.Column('net_kg', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'void', name='slipstatus', native_enum=False, length=32), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('deduction_kg >= 0', name=op.f('ck_weigh_slips_deduction_not_negative')),
    sa.CheckConstraint('gross_kg > 0', name=op.f('ck_weigh_slips_gross_positive')),
    sa.CheckConstraint('net_kg = gross_kg - tare_kg - deduction_kg', name=op.f('ck_weigh_slips_net_is_gross_less_tare_and_deduction')),
    sa.CheckConstraint('net_kg > 0', name=op.f('ck_weigh_slips_net_positive')),
    sa.CheckConstraint('tare_kg >= 0', name=op.f('ck_weigh_slips_tare_not_negative')),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocations.id'], name=op.f('fk_weigh_slips_allocation_id_allocations')),
    sa.ForeignKeyConstraint(['contract_id'], ['purchase_contracts.id'], name=op.f('fk_weigh_slips_contract_id_purchase_contracts')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_weigh_slips_household_id_households')),
    sa.ForeignKeyConstraint(['replaces_id'], ['weigh_slips.id'], name=op.f('fk_weigh_slips_replaces_id_weigh_slips')),
    sa.ForeignKeyConstraint(['variety_id'], ['varieties.id'], name=op.f('fk_weigh_slips_variety_id_varieties')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_weigh_slips_voided_by_id_users')),
    sa.ForeignKeyConstraint(['weigher_id'], ['users.id'], name=op.f('fk_weigh_slips_weigher_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weigh_slips')),
    sa.UniqueConstraint('serial', name=op.f('uq_weigh_slips_serial'))
    )
    with op.batch_alter_table('weigh_slips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weigh_slips_allocation_id'), ['allocation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weigh_slips_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weigh_slips_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weigh_slips_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_weigh_slips_weighed_at'), ['weighed_at'], unique=False)

    op.create_table('crate_labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.CheckConstraint('number > 0', name=op.f('ck_crate_labels_number_positive')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_crate_labels_shipment_id_shipments')),
    sa.ForeignKeyConstraint(['slip_id'], ['weigh_slips.id'], name=op.f('fk_crate_labels_slip_id_weigh_slips')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crate_labels')),
    sa.UniqueConstraint('code', name=op.f('uq_crate_labels_code')),
    sa.UniqueConstraint('shipment_id', 'number', name='uq_crate_labels_shipment_number')
    )
    with op.batch_alter_table('crate_labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crate_labels_shipment_id'), ['shipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crate_labels_slip_id'), ['slip_id'], unique=False)

    op.create_table('field_rejects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=True),
    sa.Column('kg', sa.BigInteger(), nullable=False),
    sa.Column('entered_unit', sa.Enum('jin', 'kg', 't', name='quantityunit', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('kg > 0', name=op.f('ck_field_rejects_kg_positive')),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocations.id'], name=op.f('fk_field_rejects_allocation_id_allocations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_field_rejects_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['slip_id'], ['weigh_slips.id'], name=op.f('fk_field_rejects_slip_id_weigh_slips')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_rejects'))
    )
    with op.batch_alter_table('field_rejects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_rejects_allocation_id'), ['allocation_id'], unique=False)

    op.create_table('shipment_slips',
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_slips_shipment_id_shipments')),
    sa.ForeignKeyConstraint(['slip_id'], ['weigh_slips.id'], name=op.f('fk_shipment_slips_slip_id_weigh_slips')),
    sa.PrimaryKeyConstraint('shipment_id', 'slip_id', name=op.f('pk_shipment_slips')),
    sa.UniqueConstraint('slip_id', name=op.f('uq_shipment_slips_slip_id'))
    )
    op.create_table('weigh_slip_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('net_kg', sa.BigInteger(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=True),
    sa.Column('price_basis', sa.String(length=32), nullable=False),
    sa.CheckConstraint('net_kg > 0', name=op.f('ck_weigh_slip_lines_net_positive')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_weigh_slip_lines_price_not_negative')),
    sa.ForeignKeyConstraint(['grade_id'], ['grades.id'], name=op.f('fk_weigh_slip_lines_grade_id_grades')),
    sa.ForeignKeyConstraint(['quote_id'], ['market_quotes.id'], name=op.f('fk_weigh_slip_lines_quote_id_market_quotes')),
    sa.ForeignKeyConstraint(['slip_id'], ['weigh_slips.id'], name=op.f('fk_weigh_slip_lines_slip_id_weigh_slips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weigh_slip_lines')),
    sa.UniqueConstraint('slip_id', 'grade_id', name='uq_weigh_slip_lines_slip_grade')
    )
    with op.batch_alter_table('weigh_slip_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weigh_slip_lines_slip_id'), ['slip_id'], unique=False)

    # ### end Alembic commands ###
    bind = op.get_bind()
    for statement in (POSTGRESQL_RULES if bind.dialect.name == "postgresql" else SQLITE_RULES):
        bind.exec_driver_sql(statement)


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('weigh_slip_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weigh_slip_lines_slip_id'))

    op.drop_table('weigh_slip_lines')
    op.drop_table('shipment_slips')
    with op.batch_alter_table('field_rejects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_rejects_allocation_id'))

    op.drop_table('field_rejects')
    with op.batch_alter_table('crate_labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crate_labels_slip_id'))
        batch_op.drop_index(batch_op.f('ix_crate_labels_shipment_id'))

    op.drop_table('crate_labels')
    with op.batch_alter_table('weigh_slips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weigh_slips_weighed_at'))
        batch_op.drop_index(batch_op.f('ix_weigh_slips_status'))
        batch_op.drop_index(batch_op.f('ix_weigh_slips_household_id'))
        batch_op.drop_index(batch_op.f('ix_weigh_slips_contract_id'))
        batch_op.drop_index(batch_op.f('ix_weigh_slips_allocation_id'))

    op.drop_table('weigh_slips')
    with op.batch_alter_table('certificate_parents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_parents_certificate_id'))

    op.drop_table('certificate_parents')
    with op.batch_alter_table('certificate_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_lots_certificate_id'))

    op.drop_table('certificate_lots')
    op.drop_table('allocation_closures')
    with op.batch_alter_table('voucher_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_lines_voucher_id'))
        batch_op.drop_index(batch_op.f('ix_voucher_lines_account_id'))

    op.drop_table('voucher_lines')
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_order_id'))

    op.drop_table('receipts')
    op.drop_table('certificates')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_run_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_order_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_lot_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_household_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vouchers_status'))
        batch_op.drop_index(batch_op.f('ix_vouchers_period_id'))

    op.drop_table('vouchers')
    op.drop_table('shipments')
    with op.batch_alter_table('period_balances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_balances_period_id'))

    op.drop_table('period_balances')
    op.drop_table('order_grade_prices')
    with op.batch_alter_table('lot_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_photos_lot_id'))

    op.drop_table('lot_photos')
    with op.batch_alter_table('contract_prepayments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_prepayments_contract_id'))

    op.drop_table('contract_prepayments')
    op.drop_table('contract_grade_prices')
    with op.batch_alter_table('allocation_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_runs_order_id'))

    op.drop_table('allocation_runs')
    op.drop_table('user_roles')
    with op.batch_alter_table('purchase_contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_contracts_household_id'))

    op.drop_table('purchase_contracts')
    with op.batch_alter_table('produce_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_produce_lots_variety_id'))
        batch_op.drop_index(batch_op.f('ix_produce_lots_status'))
        batch_op.drop_index(batch_op.f('ix_produce_lots_household_id'))

    op.drop_table('produce_lots')
    op.drop_table('periods')
    with op.batch_alter_table('market_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_quotes_variety_id'))
        batch_op.drop_index(batch_op.f('ix_market_quotes_quoted_on'))

    op.drop_table('market_quotes')
    op.drop_table('idempotency_records')
    with op.batch_alter_table('buyer_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buyer_orders_status'))
        batch_op.drop_index(batch_op.f('ix_buyer_orders_buyer_id'))

    op.drop_table('buyer_orders')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_village_id'))
        batch_op.drop_index(batch_op.f('ix_households_party_group_id'))
        batch_op.drop_index(batch_op.f('ix_households_group_id'))

    op.drop_table('households')
    with op.batch_alter_table('party_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_groups_branch_id'))

    op.drop_table('party_groups')
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grades_table_id'))

    op.drop_table('grades')
    with op.batch_alter_table('village_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_groups_village_id'))

    op.drop_table('village_groups')
    with op.batch_alter_table('varieties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_varieties_product_id'))

    op.drop_table('varieties')
    with op.batch_alter_table('party_branches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_branches_village_id'))

    op.drop_table('party_branches')
    with op.batch_alter_table('grade_tables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_tables_product_id'))

    op.drop_table('grade_tables')
    op.drop_table('villages')
    op.drop_table('roles')
    op.drop_table('products')
    op.drop_table('buyers')
    op.drop_table('accounts')
    # ### end Alembic commands ###
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for function in ("ledger_guard_lines", "ledger_guard_vouchers", "ledger_check_balanced"):
            bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")
