"""What an order settlement contributes to profit, and why that differs from its cash margin. Pure.

The settlement's **margin** is cash: what the supermarket pays, less what the households are paid,
less the logistics and packing paid out. The books see the same sale net of tax:

- revenue (5001) is the buyer total less its 销项税额;
- cost of goods (5401) is the purchase less the input VAT its 农产品收购发票 let the company deduct;
- logistics and packing (5601) are what was paid less the VAT their 专用发票 let it deduct;
- the part of the order filled from the warehouse costs what the stock was issued at (5401 from
  1405): the company paid for it when it was bought, so it is no cash out of this settlement.

So gross profit = margin − output VAT + purchase input VAT + the costs' deductible VAT − the
stock's cost, exactly;
the settlement page shows both and this bridge between them line by line.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class ProfitDoesNotTie(ValueError):
    """The settlement's stored figures do not make the bridge add up: they were changed by hand."""


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
    stock_cost: Decimal = Decimal(0)

    @property
    def bridge(self) -> list[tuple[str, Decimal]]:
        """From the cash margin to gross profit: (what, amount with its sign), the last is the result."""
        return [("cash_margin", self.cash_margin), ("output_vat", -self.output_vat),
                ("purchase_input_vat", self.purchase_input_vat), ("costs_input_vat", self.costs_input_vat),
                *([("stock_cost", -self.stock_cost)] if self.stock_cost else []),
                ("gross_profit", self.gross_profit)]


def contribution(*, buyer_total: Decimal, output_vat: Decimal, purchase_total: Decimal, input_vat: Decimal,
                 logistics: Decimal, packing: Decimal, logistics_input_vat: Decimal, packing_input_vat: Decimal,
                 margin: Decimal, stock_cost: Decimal = Decimal(0)) -> ProfitContribution:
    revenue = buyer_total - output_vat
    cost_of_goods = purchase_total - input_vat
    logistics_net, packing_net = logistics - logistics_input_vat, packing - packing_input_vat
    gross_profit = revenue - cost_of_goods - stock_cost - logistics_net - packing_net
    costs_vat = logistics_input_vat + packing_input_vat
    if margin != buyer_total - purchase_total - logistics - packing \
            or gross_profit != margin - output_vat + input_vat + costs_vat - stock_cost:
        raise ProfitDoesNotTie(f"margin {margin} and gross profit {gross_profit} do not tie")
    return ProfitContribution(revenue=revenue, cost_of_goods=cost_of_goods, logistics=logistics_net,
                              packing=packing_net, gross_profit=gross_profit, cash_margin=margin,
                              output_vat=output_vat, purchase_input_vat=input_vat, costs_input_vat=costs_vat,
                              stock_cost=stock_cost)


def of(settlement, stock_cost: Decimal = Decimal(0)) -> ProfitContribution:
    """The contribution of an order settlement (a contract batch goes to stock: it sells nothing);
    ``stock_cost`` is what its posting issued from the warehouse."""
    return contribution(buyer_total=settlement.buyer_total, output_vat=settlement.output_vat,
                        purchase_total=settlement.purchase_total, input_vat=settlement.input_vat,
                        logistics=settlement.logistics, packing=settlement.packing,
                        logistics_input_vat=settlement.logistics_input_vat,
                        packing_input_vat=settlement.packing_input_vat, margin=settlement.margin,
                        stock_cost=stock_cost)
