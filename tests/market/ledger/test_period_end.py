"""期末结转: carrying the month's profit and loss to 3103 本年利润, December's 本年利润 to 3104 利润分配,
and the red reversal of both when a period is reopened."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from market.errors import Conflict, PermissionDenied
from market.ledger import rules, services
from market.ledger.services import LineInput
from models import AuditEvent, PeriodStatus, RoleName, Voucher, VoucherSource, VoucherStatus, db


@pytest.fixture
def books(app, make_user):
    """The chart, two accountants, and ¥10,000 of capital in the bank since January (payments need money)."""
    services.seed_chart()
    db.session.commit()
    people = {"preparer": make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="钱制单"),
              "reviewer": make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="孙审核")}
    book(people, "opening-funds", date(2026, 1, 2), [LineInput("1002", debit="10000.00"), LineInput("3001", credit="10000.00")])
    return people


def book(books, key, day, lines):
    voucher = services.prepare_voucher(books["preparer"], voucher_date=day, summary="业务", idempotency_key=key,
                                       lines=lines)
    services.approve(books["reviewer"], voucher)
    services.post(books["reviewer"], voucher)
    db.session.commit()
    return voucher


def review(books, vouchers):
    for voucher in vouchers:
        services.approve(books["reviewer"], voucher)
        services.post(books["reviewer"], voucher)
    db.session.commit()


def balance(code, day):
    period = services.period_for(day)
    return services._account_balance(code, period)


def lines_of(voucher):
    return [(l.account.code, l.debit, l.credit) for l in voucher.lines]


def november(books):
    day = date(2026, 11, 20)
    book(books, "sale", day, [LineInput("1002", debit="1090.00"),
                              LineInput("5001", credit="1000.00"), LineInput("22210102", credit="90.00")])
    book(books, "cost", day, [LineInput("5401", debit="700.00"), LineInput("1405", credit="700.00")])
    book(books, "freight", day, [LineInput("5601", debit="120.55"), LineInput("1002", credit="120.55")])
    return services.period_for(day)


def test_closing_a_month_needs_its_carry_forward_reviewed_and_posted(books):
    period = november(books)
    with pytest.raises(Conflict, match="损益类科目尚有余额"):
        services.close_period(books["reviewer"], period)
    db.session.rollback()
    vat, carry = services.prepare_closing(books["preparer"], period)
    db.session.commit()
    # the month's output tax (90.00) above its input tax (none) is transferred to 未交增值税 first
    assert vat.summary == "转出2026年11月未交增值税" and vat.source is VoucherSource.CLOSING
    assert lines_of(vat) == [("22210104", Decimal("90.00"), 0), ("222102", 0, Decimal("90.00"))]
    assert carry.source is VoucherSource.CLOSING and carry.status is VoucherStatus.PREPARED
    assert carry.summary == "结转2026年11月损益" and carry.voucher_date == date(2026, 11, 30)
    assert lines_of(carry) == [("5001", Decimal("1000.00"), 0), ("5401", 0, Decimal("700.00")),
                               ("5601", 0, Decimal("120.55")), ("3103", 0, Decimal("179.45"))]
    with pytest.raises(PermissionDenied):  # four eyes, like any other voucher
        services.approve(books["preparer"], carry)
    db.session.rollback()
    with pytest.raises(Conflict):  # the carry-forward waits for review
        services.close_period(books["reviewer"], period)
    db.session.rollback()
    review(books, [vat, carry])
    services.close_period(books["reviewer"], period)
    db.session.commit()
    assert period.status is PeriodStatus.CLOSED
    assert balance("3103", date(2026, 11, 1)) == -17945
    assert services._balance_under("222101", period) == 0 and balance("222102", date(2026, 11, 1)) == -9000
    assert services.verify() == []


def test_a_late_posting_is_carried_by_preparing_again_and_a_waiting_carry_is_not_doubled(books):
    period = november(books)
    first = services.prepare_closing(books["preparer"], period)
    db.session.commit()
    with pytest.raises(Conflict):  # the first still waits
        services.prepare_closing(books["preparer"], period)
    db.session.rollback()
    review(books, first)
    book(books, "late", date(2026, 11, 28), [LineInput("5711", debit="30.00"), LineInput("1405", credit="30.00")])
    with pytest.raises(Conflict):
        services.close_period(books["reviewer"], period)
    db.session.rollback()
    [second] = services.prepare_closing(books["preparer"], period)
    assert lines_of(second) == [("5711", 0, Decimal("30.00")), ("3103", Decimal("30.00"), 0)]
    review(books, [second])
    assert services.prepare_closing(books["preparer"], period) == []
    services.close_period(books["reviewer"], period)
    db.session.commit()
    assert balance("3103", date(2026, 11, 1)) == -14945


def test_a_carry_forward_is_not_reversed_by_hand(books):
    period = november(books)
    carry = services.prepare_closing(books["preparer"], period)[0]
    review(books, [carry])
    with pytest.raises(Conflict, match="反结账"):
        services.reverse(books["preparer"], carry, reason="错了", voucher_date=date(2026, 11, 30),
                         idempotency_key="red")


def test_reopening_reverses_the_carry_forward_for_review_and_audits_it(books):
    period = november(books)
    vat, carry = services.prepare_closing(books["preparer"], period)
    review(books, [vat, carry])
    services.close_period(books["reviewer"], period)
    db.session.commit()
    red, red_vat = services.reopen_period(books["preparer"], period, "补记漏账")  # the later one first
    db.session.commit()
    assert red_vat.reverses_id == vat.id
    assert lines_of(red_vat) == [("22210104", 0, Decimal("90.00")), ("222102", Decimal("90.00"), 0)]
    assert period.status is PeriodStatus.OPEN
    assert red.reverses_id == carry.id and red.source is VoucherSource.CLOSING
    assert red.status is VoucherStatus.PREPARED and red.voucher_date == date(2026, 11, 30)
    assert lines_of(red) == [("5001", 0, Decimal("1000.00")), ("5401", Decimal("700.00"), 0),
                             ("5601", Decimal("120.55"), 0), ("3103", Decimal("179.45"), 0)]
    assert red.summary.startswith(f"冲销2026-11第{carry.number}号凭证（反结账）：补记漏账")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "period.reopen"))
    assert event.reason == "补记漏账" and event.after == {"reversals": [red.id, red_vat.id]}
    review(books, [red, red_vat])
    assert balance("3103", date(2026, 11, 1)) == 0
    assert balance("5001", date(2026, 11, 1)) == -100000
    # closed again: carried anew, and a second reopening reverses only the new carry
    again = services.prepare_closing(books["preparer"], period)
    review(books, again)
    services.close_period(books["reviewer"], period)
    db.session.commit()
    reds = services.reopen_period(books["preparer"], period, "再次补记")
    assert [r.reverses_id for r in reds] == [again[1].id, again[0].id]
    assert services.verify() == []


def test_december_carries_the_years_profit_to_profit_distribution(books):
    november_period = november(books)
    review(books, services.prepare_closing(books["preparer"], november_period))
    services.close_period(books["reviewer"], november_period)
    day = date(2026, 12, 15)
    book(books, "dec-sale", day, [LineInput("1002", debit="500.00"), LineInput("5301", credit="500.00")])
    december = services.period_for(day)
    carry, year_end = services.prepare_closing(books["preparer"], december)
    assert year_end.summary == "结转2026年本年利润至利润分配"
    assert lines_of(year_end) == [("3103", Decimal("679.45"), 0), ("3104", 0, Decimal("679.45"))]
    review(books, [carry, year_end])
    services.close_period(books["reviewer"], december)
    db.session.commit()
    assert balance("3103", day) == 0 and balance("3104", day) == -67945
    assert services.verify() == []
    reds = services.reopen_period(books["preparer"], december, "年报调整")
    assert [r.reverses_id for r in reds] == [year_end.id, carry.id]  # the later one first


def test_december_with_3103_not_carried_cannot_close(books):
    day = date(2026, 12, 15)
    book(books, "manual", day, [LineInput("1002", debit="10.00"), LineInput("3103", credit="10.00")])
    with pytest.raises(Conflict, match="3103"):
        services.close_period(books["reviewer"], services.period_for(day))


def test_a_loss_is_carried_to_the_debit_of_3103_and_a_year_end_loss_to_the_debit_of_3104():
    lines = rules.carry_forward({("5001", None): -1000, ("5601", None): 1500})
    assert lines == [rules.Line("5001", debit_fen=1000), rules.Line("5601", credit_fen=1500),
                     rules.Line("3103", debit_fen=500)]
    assert rules.year_end_carry(500) == [rules.Line("3104", debit_fen=500), rules.Line("3103", credit_fen=500)]
    assert rules.carry_forward({}) == [] and rules.year_end_carry(0) == []


def test_verify_reports_a_closed_period_whose_profit_and_loss_does_not_net_to_zero(books):
    period = november(books)
    review(books, services.prepare_closing(books["preparer"], period))
    services.close_period(books["reviewer"], period)
    db.session.commit()
    # A forger moves the carry-forward's 5001 line to another month behind the guards' back.
    carry = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.CLOSING,
                                                     Voucher.summary.like("结转%损益")))
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER trg_voucher_lines_no_update_when_posted"))
    else:
        db.session.execute(text("ALTER TABLE voucher_lines DISABLE TRIGGER USER"))
    db.session.execute(text("UPDATE voucher_lines SET debit = debit - 1 WHERE voucher_id = :id AND line_no = 1"),
                       {"id": carry.id})
    db.session.commit()
    problems = services.verify()
    assert any("5001 does not net to zero at the end of 2026-11" in p for p in problems), problems



def test_cost_accounts_of_class_4_are_stock_and_stay_out_of_the_carry_forward(books):
    from market.ledger import chart

    chart.create_account(books["preparer"], code="4001", name="生产成本", kind="cost")
    db.session.commit()
    day = date(2026, 11, 12)
    book(books, "seedlings", day, [LineInput("4001", debit="80.00"), LineInput("1002", credit="80.00")])
    book(books, "fee", day, [LineInput("5601", debit="20.00"), LineInput("1002", credit="20.00")])
    [carry] = services.prepare_closing(books["preparer"], services.period_for(day))
    assert lines_of(carry) == [("5601", 0, Decimal("20.00")), ("3103", Decimal("20.00"), 0)]
