"""Each role's start page is its to-do list: what waits for it, counted, with a link to the work."""
from __future__ import annotations

from datetime import date

from models import RoleName, User, db
from tests.conftest import load_demo


def test_a_coordinator_sees_orders_in_progress_and_what_to_do(client, login, app):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    coordinator = db.session.scalar(db.select(User).where(User.phone == "13800000002"))
    login(coordinator, "peach-2016")
    page = client.get("/home").get_data(as_text=True)
    assert "您要做什么" in page and "采购订单" in page


def _todo(page: str, text: str) -> int:
    return int(page.split(text)[0].rsplit('<span class="qty">', 1)[1].split("</span>")[0])


def test_an_accountants_home_is_her_to_do_list_and_never_asks_her_to_review_her_own_work(client, login, app):
    """A settlement waited for review while the books page said nothing waited: the home counts it,
    for the accountant who may review it, and not for the one who prepared it."""
    from models import Settlement, SettlementStatus
    load_demo(date(2026, 8, 20))
    db.session.commit()
    waiting = db.session.scalars(db.select(Settlement).where(Settlement.status == SettlementStatus.SUBMITTED)).all()
    assert waiting
    accountants = db.session.scalars(db.select(User).where(User.roles.any(name=RoleName.ACCOUNTANT))).all()
    reviewer = next(u for u in accountants if all(s.prepared_by_id != u.id for s in waiting))
    login(reviewer, "peach-2016")
    page = client.get("/home").get_data(as_text=True)
    assert "等您处理" in page and "/settlements/?status=submitted" in page
    assert _todo(page, "等您审核的结算单") == len(waiting)
    client.post("/logout")
    preparer = db.session.get(User, waiting[0].prepared_by_id)
    login(preparer, "peach-2016")
    page = client.get("/home").get_data(as_text=True)
    if "等您审核的结算单" in page:
        assert _todo(page, "等您审核的结算单") == len([s for s in waiting if s.prepared_by_id != preparer.id])


def _demo_user(phone: str) -> User:
    load_demo(date(2026, 8, 20))
    db.session.commit()
    return db.session.scalar(db.select(User).where(User.phone == phone))


def test_a_villagers_home_counts_her_own_lots_and_money_to_come(client, login, app):
    """She landed on her lots before; now the home says what waits for her household, and links there."""
    from models import LotStatus, ProduceLot, SettlementHousehold
    villager = _demo_user("13900000001")
    login(villager, "peach-2016")
    response = client.get("/home")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "等您处理" in page and "/lots/mine" in page and "/me/statement" in page
    allocated = db.session.scalar(db.select(db.func.count()).select_from(ProduceLot).where(
        ProduceLot.household_id == villager.household_id, ProduceLot.status == LotStatus.ALLOCATED))
    assert _todo(page, "已配给订单的货") == allocated
    owed = db.session.scalars(db.select(SettlementHousehold).where(
        SettlementHousehold.household_id == villager.household_id)).all()
    assert _todo(page, "还有钱款待付给您的结算单") <= len(owed)
    assert "等您审核" not in page and "登记交售" in page


def test_a_buyers_home_counts_only_the_supermarkets_own_orders(client, login, app):
    from models import BuyerOrder, OrderStatus
    buyer = _demo_user("13800000004")
    login(buyer, "peach-2016")
    page = client.get("/home").get_data(as_text=True)
    drafts = db.session.scalar(db.select(db.func.count()).select_from(BuyerOrder).where(
        BuyerOrder.buyer_id == buyer.buyer_id, BuyerOrder.status == OrderStatus.DRAFT))
    assert _todo(page, "待确认的草稿订单") == drafts
    assert "在途的发货" in page and "/orders/?status=draft" in page
    assert "已配给订单的货" not in page and "等您审核" not in page


def test_a_cashiers_home_counts_payouts_and_receipts_to_make_and_never_a_review(client, login, app):
    cashier = _demo_user("13800000006")
    login(cashier, "peach-2016")
    page = client.get("/home").get_data(as_text=True)
    assert "/payments/owed" in page and "/payments/receive" in page
    assert "已记账结算单中超市尚欠款项" in page and "被退回的凭证" in page
    assert "等您审核" not in page


def test_the_chief_accountants_home_counts_the_months_to_close(client, login, app):
    chief = _demo_user("13800000007")
    login(chief, "peach-2016")
    page = client.get("/home").get_data(as_text=True)
    assert "已过月末尚未结账的会计期间" in page and "/books/periods" in page
