"""The start page sends each role where its work is."""
from __future__ import annotations

from datetime import date

from market import demo
from models import RoleName, User, db


def test_a_coordinator_sees_orders_in_progress_and_what_to_do(client, login, app):
    demo.seed(today=date(2026, 8, 20))
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
