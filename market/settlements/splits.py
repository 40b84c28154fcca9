"""The three-way settlement of an order, exact to the fen. Pure: no database.

For one order::

    buyer total      = round(accepted kg × delivered price) − agreed buyer deductions
    household gross  = Σ over its grade lines what its slips printed − round(passed-back kg × price)
                       (each slip line rounded on its own, as printed; without slips, round(payable kg × price))
    household net    = gross − recovered (advances 预付款, input credit 农资), never below zero
    input VAT        = Σ per household invoice round(gross × rate)   (农产品收购发票, 9 % by default)
    purchase cost    = Σ gross − input VAT                         (the remainder, so vouchers balance)
    company margin   = buyer total − Σ gross − logistics − packing

so that ``buyer total = Σ household gross + costs + margin`` and ``Σ gross = Σ net + Σ recovered``
hold exactly. Supermarket rejects and shrink (field kg + stock kg − accepted kg) are borne by the company
(``company_bears``: households are paid on field kg) or passed back ``pro_rata``: the part filled
from the company's stock keeps its own share (by weight) and the rest goes to households' field
kg, split in grams by largest remainder (ties to the smaller household id, then grade id).

A delivery the supermarket rejected for quality above its threshold (超过拒收标准) is an
**abnormal loss** (非正常损失), not the normal shrink of the trip: its grams (at most the lost grams)
are shared between the field and the warehouse by weight, as the lost grams are. The company bears
what it paid for: under ``company_bears`` the field share's cost and input VAT
(``round(purchase cost × share ÷ field g)``, ``round(input VAT × share ÷ field g)``) leave the cost
of goods for 5711 营业外支出, the VAT transferred out (进项税额转出); under ``pro_rata`` the
households were not paid for those grams, so only the warehouse's share is the company's loss
(``stock_loss``, costed when the stock is issued).
Every amount is rounded once, ROUND_HALF_UP.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..stock.costing import input_vat_out, share
from ..units import Weight, amount_for, round_half_up, split_largest_remainder

DEFAULT_VAT_RATE = Decimal("0.09")
REJECT_POLICIES = ("company_bears", "pro_rata")


class SettlementError(ValueError):
    """Input the settlement cannot be computed from; ``code`` names the rule (a few are the user's to
    fix, e.g. ``deductions_exceed_buyer_total``; the rest mean the recorded figures are inconsistent)."""

    def __init__(self, message: str, code: str = "inconsistent") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DeliveryLine:
    grade_id: int
    #: field net grams delivered in this grade
    grams: int
    #: farm-gate price, 元/公斤
    price: Decimal
    #: what the weigh slips printed for these grams at this price, each slip line rounded on its own
    #: (fen). The slips are the truth a household was handed: the line is paid this, less what rejects
    #: passed back take at the same price. ``None``: the grams × price, rounded once.
    slips_fen: int | None = None


@dataclass(frozen=True)
class HouseholdDelivery:
    household_id: int
    lines: tuple[DeliveryLine, ...]
    #: 预付款 to recover, fen
    advances_fen: int = 0
    #: 农资 bought on credit to recover, fen
    input_credit_fen: int = 0


@dataclass(frozen=True)
class OrderSettlementInput:
    accepted_g: int
    #: 元/公斤 the buyer pays delivered
    delivered_price: Decimal
    households: tuple[HouseholdDelivery, ...]
    reject_policy: str = "company_bears"
    buyer_deductions_fen: int = 0
    logistics_fen: int = 0
    packing_fen: int = 0
    vat_rate: Decimal = DEFAULT_VAT_RATE
    #: grams of the order filled from the company's own stock (no household is paid for them)
    stock_g: int = 0
    #: grams the supermarket rejected for quality above its threshold: an abnormal loss (counted
    #: only up to the lost grams)
    abnormal_g: int = 0


@dataclass(frozen=True)
class HouseholdLineResult:
    grade_id: int
    field_g: int
    payable_g: int
    price: Decimal
    amount_fen: int


@dataclass(frozen=True)
class HouseholdResult:
    household_id: int
    lines: tuple[HouseholdLineResult, ...]
    field_g: int
    payable_g: int
    #: the purchase price (买价) on the household's invoice
    gross_fen: int
    input_vat_fen: int
    recovered_advances_fen: int
    recovered_input_credit_fen: int
    #: what is still owed to the household in cash
    net_fen: int
    #: deductions that did not fit into this settlement and stay owed by the household
    carried_over_fen: int


@dataclass(frozen=True)
class OrderSettlement:
    buyer_gross_fen: int
    buyer_deductions_fen: int
    buyer_total_fen: int
    households: tuple[HouseholdResult, ...]
    purchase_total_fen: int
    input_vat_fen: int
    purchase_cost_fen: int
    logistics_fen: int
    packing_fen: int
    margin_fen: int
    field_g: int
    accepted_g: int
    #: field kg + stock kg − accepted kg, the rejects and shrink
    lost_g: int
    stock_g: int = 0
    #: the abnormal loss in grams, and the warehouse's share of it
    abnormal_g: int = 0
    abnormal_stock_g: int = 0
    #: the field share of the abnormal loss the company paid for: its cost (out of the purchase
    #: cost, into 5711) and its input VAT (transferred out); zero under ``pro_rata``
    loss_cost_fen: int = 0
    loss_vat_fen: int = 0

    @property
    def costs_fen(self) -> int:
        return self.logistics_fen + self.packing_fen

    def reconciles(self) -> bool:
        return (self.buyer_total_fen == self.purchase_total_fen + self.costs_fen + self.margin_fen
                and self.purchase_total_fen == sum(h.gross_fen for h in self.households)
                and self.purchase_total_fen == sum(h.net_fen + h.recovered_advances_fen + h.recovered_input_credit_fen
                                                   for h in self.households)
                and self.purchase_total_fen == self.input_vat_fen + self.purchase_cost_fen
                and 0 <= self.loss_cost_fen <= self.purchase_cost_fen and 0 <= self.loss_vat_fen <= self.input_vat_fen
                and 0 <= self.abnormal_stock_g <= min(self.abnormal_g, self.stock_g)
                and self.abnormal_g <= max(self.lost_g, 0))


def _check(condition: bool, message: str, code: str = "inconsistent") -> None:
    if not condition:
        raise SettlementError(message, code)


def settle_order(data: OrderSettlementInput) -> OrderSettlement:
    """The three parties' amounts for one order.

    :raises SettlementError: negative quantities or amounts, an unknown reject policy, a VAT
        rate outside [0, 1), or more accepted than delivered under ``pro_rata``.
    """
    _check(data.reject_policy in REJECT_POLICIES, f"unknown reject policy {data.reject_policy!r}")
    _check(data.accepted_g >= 0, "accepted weight must not be negative")
    _check(data.stock_g >= 0, "stock weight must not be negative")
    _check(data.abnormal_g >= 0, "rejected weight must not be negative")
    _check(Decimal(0) <= data.vat_rate < Decimal(1), "VAT rate must be in [0, 1)")
    _check(min(data.buyer_deductions_fen, data.logistics_fen, data.packing_fen) >= 0, "amounts must not be negative")
    _check_households(data.households)

    buyer_gross = amount_for(data.delivered_price, Weight.from_grams(data.accepted_g)).fen
    _check(data.buyer_deductions_fen <= buyer_gross, "buyer deductions exceed what the buyer owes",
           "deductions_exceed_buyer_total")
    buyer_total = buyer_gross - data.buyer_deductions_fen
    field_g = sum(line.grams for h in data.households for line in h.lines)
    lost_g = field_g + data.stock_g - data.accepted_g
    if data.reject_policy == "pro_rata":
        _check(lost_g >= 0, "more accepted than delivered")
        # the warehouse's part bears its own share of the rejects; the households share the rest
        households_lost = _by_weight(lost_g, field_g, data.stock_g)[0]
        payable = _pass_back(data.households, households_lost)
    else:
        payable = {(h.household_id, line.grade_id): line.grams for h in data.households for line in h.lines}

    results = [_household(household, payable, data.vat_rate)
               for household in sorted(data.households, key=lambda h: h.household_id)]
    purchase_total = sum(h.gross_fen for h in results)
    total_vat = sum(h.input_vat_fen for h in results)
    margin = buyer_total - purchase_total - data.logistics_fen - data.packing_fen
    abnormal_g = min(data.abnormal_g, max(lost_g, 0))
    abnormal_field_g, abnormal_stock_g = _by_weight(abnormal_g, field_g, data.stock_g)
    loss_cost = loss_vat = 0
    if data.reject_policy == "company_bears" and abnormal_field_g:
        loss_cost = share(purchase_total - total_vat, abnormal_field_g, field_g)
        loss_vat = share(total_vat, abnormal_field_g, field_g)
    settlement = OrderSettlement(
        buyer_gross_fen=buyer_gross, buyer_deductions_fen=data.buyer_deductions_fen, buyer_total_fen=buyer_total,
        households=tuple(results), purchase_total_fen=purchase_total, input_vat_fen=total_vat,
        purchase_cost_fen=purchase_total - total_vat, logistics_fen=data.logistics_fen,
        packing_fen=data.packing_fen, margin_fen=margin, field_g=field_g, accepted_g=data.accepted_g,
        lost_g=lost_g, stock_g=data.stock_g, abnormal_g=abnormal_g, abnormal_stock_g=abnormal_stock_g,
        loss_cost_fen=loss_cost, loss_vat_fen=loss_vat)
    assert settlement.reconciles()
    return settlement


def _by_weight(grams: int, field_g: int, stock_g: int) -> tuple[int, int]:
    """``grams`` shared between the field and the warehouse by their weights (largest remainder)."""
    if not grams or field_g + stock_g == 0:
        return 0, 0
    shares = split_largest_remainder(grams, {0: field_g, 1: stock_g})
    return shares[0], shares[1]


def stock_loss(issued_fen: int, abnormal_stock_g: int, stock_g: int, rate: Decimal = DEFAULT_VAT_RATE) -> tuple[int, int]:
    """(cost, input VAT transferred out) of the warehouse's share of an abnormal loss.

    The cost is that share of what the stock was issued at, ``round(issued × share ÷ stock g)``;
    the VAT is what that cost carried when it was bought (``stock.costing.input_vat_out``).
    """
    if not abnormal_stock_g or not stock_g:
        return 0, 0
    _check(0 < abnormal_stock_g <= stock_g and issued_fen >= 0, "the lost stock exceeds the stock issued")
    cost = share(issued_fen, abnormal_stock_g, stock_g)
    return cost, input_vat_out(cost, rate)


def _household(household: HouseholdDelivery, payable: dict[tuple[int, int], int], vat_rate: Decimal) -> HouseholdResult:
    """One household's amounts: each line what its slips printed (or its payable grams at its price,
    rounded once), less the rejects passed back; VAT of the invoice; advances first, then input
    credit, recovered as far as the gross allows."""
    lines = tuple(HouseholdLineResult(
        grade_id=line.grade_id, field_g=line.grams, payable_g=payable[(household.household_id, line.grade_id)],
        price=line.price, amount_fen=_line_amount(line, payable[(household.household_id, line.grade_id)]))
        for line in sorted(household.lines, key=lambda l: l.grade_id))
    gross = sum(line.amount_fen for line in lines)
    vat, _cost = input_vat(gross, vat_rate)
    advances = min(household.advances_fen, gross)
    credit = min(household.input_credit_fen, gross - advances)
    return HouseholdResult(
        household_id=household.household_id, lines=lines, field_g=sum(l.field_g for l in lines),
        payable_g=sum(l.payable_g for l in lines), gross_fen=gross, input_vat_fen=vat,
        recovered_advances_fen=advances, recovered_input_credit_fen=credit, net_fen=gross - advances - credit,
        carried_over_fen=household.advances_fen + household.input_credit_fen - advances - credit)


def _line_amount(line: DeliveryLine, payable_g: int) -> int:
    if line.slips_fen is None:
        return amount_for(line.price, Weight.from_grams(payable_g)).fen
    if payable_g == 0:
        return 0
    passed_back = amount_for(line.price, Weight.from_grams(line.grams - payable_g)).fen
    return max(0, line.slips_fen - passed_back)


def _check_households(households: tuple[HouseholdDelivery, ...]) -> None:
    ids = [h.household_id for h in households]
    _check(len(ids) == len(set(ids)), "a household appears twice")
    for household in households:
        _check(min(household.advances_fen, household.input_credit_fen) >= 0, "deductions must not be negative")
        grades = [line.grade_id for line in household.lines]
        _check(len(grades) == len(set(grades)), "a grade appears twice for one household")
        for line in household.lines:
            _check(line.grams >= 0 and line.price >= 0, "weights and prices must not be negative")
            _check(line.slips_fen is None or line.slips_fen >= 0, "amounts must not be negative")


@dataclass(frozen=True)
class PurchaseBatch:
    """A batch of contract deliveries the company buys for its own stock (订单式收购)."""

    households: tuple[HouseholdResult, ...]
    purchase_total_fen: int
    input_vat_fen: int
    #: what goes into stock (库存商品): the purchase price less the input VAT
    purchase_cost_fen: int
    field_g: int

    def reconciles(self) -> bool:
        return (self.purchase_total_fen == sum(h.gross_fen for h in self.households)
                and self.purchase_total_fen == sum(h.net_fen + h.recovered_advances_fen + h.recovered_input_credit_fen
                                                   for h in self.households)
                and self.purchase_total_fen == self.input_vat_fen + self.purchase_cost_fen
                and self.input_vat_fen == sum(h.input_vat_fen for h in self.households))


def settle_purchases(households: tuple[HouseholdDelivery, ...], vat_rate: Decimal = DEFAULT_VAT_RATE) -> PurchaseBatch:
    """Each household's invoice, deductions and net for a batch of contract deliveries.

    A line's ``grade_id`` is its key within the household: the service passes one line per grade
    and price, since a contract's price can differ from one delivery to the next.

    :raises SettlementError: negative quantities or amounts, a VAT rate outside [0, 1).
    """
    _check(Decimal(0) <= vat_rate < Decimal(1), "VAT rate must be in [0, 1)")
    _check_households(households)
    payable = {(h.household_id, line.grade_id): line.grams for h in households for line in h.lines}
    results = tuple(_household(h, payable, vat_rate) for h in sorted(households, key=lambda h: h.household_id))
    total = sum(h.gross_fen for h in results)
    vat = sum(h.input_vat_fen for h in results)
    batch = PurchaseBatch(households=results, purchase_total_fen=total, input_vat_fen=vat, purchase_cost_fen=total - vat,
                          field_g=sum(h.field_g for h in results))
    assert batch.reconciles()
    return batch


def _pass_back(households: tuple[HouseholdDelivery, ...], lost_g: int) -> dict[tuple[int, int], int]:
    """Share the lost grams over households by field kg, then over each one's grades."""
    weights = {h.household_id: sum(l.grams for l in h.lines) for h in households}
    if sum(weights.values()) == 0:
        return {(h.household_id, l.grade_id): 0 for h in households for l in h.lines}
    per_household = split_largest_remainder(lost_g, weights)
    payable: dict[tuple[int, int], int] = {}
    for household in households:
        share = split_largest_remainder(per_household[household.household_id],
                                        {l.grade_id: l.grams for l in household.lines}) if household.lines else {}
        for line in household.lines:
            payable[(household.household_id, line.grade_id)] = line.grams - share.get(line.grade_id, 0)
    return payable


def input_vat(purchase_fen: int, rate: Decimal = DEFAULT_VAT_RATE) -> tuple[int, int]:
    """(calculated input VAT, cost) of a purchase invoice: the tax first, the cost the remainder."""
    vat = int(round_half_up(Decimal(purchase_fen) * rate, Decimal(1)))
    return vat, purchase_fen - vat
