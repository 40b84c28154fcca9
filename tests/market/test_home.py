"""The start page sends each role where its work is."""
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


def test_a_villager_lands_on_her_produce(client, login, villager):
    login(villager)
    assert client.get("/home").headers["Location"].endswith("/lots/mine")


def test_a_buyer_lands_on_the_buyer_s_orders(client, login, buyer_user):
    login(buyer_user)
    assert client.get("/home").headers["Location"].endswith("/orders/")



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
