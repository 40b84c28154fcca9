"""Stock at cost: 移动加权平均 (moving weighted average), exact to the fen. Pure: no database.

A stock item (one variety and grade) holds a quantity in grams and a value in fen. Its unit
cost is value ÷ quantity, kept exact as that pair and never rounded on its own.

- **Receipt** (入库): quantity and value add; the average moves.
- **Issue** (出库: a sale from stock, a loss found at a count) takes ``round_half_up(value ×
  issued g ÷ quantity)`` fen, rounded once (四舍五入); the **issue that empties the item takes
  the whole remaining value**, so the value reaches exactly 0 with the quantity. An issue of more
  than is held is refused, so neither ever goes negative (an issue never takes more value than
  the item holds: the rounded share of an integer is at most that integer).
- **Surplus** (盘盈) comes in at the market price of the day when there is one (小企业会计准则 第十二条:
  盘盈存货的成本按同类或类似存货的市场价格确定): ``round_half_up(元/公斤 × kg)`` to the fen. Without a
  price it comes in at the item's own average cost, rounded the same way; an item with nothing on
  hand uses the average of its last receipt (``last``); with none of these it is refused.
- **进项税额转出** of an abnormal loss: the stock's cost was the purchase price less the 9 %
  calculated deduction (农产品收购发票: 买价 × 9 % deducted, cost = 买价 × 91 %), so the input VAT
  that cost carried is ``round_half_up(cost ÷ (1 − rate) × rate)`` fen (at 9 %: cost × 9/91).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from ..units import round_half_up

DEFAULT_DEDUCTION_RATE = Decimal("0.09")


class StockError(ValueError):
    """A movement the stock cannot take; ``code`` says which rule it breaks."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Balance:
    grams: int = 0
    fen: int = 0

    def __post_init__(self) -> None:
        if self.grams < 0 or self.fen < 0:
            raise StockError("negative", "stock quantity and value never go negative")
        if self.grams == 0 and self.fen != 0:
            raise StockError("value_without_quantity", "an empty item holds no value")


def share(fen: int, grams: int, of_grams: int) -> int:
    """fen × grams ÷ of_grams, rounded half up to the fen (once)."""
    return int(round_half_up(Decimal(fen) * Decimal(grams) / Decimal(of_grams), Decimal(1)))


def receive(balance: Balance, grams: int, fen: int) -> Balance:
    if grams <= 0:
        raise StockError("quantity", "a receipt brings a quantity above zero")
    if fen < 0:
        raise StockError("value", "a receipt's value is not negative")
    return Balance(balance.grams + grams, balance.fen + fen)


def issue(balance: Balance, grams: int) -> tuple[int, Balance]:
    """(the cost issued, the balance after). :raises StockError: more than is held, or nothing."""
    if grams <= 0:
        raise StockError("quantity", "an issue takes a quantity above zero")
    if grams > balance.grams:
        raise StockError("insufficient", f"only {balance.grams} g in stock, {grams} g asked")
    cost = balance.fen if grams == balance.grams else share(balance.fen, grams, balance.grams)
    return cost, Balance(balance.grams - grams, balance.fen - cost)


def withdraw(balance: Balance, grams: int, fen: int) -> Balance:
    """A receipt taken back out at the value it came in at (its settlement reversed).

    :raises StockError: less is held than the receipt brought, or what would be left is not a
        balance (value left without quantity, or more value taken than is held).
    """
    if grams <= 0 or fen < 0:
        raise StockError("quantity", "a withdrawal takes a quantity above zero at a value not below zero")
    if grams > balance.grams:
        raise StockError("insufficient", f"only {balance.grams} g in stock, {grams} g asked")
    return Balance(balance.grams - grams, balance.fen - fen)


def surplus(balance: Balance, grams: int, last: Balance | None = None,
            price_fen: int | None = None) -> tuple[int, Balance]:
    """(the value a surplus comes in at, the balance after): at ``price_fen`` (fen per kg, the
    market price) when given, else at the average on hand, else at ``last``'s.

    :raises StockError: no quantity, a negative price, or no cost known for the item.
    """
    if grams <= 0:
        raise StockError("quantity", "a surplus brings a quantity above zero")
    if price_fen is not None:
        if price_fen < 0:
            raise StockError("value", "a price is not negative")
        value = share(price_fen, grams, 1000)
        return value, Balance(balance.grams + grams, balance.fen + value)
    basis = balance if balance.grams > 0 else last
    if basis is None or basis.grams <= 0:
        raise StockError("no_cost", "the item has no cost to value a surplus at")
    value = share(basis.fen, grams, basis.grams)
    return value, Balance(balance.grams + grams, balance.fen + value)


def input_vat_out(cost_fen: int, rate: Decimal = DEFAULT_DEDUCTION_RATE) -> int:
    """The input VAT once deducted on stock of cost ``cost_fen``: cost ÷ (1 − rate) × rate, to the fen."""
    if not Decimal(0) <= rate < Decimal(1):
        raise StockError("rate", "the deduction rate is in [0, 1)")
    if cost_fen < 0:
        raise StockError("value", "a cost is not negative")
    return int(round_half_up(Decimal(cost_fen) * rate / (Decimal(1) - rate), Decimal(1)))


#: the kinds of movement and which way each goes
INWARD = frozenset({"receipt", "count_surplus"})
OUTWARD = frozenset({"sale_issue", "count_loss_normal", "count_loss_abnormal"})


@dataclass(frozen=True)
class Step:
    """One movement as replayed: its kind, grams, the value it carried (fen) and, for a surplus
    valued at the market, the price it was valued at (fen per kg)."""

    kind: str
    grams: int
    fen: int
    price_fen: int | None = None


def replay(steps: Iterable[Step]) -> list[Balance]:
    """The running balance after each step, re-deriving every outward value from the rule above.

    :raises StockError: a step that breaks a rule (an outward value other than the rule's, a surplus
        at another value, more issued than held, an unknown kind).
    """
    balance, last_receipt, balances = Balance(), None, []
    for step in steps:
        if step.kind == "receipt":
            balance = receive(balance, step.grams, step.fen)
            last_receipt = Balance(step.grams, step.fen)
        elif step.kind == "issue_returned":  # an issue put back at the value it went out at
            balance = receive(balance, step.grams, step.fen)
        elif step.kind == "receipt_reversed":  # a receipt taken back out at the value it came in at
            balance = withdraw(balance, step.grams, step.fen)
        elif step.kind == "count_surplus":
            value, balance = surplus(balance, step.grams, last_receipt, step.price_fen)
            if value != step.fen:
                raise StockError("value", f"a surplus of {step.grams} g comes in at {value} fen, not {step.fen}")
        elif step.kind in OUTWARD:
            cost, balance = issue(balance, step.grams)
            if cost != step.fen:
                raise StockError("value", f"an issue of {step.grams} g costs {cost} fen, not {step.fen}")
        else:
            raise StockError("kind", f"unknown movement {step.kind!r}")
        balances.append(balance)
    return balances
