"""Vouchers through review, numbering, reversals, periods and `flask ledger verify`."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from market.errors import Conflict, IdempotencyConflict, InvalidTransition, PermissionDenied, ValidationFailed
from market.ledger import services
from market.ledger.services import LineInput
from models import PeriodStatus, RoleName, Voucher, VoucherStatus, db

DAY = date(2026, 8, 20)


@pytest.fixture
def books(app, make_user):
    services.seed_chart()
    db.session.commit()
    return {"preparer": make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="钱制单"),
            "reviewer": make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="孙审核")}


def sale(actor, key="k1", amount="4597.56", day=DAY):
    """A cash sale typed by hand (a sale on credit, 1122 per buyer, is kept by its settlement only)."""
    return services.prepare_voucher(actor, voucher_date=day, summary="零售桃子收到货款", idempotency_key=key,
                                    lines=[LineInput("1002", debit=amount), LineInput("5001", credit=amount)])


def posted(books, key="k1", **kwargs):
    voucher = sale(books["preparer"], key, **kwargs)
    services.approve(books["reviewer"], voucher)
    services.post(books["reviewer"], voucher)
    db.session.commit()
    return voucher


def test_a_voucher_goes_prepare_approve_post_and_gets_number_one(books):
    voucher = posted(books)
    assert voucher.status is VoucherStatus.POSTED and voucher.number == 1
    assert services.verify() == []


def test_the_preparer_cannot_approve_their_own_voucher(books):
    voucher = sale(books["preparer"])
    with pytest.raises(PermissionDenied):
        services.approve(books["preparer"], voucher)


def test_a_voucher_cannot_be_posted_before_approval_nor_twice(books):
    voucher = sale(books["preparer"])
    with pytest.raises(InvalidTransition):
        services.post(books["reviewer"], voucher)
    services.approve(books["reviewer"], voucher)
    services.post(books["reviewer"], voucher)
    with pytest.raises(InvalidTransition):
        services.post(books["reviewer"], voucher)


def test_an_unbalanced_voucher_is_refused_and_nothing_written(books):
    with pytest.raises(ValidationFailed):
        services.prepare_voucher(books["preparer"], voucher_date=DAY, summary="错账", idempotency_key="bad",
                                 lines=[LineInput("1002", debit="100.00"), LineInput("5001", credit="99.99")])
    db.session.rollback()
    assert db.session.scalar(select(Voucher.id)) is None


def test_a_receivable_line_needs_its_buyer(books):
    with pytest.raises(ValidationFailed):
        services.prepare_voucher(books["preparer"], voucher_date=DAY, summary="x", idempotency_key="p",
                                 lines=[LineInput("1122", debit="1"), LineInput("5001", credit="1")])


def test_a_party_balance_kept_by_documents_is_not_typed_by_hand_but_another_party_account_is(books):
    """1122, 1123, 1221 and 2202 per party are kept by settlements, payments, input credits, deposit
    closures and adjustments: a voucher typed by hand may not touch them, even an accountant's. An
    account with 辅助核算 the documents do not keep (2241 其他应付款 per household) takes party lines."""
    from market.ledger import chart
    from models import AuditEvent

    def by_hand(key, lines):
        return services.prepare_voucher(books["preparer"], voucher_date=DAY, summary="手工调账", idempotency_key=key,
                                        lines=lines)

    def refused(key, lines):
        with pytest.raises(ValidationFailed) as error:
            by_hand(key, lines)
        assert error.value.rule == "party_balance_by_document"
        assert list(error.value.fields) == ["lines"]
        return error.value

    error = refused("every-kept", [LineInput("1122", debit="100.00", party_type="buyer", party_id=1),
                                   LineInput("1123", debit="50.00", party_type="household", party_id=1),
                                   LineInput("1221", debit="30.00", party_type="household", party_id=1),
                                   LineInput("2202", credit="180.00", party_type="household", party_id=1)])
    assert error.params["code"] == "1122"
    for code, party_type in (("1122", "buyer"), ("1123", "household"), ("1221", "household"),
                             ("2202", "household"), ("2202", "supplier")):
        assert refused(f"only-{code}-{party_type}",
                       [LineInput(code, debit="10.00", party_type=party_type, party_id=1),
                        LineInput("5001", credit="10.00")]).params["code"] == code
    # a sub-account of a kept account is kept too
    chart.create_account(books["preparer"], code="112201", name="应收账款—超市", kind="asset", party_type="buyer")
    assert refused("sub-account", [LineInput("112201", debit="10.00", party_type="buyer", party_id=1),
                                   LineInput("5001", credit="10.00")]).params["code"] == "112201"
    assert db.session.scalar(select(db.func.count()).select_from(Voucher)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "voucher.prepare")) == 0

    chart.create_account(books["preparer"], code="2241", name="其他应付款", kind="liability", party_type="household")
    kept_by_hand = by_hand("on-2241", [LineInput("5601", debit="180.00"),
                                       LineInput("2241", credit="180.00", party_type="household", party_id=1)])
    db.session.commit()
    assert kept_by_hand.status is VoucherStatus.PREPARED
    assert [(line.account.code, line.party_id) for line in kept_by_hand.lines] == [("5601", None), ("2241", 1)]
    assert db.session.scalar(select(db.func.count()).select_from(Voucher)) == 1


def test_the_same_key_and_body_returns_the_original_and_another_body_is_refused(books):
    first = sale(books["preparer"], "same")
    assert sale(books["preparer"], "same").id == first.id
    with pytest.raises(IdempotencyConflict):
        sale(books["preparer"], "same", amount="1.00")


def test_numbers_are_gapless_per_period_in_posting_order(books):
    vouchers = [sale(books["preparer"], f"k{i}") for i in range(3)]
    services.reject(books["reviewer"], vouchers[1], "金额有误")
    for voucher in (vouchers[2], vouchers[0]):
        services.approve(books["reviewer"], voucher)
        services.post(books["reviewer"], voucher)
    assert [vouchers[2].number, vouchers[0].number] == [1, 2]
    assert vouchers[1].number is None
    assert services.verify() == []


def test_a_reversal_nets_every_account_to_zero_and_cannot_be_reversed(books):
    original = posted(books)
    red = services.reverse(books["preparer"], original, reason="重复记账", voucher_date=DAY, idempotency_key="r1")
    services.approve(books["reviewer"], red)
    services.post(books["reviewer"], red)
    db.session.commit()
    assert all(row["balance"] == 0 for row in services.trial_balance())
    with pytest.raises(Conflict):
        services.reverse(books["preparer"], red, reason="x", voucher_date=DAY, idempotency_key="r2")
    with pytest.raises(Conflict):
        services.reverse(books["preparer"], original, reason="again", voucher_date=DAY, idempotency_key="r3")


def test_a_rejected_reversal_frees_the_voucher_to_be_reversed_anew(books):
    original = posted(books)
    first_key = services.reversal_key(original)
    red = services.reverse(books["preparer"], original, reason="金额有误", voucher_date=DAY, idempotency_key=first_key)
    services.reject(books["reviewer"], red, "摘要写错了")
    db.session.commit()
    assert red.reverses_id is None and red.source_id == original.id
    second_key = services.reversal_key(original)
    assert second_key != first_key
    again = services.reverse(books["preparer"], original, reason="金额有误，重新冲销", voucher_date=DAY,
                             idempotency_key=second_key)
    services.approve(books["reviewer"], again)
    services.post(books["reviewer"], again)
    db.session.commit()
    assert again.reverses_id == original.id
    assert all(row["balance"] == 0 for row in services.trial_balance())
    with pytest.raises(Conflict):
        services.reverse(books["preparer"], original, reason="third", voucher_date=DAY,
                         idempotency_key=services.reversal_key(original))


def test_no_posting_into_a_closed_period_and_reopening_is_audited(books):
    posted(books)
    period = services.period_for(DAY)
    for carry in services.prepare_closing(books["preparer"], period):
        services.approve(books["reviewer"], carry)
        services.post(books["reviewer"], carry)
    services.close_period(books["reviewer"], period)
    db.session.commit()
    assert period.status is PeriodStatus.CLOSED
    with pytest.raises(Conflict):
        sale(books["preparer"], "late")
    db.session.rollback()
    assert services.verify() == []
    services.reopen_period(books["reviewer"], period, "补记漏账")
    db.session.commit()
    assert period.status is PeriodStatus.OPEN


def test_a_period_with_vouchers_waiting_cannot_close(books):
    sale(books["preparer"])
    with pytest.raises(Conflict):
        services.close_period(books["reviewer"], services.period_for(DAY))


def test_ledger_verify_command_passes_on_good_books_and_fails_on_tampered_ones(books, runner, app):
    voucher = posted(books)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    # Tamper behind the triggers' back, as a forger with database access would.
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER trg_voucher_lines_no_update_when_posted"))
    else:
        db.session.execute(text("ALTER TABLE voucher_lines DISABLE TRIGGER USER"))
    db.session.execute(text("UPDATE voucher_lines SET debit = debit + 1 WHERE voucher_id = :id AND line_no = 1"),
                       {"id": voucher.id})
    if db.engine.dialect.name != "sqlite":
        db.session.execute(text("ALTER TABLE voucher_lines ENABLE TRIGGER USER"))
    db.session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "does not balance" in result.output


@pytest.mark.postgres_only
def test_two_accountants_approving_at_the_same_moment_approve_exactly_once(app, books, make_user):
    third = make_user(RoleName.ACCOUNTANT, name="周审核")
    voucher_id = sale(books["preparer"]).id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user_id):
        with app.app_context():
            from models import User
            actor = db.session.get(User, user_id)
            voucher = db.session.get(Voucher, voucher_id)
            barrier.wait()
            try:
                services.approve(actor, voucher)
                db.session.commit()
                outcomes.append("approved")
            except InvalidTransition:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(u.id,)) for u in (books["reviewer"], third)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]


@pytest.mark.postgres_only
def test_concurrent_postings_get_gapless_numbers(app, books):
    ids = []
    for i in range(8):
        voucher = sale(books["preparer"], f"c{i}")
        services.approve(books["reviewer"], voucher)
        ids.append(voucher.id)
    db.session.commit()
    reviewer_id = books["reviewer"].id
    barrier = threading.Barrier(4)

    def post_some(chunk):
        with app.app_context():
            from models import User
            actor = db.session.get(User, reviewer_id)
            barrier.wait()
            for voucher_id in chunk:
                services.post(actor, db.session.get(Voucher, voucher_id))
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=post_some, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(Voucher.number)))
    assert numbers == list(range(1, 9))
    assert services.verify() == []


@pytest.mark.postgres_only
@pytest.mark.parametrize("one_transaction", [False, True], ids=["a transaction per step", "one transaction"])
def test_eight_accountants_preparing_approving_and_posting_at_once_never_deadlock(app, make_user, one_transaction):
    """A harvest day: eight accountants (in pairs, as 制单 and 审核) each prepare, approve and post
    vouchers in the same month at the same time, step by step or, as a settlement's or a payment's
    posting does, all in one transaction. Every voucher is posted, numbered 1..n without a gap."""
    from models import User

    services.seed_chart()
    db.session.commit()
    pairs = [(make_user(RoleName.ACCOUNTANT, name=f"制单{i}").id, make_user(RoleName.ACCOUNTANT, name=f"审核{i}").id)
             for i in range(8)]
    per_worker, barrier, errors = 4, threading.Barrier(8), []

    def work(index):
        with app.app_context():
            try:
                preparer, reviewer = (db.session.get(User, pairs[index][0]), db.session.get(User, pairs[index][1]))
                barrier.wait(30)
                for n in range(per_worker):
                    voucher = sale(preparer, f"w{index}-{n}", amount=f"{100 + index}.{n:02d}")
                    if not one_transaction:
                        db.session.commit()
                    services.approve(reviewer, voucher)
                    if not one_transaction:
                        db.session.commit()
                    services.post(reviewer, voucher)
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001  (reported below)
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a poster hung"
    assert errors == []
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(Voucher.number)))
    assert numbers == list(range(1, 8 * per_worker + 1))
    assert services.verify() == []


@pytest.mark.postgres_only
def test_fifty_concurrent_replays_of_one_key_make_one_voucher(app, books):
    preparer_id = books["preparer"].id
    barrier = threading.Barrier(10)
    seen: list[int] = []

    def replay():
        with app.app_context():
            from models import User
            actor = db.session.get(User, preparer_id)
            barrier.wait()
            for _ in range(5):
                voucher = sale(actor, "one-key")
                db.session.commit()
                seen.append(voucher.id)
            db.session.remove()

    threads = [threading.Thread(target=replay) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(seen) == 50 and len(set(seen)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Voucher)) == 1


@pytest.mark.postgres_only
@pytest.mark.parametrize("first", ["prepare", "deactivate"])
def test_a_voucher_and_the_retirement_of_its_account_never_both_commit(app, books, first):
    """Whichever starts first holds the account row until it commits: a voucher being prepared makes
    the deactivation wait and then refuse (a voucher awaits review); a deactivation under way makes
    the voucher wait and then refuse (the account is retired)."""
    from market.ledger import chart
    from tests.locks import wait_for_lock_waiters
    from models import Account, User

    chart.create_account(books["preparer"], code="5602", name="管理费用", kind="expense")
    petty = services.prepare_voucher(books["preparer"], voucher_date=DAY, summary="备用金", idempotency_key="petty",
                                     lines=[LineInput("1001", debit="100.00"), LineInput("3001", credit="100.00")])
    services.approve(books["reviewer"], petty)
    services.post(books["reviewer"], petty)  # the cash box holds what the postage is paid from
    db.session.commit()
    preparer_id, reviewer_id = books["preparer"].id, books["reviewer"].id
    account_id = services.account("5602").id
    started = threading.Event()
    outcomes: dict[str, str] = {}

    def run(name, call):
        with app.app_context():
            if name != first:
                started.wait(timeout=30)
            try:
                call()
                if name == first:
                    started.set()
                    wait_for_lock_waiters(1)  # the other has started and waits for this commit
                db.session.commit()
                outcomes[name] = "done"
            except (Conflict, ValidationFailed):
                db.session.rollback()
                outcomes[name] = "refused"
            finally:
                started.set()
                db.session.remove()

    def prepare():
        services.prepare_voucher(db.session.get(User, preparer_id), voucher_date=DAY, summary="邮寄合同",
                                 lines=[LineInput("5602", debit="12.00"), LineInput("1001", credit="12.00")],
                                 idempotency_key="postage")

    def deactivate():
        chart.deactivate(db.session.get(User, reviewer_id), db.session.get(Account, account_id))

    threads = [threading.Thread(target=run, args=("prepare", prepare)),
               threading.Thread(target=run, args=("deactivate", deactivate))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    second = "deactivate" if first == "prepare" else "prepare"
    assert outcomes == {first: "done", second: "refused"}
    db.session.expire_all()
    vouchers = db.session.scalars(select(Voucher).where(Voucher.idempotency_key == "postage")).all()
    assert db.session.get(Account, account_id).active is (first == "prepare")
    assert len(vouchers) == (1 if first == "prepare" else 0)
