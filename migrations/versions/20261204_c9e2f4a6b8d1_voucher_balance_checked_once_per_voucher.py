"""a voucher's balance is checked once when it is posted, not once per line

Revision ID: c9e2f4a6b8d1
Revises: c4f2a8e6d1b7
Create Date: 2026-12-04 20:15:00

On PostgreSQL a deferred constraint trigger on ``voucher_lines`` summed the whole voucher at commit
once for every line written: a settlement's purchase voucher, a line per household, summed its
thousand lines a thousand times. The voucher is now checked once, at commit, when its row becomes
posted (``trg_vouchers_balanced``, which queues nothing for a row that is not posted); the lines get
statement-level triggers (one per event: a transition table takes one) that refuse, at the end of
the statement, any that leaves a posted voucher's lines unbalanced, checking each voucher it touched
once. The guard still refuses any change to a posted voucher's lines before either runs. SQLite is
unchanged: it checks at posting, once per voucher, already.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c9e2f4a6b8d1'
down_revision = 'c4f2a8e6d1b7'
branch_labels = None
depends_on = None

# The balance checks, as market/database_rules.py has them when this migration was written …
POSTGRESQL_RULES = ["CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n  lines integer;\n  difference bigint;\nBEGIN\n  IF NEW.status <> 'posted' THEN RETURN NULL; END IF;\n  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO lines, difference\n    FROM voucher_lines WHERE voucher_id = NEW.id;\n  IF lines < 2 OR difference <> 0 THEN\n    RAISE EXCEPTION 'ledger: a voucher can only be posted with two or more lines that balance' USING ERRCODE = 'check_violation';\n  END IF;\n  RETURN NULL;\nEND $$", 'DROP TRIGGER IF EXISTS trg_vouchers_balanced ON vouchers', "CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT OR UPDATE ON vouchers\nDEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'posted') EXECUTE FUNCTION ledger_check_balanced()", "CREATE OR REPLACE FUNCTION ledger_check_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n  touched integer[];\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    touched := ARRAY(SELECT DISTINCT voucher_id FROM changed_new);\n  ELSIF TG_OP = 'DELETE' THEN\n    touched := ARRAY(SELECT DISTINCT voucher_id FROM changed_old);\n  ELSE\n    touched := ARRAY(SELECT voucher_id FROM changed_old UNION SELECT voucher_id FROM changed_new);\n  END IF;\n  IF EXISTS (SELECT 1 FROM vouchers v WHERE v.id = ANY (touched) AND v.status = 'posted'\n             AND (SELECT COUNT(*) < 2 OR COALESCE(SUM(l.debit), 0) <> COALESCE(SUM(l.credit), 0)\n                  FROM voucher_lines l WHERE l.voucher_id = v.id)) THEN\n    RAISE EXCEPTION 'ledger: a voucher can only be posted with two or more lines that balance' USING ERRCODE = 'check_violation';\n  END IF;\n  RETURN NULL;\nEND $$", 'DROP TRIGGER IF EXISTS trg_voucher_lines_balanced ON voucher_lines', 'DROP TRIGGER IF EXISTS trg_voucher_lines_balanced_insert ON voucher_lines', 'CREATE TRIGGER trg_voucher_lines_balanced_insert AFTER INSERT ON voucher_lines\nREFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_lines_balanced()', 'DROP TRIGGER IF EXISTS trg_voucher_lines_balanced_update ON voucher_lines', 'CREATE TRIGGER trg_voucher_lines_balanced_update AFTER UPDATE ON voucher_lines\nREFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT\nEXECUTE FUNCTION ledger_check_lines_balanced()', 'DROP TRIGGER IF EXISTS trg_voucher_lines_balanced_delete ON voucher_lines', 'CREATE TRIGGER trg_voucher_lines_balanced_delete AFTER DELETE ON voucher_lines\nREFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_lines_balanced()']
# … and as 864684839570 installed them (for the downgrade).
POSTGRESQL_BEFORE = ["CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n  target integer;\n  lines integer;\n  difference bigint;\nBEGIN\n  IF TG_TABLE_NAME = 'vouchers' THEN\n    IF NEW.status <> 'posted' THEN RETURN NULL; END IF;\n    target := NEW.id;\n  ELSE\n    target := COALESCE(NEW.voucher_id, OLD.voucher_id);\n    IF NOT EXISTS (SELECT 1 FROM vouchers WHERE id = target AND status = 'posted') THEN RETURN NULL; END IF;\n  END IF;\n  SELECT COUNT(*), COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO lines, difference\n    FROM voucher_lines WHERE voucher_id = target;\n  IF lines < 2 OR difference <> 0 THEN\n    RAISE EXCEPTION 'ledger: a voucher can only be posted with two or more lines that balance' USING ERRCODE = 'check_violation';\n  END IF;\n  RETURN NULL;\nEND $$", 'DROP TRIGGER IF EXISTS trg_vouchers_balanced ON vouchers', 'CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT OR UPDATE ON vouchers\nDEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()', 'DROP TRIGGER IF EXISTS trg_voucher_lines_balanced ON voucher_lines', 'CREATE CONSTRAINT TRIGGER trg_voucher_lines_balanced AFTER INSERT OR UPDATE OR DELETE ON voucher_lines\nDEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()']
LINE_TRIGGERS = ("trg_voucher_lines_balanced_insert", "trg_voucher_lines_balanced_update",
                 "trg_voucher_lines_balanced_delete")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_RULES:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in LINE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON voucher_lines")
        op.execute("DROP FUNCTION IF EXISTS ledger_check_lines_balanced()")
        for statement in POSTGRESQL_BEFORE:
            op.execute(statement)
