"""``flask backup`` and ``flask restore``: the demo comes back whole and its books still prove."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text

from market import backup, database_rules
from models import AuditEvent, Payment, Voucher, VoucherLine, VoucherStatus, WeighSlip, db
from tests.conftest import load_demo

DAY = date(2026, 8, 20)


def _state() -> dict:
    return {"vouchers": db.session.scalar(select(func.count()).select_from(Voucher)),
            "posted": db.session.scalar(select(func.count()).select_from(Voucher).where(
                Voucher.status == VoucherStatus.POSTED)),
            "debits": db.session.scalar(select(func.sum(VoucherLine.debit))),
            "slips": db.session.scalar(select(func.count()).select_from(WeighSlip)),
            "payments": db.session.scalar(select(func.count()).select_from(Payment)),
            "audit": db.session.scalar(select(func.count()).select_from(AuditEvent))}


def test_the_demo_backed_up_wiped_and_restored_is_whole_and_verifies(app, runner, tmp_path):
    load_demo(DAY)
    db.session.commit()
    before = _state()
    assert before["posted"] > 0 and before["payments"] > 0
    target = tmp_path / "market.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0 and "vouchers" in result.output

    # a disaster: the payments and the audit trail are gone (behind the services' and the guards' back)
    db.session.remove()
    with db.engine.begin() as conn:
        database_rules.lift_guards(conn)
        conn.execute(text("DELETE FROM payment_applications"))
        conn.execute(text("DELETE FROM audit_events"))
    db.session.expire_all()
    assert _state()["audit"] == 0

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "ledger verify: ok" in result.output
    db.session.expire_all()
    assert _state() == before


def test_a_backup_never_overwrites_a_file_and_a_restore_refuses_what_is_not_a_backup(app, runner, tmp_path):
    existing = tmp_path / "taken"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "exists" in result.output
    assert existing.read_text() == "keep me"
    result = runner.invoke(args=["restore", str(existing), "--yes"])
    assert result.exit_code != 0


def test_restore_asks_before_replacing_everything(app, runner, tmp_path):
    target = backup.backup(tmp_path / "empty.backup")
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
