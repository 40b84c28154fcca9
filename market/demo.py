"""The demo: 北里村's peach season, loaded through the services (``flask seed-demo``).

Deterministic for a given seed and day: the same households, lots, contracts, quotes and weigh
slips every time. Dates are laid around ``today`` so the demo always looks like the season is on.

One module of about 520 lines on purpose: it is a script that tells one season in the order it
happens (people, catalogue, lots and contracts; the order picked, shipped and received; settled,
paid, adjusted and closed; a sale from the warehouse), each step through the services and the
next step reading what the last one made. Split by aggregate, the story would be read in five
files in an order no file shows; it owns no rule of its own.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from models import (GradeTable, PrepaymentKind, PriceMechanism, RoleName, User,
                    Variety, db)

DEMO_PASSWORD = "peach-2016"
QUOTE_SOURCE = "西安朱雀农产品交易中心"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["建国", "秀英", "桂兰", "玉兰", "志强", "永红", "德胜", "福生", "海燕", "文华", "春梅", "金花", "振华",
         "小军", "红梅", "建华", "淑珍", "国庆", "秀兰", "俊峰", "明亮", "彩霞", "长安", "兴旺", "新民", "凤英",
         "宝山", "丽娟", "天佑", "爱民", "翠萍", "守成", "满仓", "银花", "世杰", "喜梅"]
#: 水蜜桃 prices per grade, 元/公斤, around which the week's quotes move
BASE_QUOTES = {"特级": Decimal("9.60"), "一级": Decimal("7.80"), "二级": Decimal("6.00"), "等外": Decimal("3.20")}


@dataclass
class Summary:
    loaded: bool
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    def report(self) -> str:
        lines = ["演示数据已加载 / demo loaded:" if self.loaded else
                 "演示数据已存在，未重复加载 / demo already present, nothing loaded:"]
        for name, count in self.counts.items():
            lines.append(f"  {name}: {count}")
        lines.append(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, phone, name in self.logins:
            lines.append(f"  {role:<12} {phone}  {name}")
        return "\n".join(lines)


LOGINS = [
    (RoleName.ADMIN, "13800000005", "管理员"),
    (RoleName.COORDINATOR, "13800000002", "李建国"),
    (RoleName.ACCOUNTANT, "13800000003", "赵会计"),
    (RoleName.BUYER, "13800000004", "金昌赢华联超市 采购"),
]
#: 出纳: pays and receives, while 赵会计 reviews and posts what the cashier prepares
CASHIER = (RoleName.CASHIER, "13800000006", "钱出纳")
#: 会计主管: an accountant who reviews what 赵会计 prepares and closes the month
CHIEF = (RoleName.CHIEF_ACCOUNTANT, "13800000007", "孙主管")
VILLAGER_PHONE = "13900000001"


def _logins() -> list[tuple[str, str, str]]:
    rows = [(RoleName.VILLAGER.value, VILLAGER_PHONE, "张秀英")]
    rows += [(role.value, phone, name) for role, phone, name in LOGINS + [CASHIER, CHIEF]]
    return rows


def reset_all() -> None:
    """Empty every table (development only): the ledger's guards are lifted for the moment it
    takes to empty the books, and put back in the same transaction."""
    from . import database_rules

    connection = db.session.connection()
    database_rules.drop(connection)
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.flush()
    database_rules.reinstall(connection)


def _id_number(rnd: random.Random, birth_year: int, female: bool) -> str:
    from .reference.identity import id_check_character

    born = date(birth_year, rnd.randint(1, 12), rnd.randint(1, 28))
    sequence = rnd.randint(10, 99) * 10 + (rnd.choice([0, 2, 4, 6, 8]) if female else rnd.choice([1, 3, 5, 7, 9]))
    first17 = f"610404{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def seed(*, reset: bool = False, today: date | None = None, seed_value: int = 2016) -> Summary:
    """Load the demo through the services; the caller commits.

    :param reset: empty every table first.
    :param today: the day the demo is laid around (default: today in China).
    """
    from .auth.services import create_user
    from .contracts import services as contracts
    from .produce import services as produce
    from .reference import catalogue, households as household_services, party, villages
    from .weighing import services as weighing

    if reset:
        reset_all()
    elif db.session.scalar(select(User.id).where(User.phone == LOGINS[0][1])) is not None:
        return Summary(loaded=False, logins=_logins())

    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = today or datetime.now(zone).date()
    rnd = random.Random(seed_value)

    users: dict[RoleName, User] = {}
    for role, phone, name in LOGINS:
        users[role] = create_user(None, phone=phone, name=name, password=DEMO_PASSWORD, roles=[role])
    admin, coordinator = users[RoleName.ADMIN], users[RoleName.COORDINATOR]
    cashier = create_user(None, phone=CASHIER[1], name=CASHIER[2], password=DEMO_PASSWORD, roles=[CASHIER[0]])
    chief = create_user(None, phone=CHIEF[1], name=CHIEF[2], password=DEMO_PASSWORD,
                        roles=[RoleName.ACCOUNTANT, CHIEF[0]])

    # Places and people
    village = villages.create_village(admin, code="610404004201", name="北里村", township="北杜街道",
                                      county="咸阳市渭城区")
    groups = [villages.create_village_group(admin, village_id=village.id, number=n, name=f"{'一二三四五六'[n - 1]}组")
              for n in range(1, 7)]
    branch = party.create_party_branch(admin, village_id=village.id, name="北里村党支部", secretary="王志强")
    party_groups = [party.create_party_group(admin, branch_id=branch.id, name=f"第{'一二三四'[n]}党小组",
                                             leader=rnd.choice(SURNAMES) + rnd.choice(GIVEN))
                    for n in range(4)]
    coordinator.party_group_id = party_groups[0].id

    households = []
    used_names = {"张秀英"}
    for index in range(60):
        if index == 0:
            name, female = "张秀英", True
        else:
            while True:
                name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
                if name not in used_names:
                    used_names.add(name)
                    break
            female = name[-1] in "英兰梅花燕霞珍娟萍"
        households.append(household_services.create_household(
            coordinator, head_name=name, village_id=village.id, group_id=groups[index % 6].id,
            party_group_id=party_groups[index % 4].id,
            id_number=_id_number(rnd, rnd.randint(1948, 1985), female),
            phone=f"139{rnd.randint(10000000, 99999999)}" if index else "13900000001",
            payout_method=rnd.choice(["bank", "bank", "bank", "wechat", "cash"]),
            bank_name="陕西信合", account_number=f"62302701{rnd.randint(10**10, 10**11 - 1)}",
            priority=index in (7, 23, 41)))
    villager = create_user(None, phone=VILLAGER_PHONE, name="张秀英", password=DEMO_PASSWORD,
                           roles=[RoleName.VILLAGER], household_id=households[0].id)
    users[RoleName.VILLAGER] = villager

    # Catalogue
    peach = catalogue.create_peach_defaults(admin)
    table = db.session.scalar(select(GradeTable).where(GradeTable.product_id == peach.id,
                                                       GradeTable.is_default.is_(True)))
    grades = {g.name: g for g in table.grades}
    shuimi = db.session.scalar(select(Variety).where(Variety.product_id == peach.id, Variety.name == "水蜜桃"))
    youtao = db.session.scalar(select(Variety).where(Variety.product_id == peach.id, Variety.name == "油桃"))

    # A week of quotes
    quotes = 0
    for back in range(6, -1, -1):
        day = today - timedelta(days=back)
        drift = Decimal(rnd.randint(-40, 40)) / 100
        for grade_name, base in BASE_QUOTES.items():
            contracts.record_quote(coordinator, shuimi.id, grades[grade_name].id, day, base + drift, QUOTE_SOURCE)
            quotes += 1

    # Produce lots: most households offer one or two lots, in 斤 as villagers say it
    lots = 0
    grade_weights = [("特级", 2), ("一级", 5), ("二级", 3), ("等外", 1)]
    for index, household in enumerate(households):
        for _ in range(1 if index % 3 else 2):
            grade_name = rnd.choices([g for g, _ in grade_weights], [w for _, w in grade_weights])[0]
            ready_from = today + timedelta(days=rnd.randint(-5, 3))
            ready_to = ready_from + timedelta(days=rnd.randint(2, 5))
            spoil_by = ready_to + timedelta(days=rnd.randint(2, 7))
            variety = shuimi if rnd.random() < 0.85 else youtao
            if rnd.random() < 0.75:
                quantity = f"{rnd.randint(8, 50) * 10}斤"
            else:
                quantity = f"{rnd.randint(5, 30) * 10}公斤"
            actor = villager if household.id == villager.household_id else coordinator
            produce.register_lot(actor, household_id=household.id, variety_id=variety.id,
                                 grade_id=grades[grade_name].id, quantity=quantity, ready_from=ready_from,
                                 ready_to=ready_to, spoil_by=spoil_by, location_note=f"{household.head_name}家桃园",
                                 today=min(ready_from, today))
            lots += 1

    # Contract purchases: one household per price mechanism
    season = str(today.year)
    price_rows = {
        PriceMechanism.FIXED: {"特级": "9.00", "一级": "7.60", "二级": "5.80", "等外": "3.00"},
        PriceMechanism.FLOOR: {"特级": "8.60", "一级": "7.00", "二级": "5.40", "等外": "2.80"},
        PriceMechanism.MARKET_PLUS: {"特级": "8.40", "一级": "6.80", "二级": "5.20", "等外": "2.60"},
        PriceMechanism.BASE_BONUS: {"特级": "8.80", "一级": "7.20", "二级": "5.60", "等外": "2.80"},
    }
    contract_list = []
    for offset, mechanism in enumerate(price_rows):
        household = households[offset]
        contract = contracts.create_contract(
            coordinator, household_id=household.id, season=season, variety_id=shuimi.id,
            main_grade_id=grades["一级"].id, area_mu=str(rnd.choice([2, 3, 4, 5])) + ".5",
            expected_kg=f"{rnd.randint(30, 60) * 100}公斤", tolerance_pct="5", mechanism=mechanism,
            grade_prices={grades[g].id: p for g, p in price_rows[mechanism].items()},
            premium_pct="5" if mechanism is PriceMechanism.MARKET_PLUS else "0",
            bonus_per_kg="0.40" if mechanism is PriceMechanism.BASE_BONUS else "0",
            quote_source=QUOTE_SOURCE if mechanism in (PriceMechanism.FLOOR, PriceMechanism.MARKET_PLUS) else "",
            starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=40),
            delivery_terms="农户送至北里村收购点过磅，以质论价，钱货两清。")
        contracts.sign(coordinator, contract)
        value = contracts.contract_value(contract)
        contracts.record_prepayment(coordinator, contract, PrepaymentKind.DEPOSIT,
                                    Decimal(value.fen * 10 // 100) / 100, today - timedelta(days=18),
                                    "签约定金（合同价值的10%）")
        if offset % 2 == 1:
            contracts.record_prepayment(coordinator, contract, PrepaymentKind.ADVANCE, Decimal("2000"),
                                        today - timedelta(days=10), "农资预付款")
        contract_list.append(contract)

    # A fifth household signed and took its deposit, then lost its crop to hail: the contract was
    # ended by agreement and the household pays the deposit back (closed in the books below).
    hailed = contracts.create_contract(
        coordinator, household_id=households[4].id, season=season, variety_id=shuimi.id,
        main_grade_id=grades["一级"].id, area_mu="2.5", expected_kg="3000公斤", tolerance_pct="5",
        mechanism=PriceMechanism.FIXED, grade_prices={grades[g].id: p for g, p in price_rows[PriceMechanism.FIXED].items()},
        starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=40),
        delivery_terms="农户送至北里村收购点过磅，以质论价，钱货两清。")
    contracts.sign(coordinator, hailed)
    contracts.record_prepayment(coordinator, hailed, PrepaymentKind.DEPOSIT, Decimal("2000"),
                                today - timedelta(days=18), "签约定金")
    contracts.terminate(coordinator, hailed, "冰雹绝收，双方协商解除合同")

    # Deliveries on weigh slips over the last days
    slips = 0
    for contract in contract_list:
        for back in (3, 1):
            day = today - timedelta(days=back)
            weighed_at = datetime.combine(day, time(7 + back, 20 + slips), tzinfo=zone)
            gross = Decimal(rnd.randint(380, 620))
            crates = int(gross // 16)
            net_guess = gross - Decimal(crates) * Decimal("1.2")
            first = (net_guess * Decimal("0.6")).quantize(Decimal("1"))
            second = net_guess - first - Decimal("20")
            weighing.issue_slip(
                coordinator, household_id=contract.household_id, contract_id=contract.id,
                variety_id=shuimi.id, weighed_at=weighed_at, plate="陕D·3K721", crates=crates,
                gross=str(gross), tare=str(Decimal(crates) * Decimal("1.2")),
                deduction_kind="fixed", deduction_value="20",
                grade_split=[{"grade_id": grades["一级"].id, "amount": str(first)},
                             {"grade_id": grades["二级"].id, "amount": str(second)}],
                note="田间过磅")
            slips += 1
    # The peach story: 金昌赢华联超市 orders 5.4 t field-direct; the fair allocation draws on the village
    order = _peach_order(coordinator, users[RoleName.BUYER], shuimi, grades, today, party_groups[0].id)
    truck_receipts = _pick_ship_and_receive(coordinator, users[RoleName.BUYER], order, today, zone)
    db.session.flush()
    books = _settle_and_pay(coordinator, users[RoleName.ACCOUNTANT], cashier, chief, order, households[0], today)
    return Summary(loaded=True, counts={
        "households": len(households), "produce lots": lots, "contracts": len(contract_list),
        "market quotes": quotes, "contract weigh slips": slips,
        "field weigh slips for the order": len(order.runs[-1].lines),
        "order households allocated": len({line.household_id for line in order.runs[-1].lines}),
        "order kg accepted by the supermarket": str(sum(r.accepted_kg for r in truck_receipts)),
        **books,
    }, logins=_logins())


#: 金昌赢华联超市's unified social credit code body (illustrative); the check character is computed
BUYER_CODE_BODY = "91620300MA74XK3B0"


def _peach_order(coordinator: User, buyer_user: User, variety: Variety, grades: dict, today: date,
                 party_group_id: int):
    from .orders import allocation_runs, buyer_orders, buyers
    from .orders.buyers import CREDIT_CODE_CHARS, CREDIT_CODE_WEIGHTS

    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(BUYER_CODE_BODY, CREDIT_CODE_WEIGHTS))
    buyer = buyers.create_buyer(
        coordinator, name="金昌赢华联超市", credit_code=BUYER_CODE_BODY + CREDIT_CODE_CHARS[(31 - total % 31) % 31],
        province="甘肃省", city="金昌市", address="甘肃省金昌市金川区", contact_name="赢华联生鲜部",
        contact_phone="13809350000", accept_below_pct="1", reject_above_pct="5", payment_terms_days=30)
    buyer_user.buyer_id = buyer.id
    order = buyer_orders.create_order(
        coordinator, buyer_id=buyer.id, variety_id=variety.id, min_grade_id=grades["二级"].id,
        quantity="5.4吨", delivered_price="8.60", mode="field_direct", window_start=today - timedelta(days=2),
        window_end=today + timedelta(days=1), destination="甘肃省金昌市 赢华联超市配送中心", crate_kg="10",
        party_group_id=party_group_id, share_cap_pct="5",
        farm_gate_prices={grades["特级"].id: "8.00", grades["一级"].id: "6.80", grades["二级"].id: "5.20"},
        expected_cost_per_kg="1.10",
        below_cost_reason="特级果只占一成左右，整单按一级、二级计仍有差价；赢华联是甘肃的长期客户，特级按原价保供。",
        note="田间直采：按超市标准在田间分级采摘、装箱，当晚装车直发金昌。")
    buyer_orders.open_order(coordinator, order)
    run = allocation_runs.run_allocation(coordinator, order, "fair")
    allocation_runs.confirm_run(coordinator, run)
    return order


def _pick_ship_and_receive(coordinator: User, buyer_user: User, order, today: date, zone: ZoneInfo):
    """田间直采: pick and weigh every allocated kilogram in the field on two trucks, each with its
    certificate: the first leaves in the afternoon with what was weighed by then, the second, the
    last, in the evening; the supermarket accepts each on arrival with a small defect deduction.

    :return: the supermarket's receipts, one per truck.
    """
    from .fulfilment import certificates, receipts, shipments
    from .weighing import services as weighing

    pick_day = order.window_start
    lines = order.runs[-1].lines
    half = len(lines) // 2

    def pick(index, line):
        crates = int(line.kg // 10)
        tare = Decimal(crates) * Decimal("1.2")
        weighing.issue_slip(
            coordinator, household_id=line.household_id, variety_id=order.variety_id, allocation_id=line.id,
            weighed_at=datetime.combine(pick_day, time(14, 0), tzinfo=zone) + timedelta(minutes=4 * index),
            plate="", crates=crates, gross=str(line.kg + tare), tare=str(tare),
            grade_split=[{"grade_id": line.lot.grade_id, "amount": str(line.kg)}], note="田间直采，按超市标准分级装箱")

    trucks = []
    for number, (part, plate, driver, phone, leaves, arrives) in enumerate((
            (lines[:half], "甘C·5T218", "马师傅", "13909350123", time(16, 0), time(2, 30)),
            (lines[half:], "甘C·7K306", "何师傅", "13909350456", time(20, 30), time(6, 0)))):
        for index, line in enumerate(part, start=0 if number == 0 else half):
            pick(index, line)
        shipment = shipments.create_shipment(
            coordinator, order, plate=plate, driver_name=driver, driver_phone=phone, temperature="2.5",
            departed_at=datetime.combine(pick_day, leaves, tzinfo=zone), last=number == 1,
            note="冷藏车，0–4 ℃，发往金昌" + ("（第一车）" if number == 0 else "（第二车，末车）"))
        certificates.issue_certificate(coordinator, shipment, basis="quality_control", issued_on=pick_day)
        trucks.append((shipment, arrives))
    return [receipts.record_receipt(
        buyer_user, shipment, received=f"{receipts.loaded_kg(shipment):f}", defect_pct="1.8",
        supplier_signer="李建国", clerk_signer="赢华联收货员 王芳", supervisor_signer="赢华联生鲜主管 陈刚",
        received_at=datetime.combine(pick_day + timedelta(days=1), arrives, tzinfo=zone),
        note="到货入0–4 ℃冷库") for shipment, arrives in trucks]


def _settle_and_pay(coordinator: User, accountant: User, cashier: User, chief: User, order, villager_household,
                    today: date) -> dict[str, int]:
    """The accountant's side: last month's opening capital, its cold-store rent and a subsidy, carried
    forward (期末结转损益) and closed; the contracts' prepayments paid; three peach households' fertiliser on credit (农资赊销) booked; the peach
    order settled three ways (taking that credit back), approved and posted, and the first
    contract deliveries settled for stock; the supermarket
    paying part; about half the households paid by a bank batch and 张秀英 in part; the last
    contract deliveries prepared as a batch settlement left waiting for review.
    """
    from .ledger import services as ledger
    from .ledger.services import LineInput
    from .deposits import services as deposits
    from .input_credits import services as input_credits
    from .payments import services as payments
    from .settlements import computing, services as settlements
    from models import Voucher, VoucherStatus

    ledger.seed_chart()
    month_end = today.replace(day=1) - timedelta(days=1)
    opening = ledger.prepare_voucher(
        accountant, voucher_date=month_end.replace(day=1), summary="收到股东投资款（期初资金）", attachments=1,
        idempotency_key="demo:opening", lines=[LineInput("1002", debit="800000.00"),
                                               LineInput("3001", credit="800000.00")])
    ledger.approve(chief, opening)
    ledger.post(accountant, opening)

    def post_waiting() -> None:
        for voucher in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)
                                          .order_by(Voucher.id)):
            # the cashier's and the coordinator's vouchers are reviewed by 赵会计, hers by 孙主管
            reviewer = chief if voucher.prepared_by_id == accountant.id else accountant
            ledger.approve(reviewer, voucher)
            ledger.post(reviewer, voucher)

    for prepayment in payments.unbooked_prepayments():
        payments.pay_prepayment(cashier, prepayment, payments.PaymentInput(amount=prepayment.amount, method="bank",
                                                                           reference=f"网银{prepayment.id:06d}"),
                                idempotency_key=f"demo:prepayment:{prepayment.id}")
    post_waiting()
    # Last month's running costs and a subsidy, then its period end: the 损益类 balances carried to
    # 3103 本年利润 (期末结转损益, prepared by the accountant, approved by 会计主管), then 结账 (会计主管).
    for key, day, summary, lines in (
            ("demo:cold-store-rent", month_end.replace(day=10), "支付冷库租金（0–4 ℃冷库，本月）",
             [LineInput("5601", debit="3600.00"), LineInput("1002", credit="3600.00")]),
            ("demo:subsidy", month_end.replace(day=25), "收到区农业农村局农超对接补贴",
             [LineInput("1002", debit="5000.00"), LineInput("5301", credit="5000.00")])):
        voucher = ledger.prepare_voucher(accountant, voucher_date=day, summary=summary, attachments=1,
                                         idempotency_key=key, lines=lines)
        ledger.approve(chief, voucher)
        ledger.post(accountant, voucher)
    last_month = ledger.period_for(month_end)
    for carry in ledger.prepare_closing(accountant, last_month):
        ledger.approve(chief, carry)
        ledger.post(accountant, carry)
    ledger.close_period(chief, last_month)

    # 定金处理: the hailed-out household pays its deposit back now the contract is ended.
    for entry in deposits.open_deposits(accountant):
        deposits.close_deposit(accountant, entry.contract, deposits.ClosureInput(
            outcome="returned", reason=entry.contract.terminated_reason, closed_on=today, method="bank",
            reference=f"网银退定金{entry.contract.id:04d}"), idempotency_key=f"demo:deposit:{entry.contract.id}")

    # 农资赊销: in spring three of the peach households took fertiliser and fruit bags on credit
    # (recorded this month); the peach settlement takes it back from what they are owed.
    supplied_on = max(today.replace(day=1), today - timedelta(days=7))
    peach_households = sorted((household for household in {line.household_id: line.household
                                                            for line in order.runs[-1].lines}.values()
                               if computing.outstanding_advances(household.id) == 0),  # nothing else to set off
                              key=lambda household: (household.id != villager_household.id, household.id))
    for number, (household, (item, amount)) in enumerate(zip(peach_households, (
            ("复合肥 20袋", "560.00"), ("果袋 3000个、杀菌剂 2瓶", "315.00"), ("有机肥 10袋", "280.00"))), start=1):
        input_credits.record_input_credit(coordinator, household, item=item, amount=amount, issued_on=supplied_on,
                                          note="春季农资，桃子结算时扣回", idempotency_key=f"demo:input-credit:{number}")
    post_waiting()

    settlement = settlements.prepare_order_settlement(
        coordinator, order, settle_on=today, logistics="4800.00", packing="1350.00",
        note="冷藏车运费4800元；纸箱540个×2.50元")
    settlements.submit(coordinator, settlement)
    settlements.approve(accountant, settlement)
    settlements.post(accountant, settlement)
    # Contract deliveries are settled weekly: the first days' slips now, the rest next (below).
    first_days = settlements.prepare_contract_batch(coordinator, end=today - timedelta(days=2), settle_on=today,
                                                    note="合同户前期交售")
    settlements.submit(coordinator, first_days)
    settlements.approve(accountant, first_days)
    settlements.post(accountant, first_days)
    # Part of those contract peaches, now in the warehouse at cost, go to a second supermarket.
    _sell_from_the_warehouse(coordinator, accountant, order, today)

    payments.receive_from_buyer(cashier, order.buyer, payments.PaymentInput(
        amount="20000.00", method="bank", paid_on=today, reference="赢华联网银回单 0826"),
        idempotency_key="demo:buyer-receipt")
    proposed = [(household, owed) for household, owed in payments.proposed_batch()
                if household.id != villager_household.id]
    batch = payments.pay_batch(cashier, proposed[: len(proposed) // 2], paid_on=today, idempotency_key="demo:batch")
    villager_owed = payments.owed(villager_household.id)
    if villager_owed > 0:
        method = villager_household.payout_method.value
        payments.pay_household(cashier, villager_household, payments.PaymentInput(
            amount=(villager_owed / 2).quantize(Decimal("0.01")), method=method, paid_on=today,
            signer=villager_household.head_name if method == "cash" else "",
            reference="先付一半，余款月底结清"), idempotency_key="demo:villager-part")
    post_waiting()
    _adjust_after_posting(coordinator, accountant, settlement, villager_household, today)

    waiting = settlements.prepare_contract_batch(coordinator, settle_on=today, note="合同户本周交售")
    settlements.submit(coordinator, waiting)
    db.session.flush()
    return {"settlements posted": 3, "settlements waiting for review": 1, "stock counts waiting to be posted": 1,
            "households paid in the batch": batch.count}


def _adjust_after_posting(coordinator: User, accountant: User, settlement, villager_household, today: date) -> None:
    """After receipt the supermarket and the coordinator agree ¥100 off for fruit softer than agreed,
    and one household not paid yet, whose peaches were weighed in at too low a grade's price, is
    corrected; the accountant reviews and posts both (调整单)."""
    from .adjustments import services as adjustments

    allowance = adjustments.prepare_allowance(
        coordinator, settlement, amount="100.00", invoice_number="",
        reason="超市验收后协商：部分桃子偏软，让价100元", adjusted_on=today, idempotency_key="demo:allowance")
    adjustments.approve(accountant, allowance)
    line = next(line for line in settlement.households
                if line.household_id != villager_household.id and len(line.items) > 1 and line.paid == 0)
    item = min(line.items, key=lambda item: item.price)
    corrected = adjustments.prepare_correction(
        coordinator, settlement, item_id=item.id, new_price=f"{item.price + Decimal('0.40'):.2f}",
        reason="过磅时等级录错，按实际等级更正单价", adjusted_on=today, idempotency_key="demo:price-correction")
    adjustments.approve(accountant, corrected)


#: the second supermarket's unified social credit code body (illustrative); the check character is computed
SECOND_BUYER_CODE_BODY = "91610400MA6XW2K7P"


def _sell_from_the_warehouse(coordinator: User, accountant: User, first_order, today: date) -> None:
    """农超直销 from stock: a Xianyang supermarket orders 600 kg, filled from the warehouse (400 kg
    一级 and 200 kg 二级 of the contract peaches settled into stock), shipped, accepted in full, and
    settled: its sale voucher issues the stock at moving average cost, 借5401 / 贷1405."""
    from .fulfilment import receipts, shipments
    from .orders import buyer_orders, buyers
    from .orders.buyers import CREDIT_CODE_CHARS, CREDIT_CODE_WEIGHTS
    from .settlements import services as settlements
    from .stock import services as stock

    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(SECOND_BUYER_CODE_BODY, CREDIT_CODE_WEIGHTS))
    buyer = buyers.create_buyer(
        coordinator, name="咸阳惠民生鲜超市",
        credit_code=SECOND_BUYER_CODE_BODY + CREDIT_CODE_CHARS[(31 - total % 31) % 31],
        province="陕西省", city="咸阳市", address="陕西省咸阳市秦都区人民路", contact_name="惠民生鲜部",
        contact_phone="13709100000", accept_below_pct="1", reject_above_pct="5", payment_terms_days=15)
    grades = {price.grade.name: price.grade for price in first_order.prices}
    order = buyer_orders.create_order(
        coordinator, buyer_id=buyer.id, variety_id=first_order.variety_id, min_grade_id=grades["二级"].id,
        quantity="600公斤", delivered_price="8.20", mode="farm_to_supermarket",
        window_start=today - timedelta(days=2), window_end=today + timedelta(days=1),
        destination="陕西省咸阳市 惠民生鲜超市", crate_kg="10", party_group_id=first_order.party_group_id,
        farm_gate_prices={grades["特级"].id: "7.20", grades["一级"].id: "6.40", grades["二级"].id: "5.00"},
        expected_cost_per_kg="0.80", note="从仓库发货：合同收购入库的水蜜桃。")
    buyer_orders.open_order(coordinator, order)
    stock.set_order_stock(coordinator, order, grade_id=grades["一级"].id, quantity="400公斤")
    stock.set_order_stock(coordinator, order, grade_id=grades["二级"].id, quantity="200公斤")
    shipment = shipments.create_shipment(
        coordinator, order, plate="陕D·6H305", driver_name="王师傅", driver_phone="13991000123", temperature="3",
        departed_at=datetime.combine(today - timedelta(days=1), time(16, 0), tzinfo=zone), note="冷库出库，当天送达")
    receipts.record_receipt(
        coordinator, shipment, received="600", defect_pct="0", supplier_signer="李建国",
        clerk_signer="惠民收货员 刘洋", supervisor_signer="惠民生鲜主管 张敏",
        received_at=datetime.combine(today - timedelta(days=1), time(19, 30), tzinfo=zone))
    settlement = settlements.prepare_order_settlement(coordinator, order, settle_on=today, logistics="360.00",
                                                      note="市内冷藏配送360元")
    settlements.submit(coordinator, settlement)
    settlements.approve(accountant, settlement)
    settlements.post(accountant, settlement)
    # The week's count (盘点) finds the 二级 peaches 4 kg light after days in the cold store: normal
    # shrink, recorded by the coordinator and left for the accountant to post.
    second_grade = stock.balance_of(first_order.variety_id, grades["二级"].id)
    stock.prepare_count(coordinator, counted_on=today, note="周末盘点冷库", lines=[{
        "variety_id": first_order.variety_id, "grade_id": grades["二级"].id,
        "counted": f"{Decimal(second_grade.grams - 4000) / 1000}公斤", "loss_kind": "normal",
        "reason": "冷库存放失水，属合理损耗"}])
