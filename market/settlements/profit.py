"""What an order settlement contributes to profit, and why that differs from its cash margin. Pure.

The settlement's **margin** is cash: what the supermarket pays, less what the households are paid,
less the logistics and packing paid out. The books see the same sale net of tax:

- revenue (5001) is the buyer total less its 销项税额;
- cost of goods (5401) is the purchase less the input VAT its 农产品收购发票 let the company deduct;
- logistics and packing (5601) are what was paid less the VAT their 专用发票 let it deduct;
- the part of the order filled from the warehouse costs what the stock was issued at (5401 from
  1405): the company paid for it when it was bought, so it is no cash out of this settlement;
- what the supermarket rejected for quality above its threshold and the company paid for is an
  abnormal loss (5711 营业外支出): its cost leaves the cost of goods, and the input VAT it carried
  is transferred out (进项税额转出) and added to the loss — that VAT is all it costs the profit.

So what it adds to profit = margin − output VAT + purchase input VAT + the costs' deductible VAT
− the stock issued − the VAT transferred out, exactly; the settlement page shows both and this
bridge between them line by line.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..units import Money, Weight
from . import splits


class ProfitDoesNotTie(ValueError):
    """The settlement's stored figures do not make the bridge add up: they were changed by hand."""


@dataclass(frozen=True)
class AbnormalLoss:
    """An order's abnormal loss as booked: 借5711 (its cost and VAT) / 贷5401 (its cost) / 贷22210103 (its VAT)."""

    #: the field share's cost, out of the purchase's cost of goods
    field_cost: Decimal = Decimal(0)
    #: the warehouse's share's cost, out of the stock issued
    stock_cost: Decimal = Decimal(0)
    #: the input VAT both carried, transferred out
    vat: Decimal = Decimal(0)

    @property
    def cost(self) -> Decimal:
        return self.field_cost + self.stock_cost

    @property
    def total(self) -> Decimal:
        return self.cost + self.vat


NO_LOSS = AbnormalLoss()
#: 营业外支出
LOSS_ACCOUNT = "5711"


def abnormal_loss(settlement, stock_issued: Decimal, deduction_rate: Decimal) -> AbnormalLoss:
    """The abnormal loss of an order settlement: the field share as computed with it, the warehouse's
    share from what its stock was issued at (``splits.stock_loss``)."""
    stock_g = Weight(settlement.accepted_kg).grams + Weight(settlement.lost_kg).grams - Weight(settlement.field_kg).grams
    cost, vat = splits.stock_loss(Money(stock_issued).fen, Weight(settlement.abnormal_stock_kg).grams, stock_g,
                                  deduction_rate)
    return AbnormalLoss(field_cost=settlement.loss_cost, stock_cost=Money.from_fen(cost).yuan,
                        vat=settlement.loss_vat + Money.from_fen(vat).yuan)


@dataclass(frozen=True)
class ProfitContribution:
    revenue: Decimal
    cost_of_goods: Decimal
    logistics: Decimal
    packing: Decimal
    gross_profit: Decimal
    cash_margin: Decimal
    output_vat: Decimal
    purchase_input_vat: Decimal
    costs_input_vat: Decimal
    #: 5401 for the stock sold from the warehouse (what was issued, less its share of the abnormal loss)
    stock_cost: Decimal = Decimal(0)
    #: what the warehouse issued for the order, at cost
    stock_issued: Decimal = Decimal(0)
    #: 5711: the abnormal loss, its cost and the input VAT transferred out
    abnormal_loss: Decimal = Decimal(0)
    vat_transferred_out: Decimal = Decimal(0)

    @property
    def bridge(self) -> list[tuple[str, Decimal]]:
        """From the cash margin to gross profit: (what, amount with its sign), the last is the result."""
        return [("cash_margin", self.cash_margin), ("output_vat", -self.output_vat),
                ("purchase_input_vat", self.purchase_input_vat), ("costs_input_vat", self.costs_input_vat),
                *([("stock_cost", -self.stock_issued)] if self.stock_issued else []),
                *([("vat_transferred_out", -self.vat_transferred_out)] if self.vat_transferred_out else []),
                ("gross_profit", self.gross_profit)]


def contribution(*, buyer_total: Decimal, output_vat: Decimal, purchase_total: Decimal, input_vat: Decimal,
                 logistics: Decimal, packing: Decimal, logistics_input_vat: Decimal, packing_input_vat: Decimal,
                 margin: Decimal, stock_cost: Decimal = Decimal(0), loss: AbnormalLoss = NO_LOSS) -> ProfitContribution:
    """``stock_cost`` is what the warehouse issued for the order; ``loss`` its abnormal loss."""
    revenue = buyer_total - output_vat
    cost_of_goods = purchase_total - input_vat - loss.field_cost
    stock_net = stock_cost - loss.stock_cost
    logistics_net, packing_net = logistics - logistics_input_vat, packing - packing_input_vat
    gross_profit = revenue - cost_of_goods - stock_net - logistics_net - packing_net - loss.total
    costs_vat = logistics_input_vat + packing_input_vat
    if margin != buyer_total - purchase_total - logistics - packing \
            or min(cost_of_goods, stock_net, loss.field_cost, loss.stock_cost, loss.vat) < 0 \
            or gross_profit != margin - output_vat + input_vat + costs_vat - stock_cost - loss.vat:
        raise ProfitDoesNotTie(f"margin {margin} and gross profit {gross_profit} do not tie")
    return ProfitContribution(revenue=revenue, cost_of_goods=cost_of_goods, logistics=logistics_net,
                              packing=packing_net, gross_profit=gross_profit, cash_margin=margin,
                              output_vat=output_vat, purchase_input_vat=input_vat, costs_input_vat=costs_vat,
                              stock_cost=stock_net, stock_issued=stock_cost, abnormal_loss=loss.total,
                              vat_transferred_out=loss.vat)


def of(settlement, stock_cost: Decimal = Decimal(0), deduction_rate: Decimal = splits.DEFAULT_VAT_RATE
       ) -> ProfitContribution:
    """The contribution of an order settlement (a contract batch goes to stock: it sells nothing);
    ``stock_cost`` is what its posting issued from the warehouse, ``deduction_rate`` the rate its
    input VAT was deducted at when it was bought."""
    return contribution(buyer_total=settlement.buyer_total, output_vat=settlement.output_vat,
                        purchase_total=settlement.purchase_total, input_vat=settlement.input_vat,
                        logistics=settlement.logistics, packing=settlement.packing,
                        logistics_input_vat=settlement.logistics_input_vat,
                        packing_input_vat=settlement.packing_input_vat, margin=settlement.margin,
                        stock_cost=stock_cost, loss=abnormal_loss(settlement, stock_cost, deduction_rate))
