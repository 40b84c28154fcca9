"""Freight and packing owed to a carrier or supplier: the costs voucher credits 2202 by supplier for
each cost that names one (the rest is paid from the bank on the day), and the supplier is then paid
like a household, never beyond what it is owed; verify re-derives both."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from market import database_rules
from market.errors import Conflict, PermissionDenied, ValidationFailed
from market.ledger import services as ledger
from market.payments import services as payments
from market.settlements import services, suppliers
from models import AuditEvent, PartyType, Payment, Voucher, VoucherSource, VoucherStatus, db
from tests.market.settlements.test_services import posted, settle

CARRIER = {"name": "咸阳顺达冷链物流有限公司", "credit_code": "91610400MA6XP5R123", "bank_name": "中国银行咸阳分行",
           "account_number": "6217 0000 1234 5678 901"}


@pytest.fixture
def carrier(accountant):
    supplier = suppliers.create(accountant, CARRIER)
    db.session.commit()
    return supplier


def _costs(settlement):
    voucher = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                      Voucher.source_id == settlement.id,
                                                      Voucher.summary.like("%物流包装费")))
    return [(line.account.code, line.party_type, line.party_id, line.debit, line.credit) for line in voucher.lines]


def _review_and_post(voucher, reviewer, accountant):
    ledger.approve(reviewer, voucher)
    ledger.post(accountant, voucher)
    db.session.commit()


def _all_verify() -> list[str]:
    return ledger.verify() + services.verify() + payments.verify()


def test_an_accountant_records_a_supplier_and_a_coordinator_only_reads_it(accountant, coordinator, carrier):
    assert (carrier.name, carrier.credit_code, carrier.account_number) == (
        "咸阳顺达冷链物流有限公司", "91610400MA6XP5R123", "6217000012345678901")
    assert suppliers.shown_account(accountant, carrier) == "6217000012345678901"
    assert suppliers.shown_account(coordinator, carrier) != carrier.account_number
    with pytest.raises(PermissionDenied):
        suppliers.create(coordinator, {"name": "另一家"})
    with pytest.raises(Conflict):
        suppliers.create(accountant, {"name": CARRIER["name"]})
    with pytest.raises(ValidationFailed) as refused:
        suppliers.create(accountant, {"name": "某物流", "credit_code": "91610400MA6XP5R124", "account_number": "12ab"})
    assert set(refused.value.fields) == {"credit_code", "account_number"}
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "supplier.create")) is not None


def test_freight_on_a_special_invoice_owed_to_the_carrier_credits_2202_by_the_carrier(
        received, coordinator, accountant, carrier):
    settlement = posted(received, coordinator, accountant, logistics="120.00", logistics_invoice_no="04400123",
                        logistics_vat_rate_pct="9", logistics_supplier_id=carrier.id)
    # 120.00 × 9 / 109 = 9.908… → 9.91 deductible; the cost is the rest, 110.09; the carrier is owed 120.00
    assert _costs(settlement) == [
        ("5601", PartyType.NONE, None, Decimal("110.09"), Decimal("0.00")),
        ("22210101", PartyType.NONE, None, Decimal("9.91"), Decimal("0.00")),
        ("2202", PartyType.SUPPLIER, carrier.id, Decimal("0.00"), Decimal("120.00"))]
    voucher_line = db.session.scalar(select(Voucher).where(Voucher.source_id == settlement.id,
                                                           Voucher.summary.like("%物流包装费"))).lines[2]
    assert voucher_line.party_name == "咸阳顺达冷链物流有限公司"
    assert payments.supplier_owed(carrier.id) == Decimal("120.00")
    assert _all_verify() == []


def test_packing_without_a_supplier_is_still_paid_from_the_bank(received, coordinator, accountant, carrier):
    settlement = posted(received, coordinator, accountant, logistics="120.00", logistics_invoice_no="04400123",
                        logistics_vat_rate_pct="9", logistics_supplier_id=carrier.id, packing="30.00")
    # 5601: 150.00 − 9.91 = 140.09; 140.09 + 9.91 = 150.00 = 120.00 (carrier) + 30.00 (bank)
    assert _costs(settlement) == [
        ("5601", PartyType.NONE, None, Decimal("140.09"), Decimal("0.00")),
        ("22210101", PartyType.NONE, None, Decimal("9.91"), Decimal("0.00")),
        ("2202", PartyType.SUPPLIER, carrier.id, Decimal("0.00"), Decimal("120.00")),
        ("1002", PartyType.NONE, None, Decimal("0.00"), Decimal("30.00"))]
    assert _all_verify() == []


def test_a_supplier_is_named_only_for_a_cost_and_must_exist(received, coordinator, carrier):
    order, _receipt = received
    for values, field in (({"logistics_supplier_id": carrier.id}, "logistics_supplier_id"),
                          ({"packing": "30", "packing_supplier_id": 999_999}, "packing_supplier_id")):
        with pytest.raises(ValidationFailed) as refused:
            services.prepare_order_settlement(coordinator, order, **values)
        assert field in refused.value.fields


def test_paying_the_carrier_what_it_is_owed_clears_its_2202(received, coordinator, accountant, reviewer, carrier):
    posted(received, coordinator, accountant, logistics="120.00", logistics_invoice_no="04400123",
           logistics_vat_rate_pct="9", logistics_supplier_id=carrier.id)
    payment = payments.pay_supplier(accountant, carrier, payments.PaymentInput(amount="120.00", reference="B123"),
                                    idempotency_key="pay-carrier-1")
    db.session.commit()
    assert [(l.account.code, l.party_type, l.party_id, l.debit, l.credit) for l in payment.voucher.lines] == [
        ("2202", PartyType.SUPPLIER, carrier.id, Decimal("120.00"), Decimal("0.00")),
        ("1002", PartyType.NONE, None, Decimal("0.00"), Decimal("120.00"))]
    assert payment.voucher.status is VoucherStatus.PREPARED
    # what is prepared already counts: a second payout finds nothing owed
    assert payments.supplier_owed(carrier.id) == Decimal("0.00")
    with pytest.raises(ValidationFailed):
        payments.pay_supplier(accountant, carrier, payments.PaymentInput(amount="0.01"), idempotency_key="again")
    db.session.rollback()
    # the same key and body returns the original payment
    assert payments.pay_supplier(accountant, carrier, payments.PaymentInput(amount="120.00", reference="B123"),
                                 idempotency_key="pay-carrier-1").id == payment.id
    _review_and_post(payment.voucher, reviewer, accountant)
    balance = {(ptype, pid): Decimal(debit) - Decimal(credit) for account_id, ptype, pid, debit, credit
               in ledger.posted_totals() if account_id == ledger.account("2202").id}
    assert balance[(PartyType.SUPPLIER, carrier.id)] == Decimal("0.00")
    assert payments.supplier_owed(carrier.id) == Decimal("0.00")
    assert _all_verify() == []


def test_paying_the_carrier_a_fen_more_than_it_is_owed_writes_nothing(received, coordinator, accountant, carrier):
    posted(received, coordinator, accountant, logistics="120.00", logistics_invoice_no="04400123",
           logistics_vat_rate_pct="9", logistics_supplier_id=carrier.id)
    before = (db.session.scalar(select(func.count()).select_from(Payment)),
              db.session.scalar(select(func.count()).select_from(Voucher)))
    with pytest.raises(ValidationFailed) as refused:
        payments.pay_supplier(accountant, carrier, payments.PaymentInput(amount="120.01"), idempotency_key="too-much")
    db.session.rollback()
    assert "amount" in refused.value.fields and "120.00" in str(refused.value.text())
    assert (db.session.scalar(select(func.count()).select_from(Payment)),
            db.session.scalar(select(func.count()).select_from(Voucher))) == before


def test_verify_finds_a_supplier_payments_voucher_tampered(received, coordinator, accountant, reviewer, carrier):
    posted(received, coordinator, accountant, logistics="120.00", logistics_invoice_no="04400123",
           logistics_vat_rate_pct="9", logistics_supplier_id=carrier.id)
    payment = payments.pay_supplier(accountant, carrier, payments.PaymentInput(amount="120.00"),
                                    idempotency_key="pay-carrier-2")
    db.session.commit()
    _review_and_post(payment.voucher, reviewer, accountant)
    assert _all_verify() == []
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET session_replication_role = replica")
    else:
        database_rules.drop(connection)
    # the payout's debit moved from the carrier to a household's 2202
    household_id = db.session.scalar(text("SELECT household_id FROM settlement_households LIMIT 1"))
    db.session.execute(text("UPDATE voucher_lines SET party_type = 'household', party_id = :h "
                            "WHERE voucher_id = :v AND party_id IS NOT NULL"), {"h": household_id, "v": payment.voucher.id})
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")
    else:
        database_rules.reinstall(connection)
    db.session.commit()
    db.session.expire_all()
    problems = payments.verify()
    assert any(f"payment {payment.number}: its voucher" in problem for problem in problems), problems


def test_verify_finds_a_settlements_supplier_credit_moved_to_the_bank(received, coordinator, accountant, carrier):
    settlement = posted(received, coordinator, accountant, logistics="120.00", logistics_supplier_id=carrier.id)
    bank = ledger.account("1002").id
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET session_replication_role = replica")
    else:
        database_rules.drop(connection)
    db.session.execute(text("UPDATE voucher_lines SET account_id = :bank, party_type = 'none', party_id = NULL, "
                            "party_name = '' WHERE party_type = 'supplier'"), {"bank": bank})
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")
    else:
        database_rules.reinstall(connection)
    db.session.commit()
    db.session.expire_all()
    problems = services.verify()
    assert f"settlement {settlement.number}: its vouchers' 2202 by supplier differ from the costs it owes its suppliers" \
        in problems, problems


def test_a_posted_settlements_supplier_cannot_be_changed(received, coordinator, accountant, carrier):
    from sqlalchemy import exc

    settlement = posted(received, coordinator, accountant, logistics="120.00", logistics_supplier_id=carrier.id)
    with pytest.raises(exc.DBAPIError):
        db.session.execute(text("UPDATE settlements SET logistics_supplier_id = NULL WHERE id = :id"),
                           {"id": settlement.id})
        db.session.commit()
    db.session.rollback()


def test_the_carrier_is_in_the_balances_by_party_and_its_own_ledger_apart_from_the_households_of_2202(
        received, coordinator, accountant, carrier, client, login):
    from market.books import ledgers, period_reports

    posted(received, coordinator, accountant, logistics="120.00", logistics_supplier_id=carrier.id)
    report = period_reports.party_balances_of(accountant, "supplier", "2026-08")
    assert [(row.party, row.account.code, row.credit, row.closing) for row in report.rows] == [
        ("咸阳顺达冷链物流有限公司", "2202", Decimal("120.00"), Decimal("-120.00"))]
    parties = ledgers.ledger_parties(accountant, ledger.account("2202"))
    households = [name for value, name in parties if value.isdigit()]
    assert len(households) == 3 and "咸阳顺达冷链物流有限公司" not in households
    # the carrier is picked by kind and id: a supplier's id is not a household's
    assert (f"supplier:{carrier.id}", "供应商 · 咸阳顺达冷链物流有限公司") in parties
    login(accountant)
    page = client.get(f"/books/ledger?account=2202&party_id=supplier:{carrier.id}&from=2026-08&to=2026-08")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2202 应付账款 · 咸阳顺达冷链物流有限公司" in html and "120.00" in html
    assert f'<option value="supplier:{carrier.id}" selected>' in html
    # a household's id alone still opens that household's ledger, as links have always named it
    first_id, first_name = next((value, name) for value, name in parties if value.isdigit())
    html = client.get(f"/books/ledger?account=2202&party_id={first_id}&from=2026-08&to=2026-08").get_data(as_text=True)
    assert f'<option value="{first_id}" selected>' in html and f"2202 应付账款 · {first_name}" in html
    # nonsense names no party: the whole account
    for bad in ("supplier:x", "nobody:3", "supplier:-1", "none:1", "9" * 30):
        assert client.get(f"/books/ledger?account=2202&party_id={bad}").status_code == 200, bad
