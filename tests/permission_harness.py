"""Who may reach every route: the data the permission matrix in tests/test_permissions.py checks.

The demo (one buyer 金昌赢华联超市 and 60 households) is loaded once; the objects a URL names belong to
张秀英 (``villager``) or to the demo buyer (``buyer``), so ``villager2`` and ``buyer2`` ask for
another household's and another buyer's things.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from market import demo
from market.auth.services import create_user, issue_token
from market.extensions import limiter
from market.reference import households
from market.reversals import services as reversals
from models import (Account, Adjustment, AllocationRun, Allocation, ApiToken, Buyer, BuyerOrder, ContractPrepayment, PayeeChange,
                    DepositClosure, Grade, GradeTable, Household, InputCredit, LotPhoto, MarketQuote,
                    PartyBranch, PartyGroup, Payment, PaymentBatch, Period, ProduceLot, Product,
                    PurchaseContract, PurchaseInvoice, RoleName, Settlement, Shipment, StockCount, User, Variety,
                    Village, VillageGroup, Voucher, WeighSlip, db)
from tests.conftest import load_demo

PASSWORD = "peach-2016!"
DAY = date(2026, 8, 20)


def _first(model, *where):
    return db.session.scalar(select(model).where(*where).order_by(model.id).limit(1))


def _id(model, *where) -> int:
    row = _first(model, *where)
    return row.id if row is not None else 999999


def build_world() -> dict:
    """Load the demo and add a second villager (another household) and a second buyer."""
    load_demo(DAY)
    db.session.commit()
    users = {}
    for role, phone in [("admin", "13800000005"), ("coordinator", "13800000002"),
                        ("accountant", "13800000003"), ("buyer", "13800000004"),
                        ("villager", demo.VILLAGER_PHONE), ("cashier", demo.CASHIER[1]), ("chief", demo.CHIEF[1])]:
        users[role] = db.session.scalar(select(User).where(User.phone == phone))
    mine = users["villager"].household
    other = _first(Household, Household.id != mine.id)
    users["villager2"] = create_user(None, phone="13911110002", name=other.head_name, password=PASSWORD,
                                     roles=[RoleName.VILLAGER], household_id=other.id)
    buyer = users["buyer"].buyer
    buyer2 = Buyer(name="西安第二超市", credit_code="91610000MA6TEST02X", contact_name="刘采购",
                   contact_phone="13911110003")
    db.session.add(buyer2)
    db.session.flush()
    users["buyer2"] = create_user(None, phone="13911110004", name="第二超市 采购", password=PASSWORD,
                                  roles=[RoleName.BUYER])
    users["buyer2"].buyer_id = buyer2.id
    spare = create_user(None, phone="13911110005", name="备用", password=PASSWORD, roles=[RoleName.COORDINATOR])
    db.session.commit()
    tokens = {role: issue_token(user, "matrix")[1] for role, user in users.items()}
    db.session.commit()

    # a change of the other household's payout account, asked by the coordinator, waiting
    households.update_household(users["coordinator"], other, account_number="6222020200000000666", bank_name="工商银行")
    db.session.commit()
    order = _first(BuyerOrder, BuyerOrder.buyer_id == buyer.id)
    shipment = _first(Shipment, Shipment.order_id == order.id)
    lot = _first(ProduceLot, ProduceLot.household_id == mine.id)
    # a reversal of the peach settlement asked for and returned: reviewing it again is refused (409),
    # and another may still be asked for
    asked = reversals.prepare(users["accountant"], _first(Settlement, Settlement.order_id == order.id),
                              reason="核对后无需冲销", idempotency_key="world-reversal")
    reversals.return_reversal(users["chief"], asked, "经核对，结算无误")
    db.session.commit()
    ids = {
        "lot_id": lot.id, "photo_id": _id(LotPhoto, LotPhoto.lot_id == lot.id),
        "household_id": mine.id, "slip_id": _id(WeighSlip, WeighSlip.household_id == mine.id),
        "order_id": order.id, "shipment_id": shipment.id, "buyer_id": buyer.id,
        "run_id": _id(AllocationRun, AllocationRun.order_id == order.id),
        "allocation_id": _id(Allocation), "settlement_id": _id(Settlement), "invoice_id": _id(PurchaseInvoice),
        "payment_id": _id(Payment), "batch_id": _id(PaymentBatch), "contract_id": _id(PurchaseContract),
        "prepayment_id": _id(ContractPrepayment), "quote_id": _id(MarketQuote), "credit_id": _id(InputCredit),
        "closure_id": _id(DepositClosure), "voucher_id": _id(Voucher), "account_id": _id(Account),
        "period_id": _id(Period), "token_id": _id(ApiToken, ApiToken.user_id == spare.id),
        "user_id": spare.id, "village_id": _id(Village), "group_id": _id(VillageGroup),
        "branch_id": _id(PartyBranch), "party_group_id": _id(PartyGroup), "product_id": _id(Product),
        "variety_id": _id(Variety), "table_id": _id(GradeTable), "grade_id": _id(Grade),
        "change_id": _id(PayeeChange), "count_id": _id(StockCount), "adjustment_id": _id(Adjustment),
        "reversal_id": asked.id, "number": order.number, "code": shipment.code, "path": "index.html", "filename": "css/app.css",
    }
    return {"users": users, "tokens": tokens, "ids": ids}


def bearer(world: dict, role: str, key: str | None = None) -> dict:
    """The API headers of ``role`` in the world, with an ``Idempotency-Key`` when given."""
    headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


_ARG = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def url_for_rule(rule: str, ids: dict) -> str:
    if rule == "/lang/<code>":
        return "/lang/zh_CN"  # a language, not a trace code
    def value(match):
        converter, args, name = match.groups()
        if converter == "any":
            return args.split(",")[0].strip()
        return str(ids[name])
    return _ARG.sub(value, rule)


def endpoints(app) -> list[tuple[str, str]]:
    """Every (METHOD, rule) the app answers, HEAD and OPTIONS aside."""
    out = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((method, rule.rule))
    return sorted(out, key=lambda e: (e[1], e[0]))


#: a JSON body no API schema accepts (an unknown field, a reason and an amount of the wrong type)
INVALID_BODY = {"probe": True, "reason": 7, "amount": "many"}
#: a query string that fails every API list's arguments (page 0, and nonsense for dates and periods)
INVALID_QUERY = {"page": "0", "per_page": "0", "period": "x", "as_of": "x", "from": "x", "to": "x", "day": "x",
                 "status": "x", "kind": "x", "account": "x", "season": "x", "household_id": "x"}


def probe(app, world: dict, role: str, method: str, rule: str, invalid: bool = False):
    """One request of ``role`` to the route; the response. An API write sends an empty JSON body, or
    with ``invalid`` one no schema accepts; an API read sends no query, or with ``invalid`` a bad one."""
    client = world["clients"][role]
    url = url_for_rule(rule, world["ids"])
    headers = {}
    api = rule.startswith("/api/")
    if api and role != "anon":
        headers["Authorization"] = f"Bearer {world['tokens'][role]}"
    kwargs = {}
    if method not in ("GET", "DELETE"):
        kwargs = {"json": INVALID_BODY if invalid else {}} if api else {"data": {}}
    elif method == "DELETE" and api and invalid:
        kwargs = {"json": INVALID_BODY}
    elif method == "GET" and api and invalid:
        kwargs = {"query_string": INVALID_QUERY}
    response = client.open(url, method=method, headers=headers, **kwargs)
    response.close()  # a file sent as a stream (icons, photos) is closed here
    return response


def logged_in_clients(app, world: dict, roles) -> dict:
    from tests.conftest import IsolatedClient  # each request in its own context, as in production

    app.test_client_class = IsolatedClient
    clients = {}
    for role in roles:
        client = app.test_client()
        if role != "anon":
            password = PASSWORD if role in ("villager2", "buyer2") else demo.DEMO_PASSWORD
            response = client.post("/login", data={"phone": world["users"][role].phone, "password": password})
            assert response.status_code == 302, (role, response.status_code)
        clients[role] = client
    limiter.enabled = False
    return clients
