"""Builders for test data, as fixtures. Each returns a function taking overrides."""
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from market.auth.services import create_user
from models import (Grade, GradeTable, Household, PartyBranch, PartyGroup, Product, RoleName,
                    Variety, Village, VillageGroup, db)

PASSWORD = "peach-2016!"
_phones = itertools.count(13800000001)

__all__ = ["make_village", "make_household", "make_user", "login", "catalogue", "villager",
           "coordinator", "admin", "accountant", "buyer_user", "PASSWORD"]


@pytest.fixture
def make_village(app):
    counter = itertools.count(1)

    def build(name: str = "北里村", code: str | None = None, groups: int = 3) -> Village:
        n = next(counter)
        village = Village(code=code or f"61040210{n:04d}", name=name,
                          township="北杜街道", county="渭城区")
        db.session.add(village)
        db.session.flush()
        for g in range(1, groups + 1):
            db.session.add(VillageGroup(village_id=village.id, number=g, name=f"{g}组"))
        branch = PartyBranch(village_id=village.id, name=f"{name}{n}党支部", secretary="王书记")
        db.session.add(branch)
        db.session.flush()
        db.session.add(PartyGroup(branch_id=branch.id, name="第一党小组", leader="李组长"))
        db.session.flush()
        return village

    return build


@pytest.fixture
def make_household(app, make_village):
    state: dict = {}

    def build(head_name: str = "张秀英", village: Village | None = None, **fields) -> Household:
        if village is None:
            village = state.get("village") or make_village()
            state["village"] = village
        household = Household(
            head_name=head_name, village_id=village.id,
            group_id=village.groups[0].id if village.groups else None,
            id_number=fields.pop("id_number", "610402195803151234"),
            phone=fields.pop("phone", "13912345678"),
            bank_name=fields.pop("bank_name", "陕西信合"),
            account_number=fields.pop("account_number", "6230270100012345678"),
            **fields,
        )
        db.session.add(household)
        db.session.flush()
        return household

    return build


@pytest.fixture
def make_user(app):
    def build(*roles: RoleName, name: str = "测试用户", household: Household | None = None,
              phone: str | None = None, password: str = PASSWORD):
        user = create_user(None, phone=phone or str(next(_phones)), name=name, password=password,
                           roles=list(roles) or [RoleName.COORDINATOR],
                           household_id=household.id if household else None)
        db.session.commit()
        return user

    return build


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        response = client.post("/login", data={"phone": user.phone, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do


@pytest.fixture
def catalogue(app):
    """桃 with 水蜜桃 and 油桃, and the default peach grade table."""
    product = Product(name="桃")
    db.session.add(product)
    db.session.flush()
    varieties = [Variety(product_id=product.id, name=n) for n in ("水蜜桃", "油桃")]
    table = GradeTable(product_id=product.id, name="鲜桃等级", is_default=True)
    db.session.add_all(varieties + [table])
    db.session.flush()
    for rank, (code, name, min_g, diff) in enumerate([
            ("special", "特级", 250, "1.00"), ("first", "一级", 200, "0"),
            ("second", "二级", 150, "-1.00"), ("offgrade", "等外", None, "-3.00")]):
        db.session.add(Grade(table_id=table.id, code=code, name=name, rank=rank, min_fruit_g=min_g,
                             price_diff=Decimal(diff)))
    db.session.commit()
    return {"product": product, "varieties": varieties, "table": table,
            "grades": {g.name: g for g in table.grades}}


@pytest.fixture
def villager(make_user, make_household):
    household = make_household()
    return make_user(RoleName.VILLAGER, name=household.head_name, household=household)


@pytest.fixture
def coordinator(make_user):
    return make_user(RoleName.COORDINATOR, name="李协调")


@pytest.fixture
def admin(make_user):
    return make_user(RoleName.ADMIN, name="管理员")


@pytest.fixture
def accountant(make_user):
    """An accountant who is also 会计主管 (closes periods), as in a small company; the permission matrix
    and tests/market/ledger/test_roles.py hold the plain accountant, the cashier and the chief apart."""
    return make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="赵会计")


@pytest.fixture
def buyer_user(make_user):
    return make_user(RoleName.BUYER, name="超市采购")
