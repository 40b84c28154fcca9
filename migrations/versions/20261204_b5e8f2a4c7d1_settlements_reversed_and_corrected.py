"""settlements are reversed as a whole (冲销) and corrected

Revision ID: b5e8f2a4c7d1
Revises: e4b7c9d1a2f6
Create Date: 2026-12-04 17:00:00

- ``settlement_reversals`` (the reversal document, reviewed by a second accountant),
  ``settlement_reversal_slips`` (the slips it released) and ``carried_payments`` (what payments had
  paid on the reversed settlement, carried to the corrected one);
- ``settlements.corrects_id``: the corrected settlement names the reversed one;
- one *standing* settlement per order instead of one per order: the unique constraint on
  ``settlements.order_id`` becomes a unique index over settlements not reversed. On SQLite the
  constraint's own index already holds exactly those rows (no settlement is reversed yet), so its
  schema entry is turned into that named partial index in place (``writable_schema``, the table's
  text loses the constraint, the b-tree stays; ``PRAGMA integrity_check`` proves it) instead of
  rebuilding ``settlements``, whose rebuild would cascade to every household line;
- the guards of posted settlements also keep a reversed one as it is, and let posted or paid go to
  reversed but never back.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e8f2a4c7d1'
down_revision = 'e4b7c9d1a2f6'
branch_labels = None
depends_on = None

SQLITE_RULES = ["CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid', 'reversed') AND (NEW.status NOT IN ('posted', 'paid', 'reversed') OR (OLD.status = 'reversed' AND NEW.status <> 'reversed')\n  OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat OR NEW.logistics_supplier_id IS NOT OLD.logistics_supplier_id OR NEW.packing_supplier_id IS NOT OLD.packing_supplier_id OR NEW.abnormal_kg IS NOT OLD.abnormal_kg OR NEW.abnormal_stock_kg IS NOT OLD.abnormal_stock_kg OR NEW.loss_cost IS NOT OLD.loss_cost OR NEW.loss_vat IS NOT OLD.loss_vat OR NEW.corrects_id IS NOT OLD.corrects_id)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlements_no_delete_when_posted\nBEFORE DELETE ON settlements\nWHEN OLD.status IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_update_when_posted\nBEFORE UPDATE ON settlement_households\nWHEN (SELECT status FROM settlements WHERE id = OLD.settlement_id) IN ('posted', 'paid', 'reversed') AND (NEW.id IS NOT OLD.id OR NEW.settlement_id IS NOT OLD.settlement_id OR NEW.household_id IS NOT OLD.household_id OR NEW.field_kg IS NOT OLD.field_kg OR NEW.payable_kg IS NOT OLD.payable_kg OR NEW.gross IS NOT OLD.gross OR NEW.input_vat IS NOT OLD.input_vat OR NEW.recovered_advances IS NOT OLD.recovered_advances OR NEW.recovered_input_credit IS NOT OLD.recovered_input_credit OR NEW.net IS NOT OLD.net OR NEW.carried_over IS NOT OLD.carried_over)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_delete_when_posted\nBEFORE DELETE ON settlement_households\nWHEN (SELECT status FROM settlements WHERE id = OLD.settlement_id) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_insert_when_posted\nBEFORE INSERT ON settlement_households\nWHEN (SELECT status FROM settlements WHERE id = NEW.settlement_id) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_insert_when_posted\nBEFORE INSERT ON settlement_items\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_insert_when_posted\nBEFORE INSERT ON purchase_invoices\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_update_when_posted\nBEFORE UPDATE ON settlement_items\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid', 'reversed') OR (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_delete_when_posted\nBEFORE DELETE ON settlement_items\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_update_when_posted\nBEFORE UPDATE ON purchase_invoices\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid', 'reversed') OR (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_delete_when_posted\nBEFORE DELETE ON purchase_invoices\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid', 'reversed')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"]
SQLITE_BEFORE = ["CREATE TRIGGER IF NOT EXISTS trg_settlements_no_change_when_posted\nBEFORE UPDATE ON settlements\nWHEN OLD.status IN ('posted', 'paid') AND (NEW.status NOT IN ('posted', 'paid') OR NEW.number IS NOT OLD.number OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.settle_on IS NOT OLD.settle_on OR NEW.reject_policy IS NOT OLD.reject_policy OR NEW.vat_rate_pct IS NOT OLD.vat_rate_pct OR NEW.delivered_price IS NOT OLD.delivered_price OR NEW.field_kg IS NOT OLD.field_kg OR NEW.accepted_kg IS NOT OLD.accepted_kg OR NEW.lost_kg IS NOT OLD.lost_kg OR NEW.buyer_gross IS NOT OLD.buyer_gross OR NEW.buyer_deductions IS NOT OLD.buyer_deductions OR NEW.buyer_total IS NOT OLD.buyer_total OR NEW.purchase_total IS NOT OLD.purchase_total OR NEW.input_vat IS NOT OLD.input_vat OR NEW.purchase_cost IS NOT OLD.purchase_cost OR NEW.logistics IS NOT OLD.logistics OR NEW.packing IS NOT OLD.packing OR NEW.margin IS NOT OLD.margin OR NEW.prepared_by_id IS NOT OLD.prepared_by_id OR NEW.approved_by_id IS NOT OLD.approved_by_id OR NEW.posted_by_id IS NOT OLD.posted_by_id OR NEW.posted_at IS NOT OLD.posted_at OR NEW.sale_vat_rate_pct IS NOT OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS NOT OLD.sale_vat_exempt_basis OR NEW.sale_net IS NOT OLD.sale_net OR NEW.output_vat IS NOT OLD.output_vat OR NEW.logistics_invoice_no IS NOT OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS NOT OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS NOT OLD.logistics_input_vat OR NEW.packing_invoice_no IS NOT OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS NOT OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS NOT OLD.packing_input_vat OR NEW.logistics_supplier_id IS NOT OLD.logistics_supplier_id OR NEW.packing_supplier_id IS NOT OLD.packing_supplier_id OR NEW.abnormal_kg IS NOT OLD.abnormal_kg OR NEW.abnormal_stock_kg IS NOT OLD.abnormal_stock_kg OR NEW.loss_cost IS NOT OLD.loss_cost OR NEW.loss_vat IS NOT OLD.loss_vat)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlements_no_delete_when_posted\nBEFORE DELETE ON settlements\nWHEN OLD.status IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_update_when_posted\nBEFORE UPDATE ON settlement_households\nWHEN (SELECT status FROM settlements WHERE id = OLD.settlement_id) IN ('posted', 'paid') AND (NEW.id IS NOT OLD.id OR NEW.settlement_id IS NOT OLD.settlement_id OR NEW.household_id IS NOT OLD.household_id OR NEW.field_kg IS NOT OLD.field_kg OR NEW.payable_kg IS NOT OLD.payable_kg OR NEW.gross IS NOT OLD.gross OR NEW.input_vat IS NOT OLD.input_vat OR NEW.recovered_advances IS NOT OLD.recovered_advances OR NEW.recovered_input_credit IS NOT OLD.recovered_input_credit OR NEW.net IS NOT OLD.net OR NEW.carried_over IS NOT OLD.carried_over)\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_delete_when_posted\nBEFORE DELETE ON settlement_households\nWHEN (SELECT status FROM settlements WHERE id = OLD.settlement_id) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_households_no_insert_when_posted\nBEFORE INSERT ON settlement_households\nWHEN (SELECT status FROM settlements WHERE id = NEW.settlement_id) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_insert_when_posted\nBEFORE INSERT ON settlement_items\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_insert_when_posted\nBEFORE INSERT ON purchase_invoices\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_update_when_posted\nBEFORE UPDATE ON settlement_items\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid') OR (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_settlement_items_no_delete_when_posted\nBEFORE DELETE ON settlement_items\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_update_when_posted\nBEFORE UPDATE ON purchase_invoices\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid') OR (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = NEW.line_id)) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END", "CREATE TRIGGER IF NOT EXISTS trg_purchase_invoices_no_delete_when_posted\nBEFORE DELETE ON purchase_invoices\nWHEN (SELECT status FROM settlements WHERE id = (SELECT settlement_id FROM settlement_households WHERE id = OLD.line_id)) IN ('posted', 'paid')\nBEGIN SELECT RAISE(ABORT, 'settlement: a posted settlement, its lines, items and invoices cannot be changed'); END"]
SQLITE_TRIGGERS = ["trg_settlements_no_change_when_posted", "trg_settlements_no_delete_when_posted", "trg_settlement_households_no_update_when_posted", "trg_settlement_households_no_delete_when_posted", "trg_settlement_households_no_insert_when_posted", "trg_settlement_items_no_insert_when_posted", "trg_purchase_invoices_no_insert_when_posted", "trg_settlement_items_no_update_when_posted", "trg_settlement_items_no_delete_when_posted", "trg_purchase_invoices_no_update_when_posted", "trg_purchase_invoices_no_delete_when_posted"]
POSTGRESQL_RULES = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid', 'reversed') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid', 'reversed')\n      OR (OLD.status = 'reversed' AND NEW.status <> 'reversed') OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat OR NEW.logistics_supplier_id IS DISTINCT FROM OLD.logistics_supplier_id OR NEW.packing_supplier_id IS DISTINCT FROM OLD.packing_supplier_id OR NEW.abnormal_kg IS DISTINCT FROM OLD.abnormal_kg OR NEW.abnormal_stock_kg IS DISTINCT FROM OLD.abnormal_stock_kg OR NEW.loss_cost IS DISTINCT FROM OLD.loss_cost OR NEW.loss_vat IS DISTINCT FROM OLD.loss_vat OR NEW.corrects_id IS DISTINCT FROM OLD.corrects_id) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", "CREATE OR REPLACE FUNCTION guard_settlement_households() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    IF EXISTS (SELECT 1 FROM settlements WHERE id = NEW.settlement_id AND status IN ('posted', 'paid', 'reversed')) THEN\n      RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n    END IF;\n  ELSIF EXISTS (SELECT 1 FROM settlements WHERE id = OLD.settlement_id AND status IN ('posted', 'paid', 'reversed'))\n      AND (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id OR NEW.settlement_id IS DISTINCT FROM OLD.settlement_id OR NEW.household_id IS DISTINCT FROM OLD.household_id OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.payable_kg IS DISTINCT FROM OLD.payable_kg OR NEW.gross IS DISTINCT FROM OLD.gross OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.recovered_advances IS DISTINCT FROM OLD.recovered_advances OR NEW.recovered_input_credit IS DISTINCT FROM OLD.recovered_input_credit OR NEW.net IS DISTINCT FROM OLD.net OR NEW.carried_over IS DISTINCT FROM OLD.carried_over) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", "CREATE OR REPLACE FUNCTION guard_settlement_items() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = OLD.line_id AND s.status IN ('posted', 'paid', 'reversed')))\n      OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = NEW.line_id AND s.status IN ('posted', 'paid', 'reversed'))) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", "CREATE OR REPLACE FUNCTION guard_purchase_invoices() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = OLD.line_id AND s.status IN ('posted', 'paid', 'reversed')))\n      OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = NEW.line_id AND s.status IN ('posted', 'paid', 'reversed'))) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$"]
POSTGRESQL_BEFORE = ["CREATE OR REPLACE FUNCTION guard_settlements() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF OLD.status IN ('posted', 'paid') AND (TG_OP = 'DELETE' OR NEW.status NOT IN ('posted', 'paid')\n      OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.order_id IS DISTINCT FROM OLD.order_id OR NEW.buyer_id IS DISTINCT FROM OLD.buyer_id OR NEW.settle_on IS DISTINCT FROM OLD.settle_on OR NEW.reject_policy IS DISTINCT FROM OLD.reject_policy OR NEW.vat_rate_pct IS DISTINCT FROM OLD.vat_rate_pct OR NEW.delivered_price IS DISTINCT FROM OLD.delivered_price OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.accepted_kg IS DISTINCT FROM OLD.accepted_kg OR NEW.lost_kg IS DISTINCT FROM OLD.lost_kg OR NEW.buyer_gross IS DISTINCT FROM OLD.buyer_gross OR NEW.buyer_deductions IS DISTINCT FROM OLD.buyer_deductions OR NEW.buyer_total IS DISTINCT FROM OLD.buyer_total OR NEW.purchase_total IS DISTINCT FROM OLD.purchase_total OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.purchase_cost IS DISTINCT FROM OLD.purchase_cost OR NEW.logistics IS DISTINCT FROM OLD.logistics OR NEW.packing IS DISTINCT FROM OLD.packing OR NEW.margin IS DISTINCT FROM OLD.margin OR NEW.prepared_by_id IS DISTINCT FROM OLD.prepared_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id OR NEW.posted_by_id IS DISTINCT FROM OLD.posted_by_id OR NEW.posted_at IS DISTINCT FROM OLD.posted_at OR NEW.sale_vat_rate_pct IS DISTINCT FROM OLD.sale_vat_rate_pct OR NEW.sale_vat_exempt_basis IS DISTINCT FROM OLD.sale_vat_exempt_basis OR NEW.sale_net IS DISTINCT FROM OLD.sale_net OR NEW.output_vat IS DISTINCT FROM OLD.output_vat OR NEW.logistics_invoice_no IS DISTINCT FROM OLD.logistics_invoice_no OR NEW.logistics_vat_rate_pct IS DISTINCT FROM OLD.logistics_vat_rate_pct OR NEW.logistics_input_vat IS DISTINCT FROM OLD.logistics_input_vat OR NEW.packing_invoice_no IS DISTINCT FROM OLD.packing_invoice_no OR NEW.packing_vat_rate_pct IS DISTINCT FROM OLD.packing_vat_rate_pct OR NEW.packing_input_vat IS DISTINCT FROM OLD.packing_input_vat OR NEW.logistics_supplier_id IS DISTINCT FROM OLD.logistics_supplier_id OR NEW.packing_supplier_id IS DISTINCT FROM OLD.packing_supplier_id OR NEW.abnormal_kg IS DISTINCT FROM OLD.abnormal_kg OR NEW.abnormal_stock_kg IS DISTINCT FROM OLD.abnormal_stock_kg OR NEW.loss_cost IS DISTINCT FROM OLD.loss_cost OR NEW.loss_vat IS DISTINCT FROM OLD.loss_vat) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", "CREATE OR REPLACE FUNCTION guard_settlement_households() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    IF EXISTS (SELECT 1 FROM settlements WHERE id = NEW.settlement_id AND status IN ('posted', 'paid')) THEN\n      RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n    END IF;\n  ELSIF EXISTS (SELECT 1 FROM settlements WHERE id = OLD.settlement_id AND status IN ('posted', 'paid'))\n      AND (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id OR NEW.settlement_id IS DISTINCT FROM OLD.settlement_id OR NEW.household_id IS DISTINCT FROM OLD.household_id OR NEW.field_kg IS DISTINCT FROM OLD.field_kg OR NEW.payable_kg IS DISTINCT FROM OLD.payable_kg OR NEW.gross IS DISTINCT FROM OLD.gross OR NEW.input_vat IS DISTINCT FROM OLD.input_vat OR NEW.recovered_advances IS DISTINCT FROM OLD.recovered_advances OR NEW.recovered_input_credit IS DISTINCT FROM OLD.recovered_input_credit OR NEW.net IS DISTINCT FROM OLD.net OR NEW.carried_over IS DISTINCT FROM OLD.carried_over) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", "CREATE OR REPLACE FUNCTION guard_settlement_items() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = OLD.line_id AND s.status IN ('posted', 'paid')))\n      OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = NEW.line_id AND s.status IN ('posted', 'paid'))) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$", "CREATE OR REPLACE FUNCTION guard_purchase_invoices() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = OLD.line_id AND s.status IN ('posted', 'paid')))\n      OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM settlements s JOIN settlement_households h ON h.settlement_id = s.id WHERE h.id = NEW.line_id AND s.status IN ('posted', 'paid'))) THEN\n    RAISE EXCEPTION 'settlement: a posted settlement, its lines, items and invoices cannot be changed' USING ERRCODE = 'check_violation';\n  END IF;\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  RETURN NEW;\nEND $$"]

UNIQUE_ORDER = "CONSTRAINT uq_settlements_order_id UNIQUE (order_id)"
STANDING = "status <> 'reversed'"
INDEX = "uq_settlements_standing_order"
INDEX_SQL = f"CREATE UNIQUE INDEX {INDEX} ON settlements (order_id) WHERE {STANDING}"


def _sqlite_integrity(bind) -> None:
    problems = [p for p in bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if p != "ok" and not p.startswith("CHECK constraint failed")]
    if problems:
        raise RuntimeError(f"settlements: integrity check failed: {problems}")


def _sqlite_standing_order(upgrading: bool) -> None:
    """Turn the autoindex of UNIQUE (order_id) into the named partial index, or back."""
    bind = op.get_bind()
    table = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'settlements'"
                                 ).scalar_one()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    if upgrading:
        if UNIQUE_ORDER not in table:
            raise RuntimeError("settlements: the unique constraint on order_id is not as expected")
        # the constraint's index: the autoindex whose only column is order_id
        autoindexes = bind.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' "
                                           "AND tbl_name = 'settlements' AND sql IS NULL").scalars().all()
        ours = [name for name in autoindexes
                if [row[2] for row in bind.exec_driver_sql(f"PRAGMA index_info('{name}')")] == ["order_id"]]
        if len(ours) != 1 or ours[0] != f"sqlite_autoindex_settlements_{len(autoindexes)}":
            # SQLite names a table's autoindexes by the order of its constraints: only the last may go
            raise RuntimeError(f"settlements: the index of UNIQUE (order_id) is not as expected: {ours}")
        start, end = table.index(UNIQUE_ORDER), table.index(UNIQUE_ORDER) + len(UNIQUE_ORDER)
        before = table[:start].rstrip()
        if not before.endswith(","):
            raise RuntimeError("settlements: the unique constraint on order_id is not where expected")
        new_table = before[:-1] + table[end:]
        bind.exec_driver_sql("PRAGMA writable_schema = ON")
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'settlements'",
                             (new_table,))
        bind.exec_driver_sql("UPDATE sqlite_master SET name = ?, sql = ? WHERE type = 'index' AND name = ?",
                             (INDEX, INDEX_SQL, ours[0]))
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
        _sqlite_integrity(bind)
    else:
        reversed_ = bind.exec_driver_sql("SELECT COUNT(*) FROM settlements WHERE status = 'reversed'").scalar_one()
        if reversed_:
            raise RuntimeError("settlements: reversed settlements exist; one settlement per order cannot be restored")
        autoindexes = bind.exec_driver_sql("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                                           "AND tbl_name = 'settlements' AND sql IS NULL").scalar_one()
        last = table.rstrip()
        if not last.endswith(")"):
            raise RuntimeError("settlements: the table's text is not as expected")
        restored = last[:-1].rstrip() + ", \n\t" + UNIQUE_ORDER + "\n)"
        bind.exec_driver_sql("PRAGMA writable_schema = ON")
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'settlements'",
                             (restored,))
        bind.exec_driver_sql("UPDATE sqlite_master SET name = ?, sql = NULL WHERE type = 'index' AND name = ?",
                             (f"sqlite_autoindex_settlements_{autoindexes + 1}", INDEX))
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
        _sqlite_integrity(bind)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table('settlement_reversals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('reverse_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('returned_reason', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_settlement_reversals_prepared_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_settlement_reversals_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_settlement_reversals_settlement_id_settlements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_reversals')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_settlement_reversals_idempotency_key')),
    sa.UniqueConstraint('number', name=op.f('uq_settlement_reversals_number'))
    )
    with op.batch_alter_table('settlement_reversals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_reversals_settlement_id'), ['settlement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_settlement_reversals_status'), ['status'], unique=False)
        batch_op.create_index('uq_settlement_reversals_standing', ['settlement_id'], unique=True,
                              sqlite_where=sa.text("status <> 'returned'"),
                              postgresql_where=sa.text("status <> 'returned'"))
    op.create_table('settlement_reversal_slips',
    sa.Column('reversal_id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['reversal_id'], ['settlement_reversals.id'], name=op.f('fk_settlement_reversal_slips_reversal_id_settlement_reversals')),
    sa.ForeignKeyConstraint(['slip_id'], ['weigh_slips.id'], name=op.f('fk_settlement_reversal_slips_slip_id_weigh_slips')),
    sa.PrimaryKeyConstraint('reversal_id', 'slip_id', name=op.f('pk_settlement_reversal_slips'))
    )
    op.create_table('carried_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reversal_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('applied', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('(buyer_id IS NULL) <> (household_id IS NULL)', name=op.f('ck_carried_payments_one_party')),
    sa.CheckConstraint('amount > 0 AND applied >= 0 AND applied <= amount', name=op.f('ck_carried_payments_applied_within_amount')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_carried_payments_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_carried_payments_household_id_households')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_carried_payments_payment_id_payments')),
    sa.ForeignKeyConstraint(['reversal_id'], ['settlement_reversals.id'], name=op.f('fk_carried_payments_reversal_id_settlement_reversals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carried_payments'))
    )
    with op.batch_alter_table('carried_payments', schema=None) as batch_op:
        for column in ('buyer_id', 'household_id', 'payment_id', 'reversal_id'):
            batch_op.create_index(batch_op.f(f'ix_carried_payments_{column}'), [column], unique=False)
    if postgres:
        op.add_column('settlements', sa.Column('corrects_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_settlements_corrects_id_settlements'), 'settlements', 'settlements',
                              ['corrects_id'], ['id'])
        op.drop_constraint(op.f('uq_settlements_order_id'), 'settlements', type_='unique')
        op.create_index(INDEX, 'settlements', ['order_id'], unique=True, postgresql_where=sa.text(STANDING))
        for statement in POSTGRESQL_RULES:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE settlements ADD COLUMN corrects_id INTEGER "
                   "CONSTRAINT fk_settlements_corrects_id_settlements REFERENCES settlements (id)")
        _sqlite_standing_order(upgrading=True)
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_RULES:
            op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for statement in POSTGRESQL_BEFORE:
            op.execute(statement)
        op.drop_index(INDEX, table_name='settlements')
        op.create_unique_constraint(op.f('uq_settlements_order_id'), 'settlements', ['order_id'])
        op.drop_constraint(op.f('fk_settlements_corrects_id_settlements'), 'settlements', type_='foreignkey')
        op.drop_column('settlements', 'corrects_id')
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_BEFORE:
            op.execute(statement)
        _sqlite_standing_order(upgrading=False)
        op.execute("ALTER TABLE settlements DROP COLUMN corrects_id")
    op.drop_table('carried_payments')
    op.drop_table('settlement_reversal_slips')
    op.drop_table('settlement_reversals')
