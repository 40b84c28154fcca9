"""What a posted settlement writes: its vouchers (the ledger rules of a settlement) and a purchase
invoice (农产品收购发票) for each household it pays."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from models import Household, PartyType, PurchaseInvoice, Settlement, SettlementKind, db, utcnow

from ..input_credits import services as input_credits
from ..ledger.services import INPUT_VAT, INPUT_VAT_OUT, OUTPUT_VAT, LineInput
from ..numbering import next_numbers
from ..stock import services as stock
from ..units import Money
from ..privacy import mask_id_number
from . import profit


@dataclass(frozen=True)
class VoucherPlan:
    key: str
    summary: str
    lines: list[LineInput]
    attachments: int = 1


def voucher_plan(settlement: Settlement) -> list[VoucherPlan]:
    """The vouchers a settlement posts (empty ones left out):

    - 销售: Dr 1122 应收账款 (buyer) / Cr 5001 主营业务收入 (不含税金额) + Cr 22210102 销项税额
      (none on an exempt sale, nor on one settled before output VAT was booked); when part of the
      order came from the warehouse, in the same voucher Dr 5401 主营业务成本 / Cr 1405 库存商品 at
      the cost the stock was issued at
    - 收购: Dr 5401 主营业务成本 (or 1405 库存商品 for stock) + Dr 22210101 进项税额 / Cr 2202 应付账款 (each household)
    - 扣回预付款、农资款: Dr 2202 (household) / Cr 1123 预付账款 and 1221 其他应收款 (household)
    - 费用: Dr 5601 销售费用 (net of deductible VAT) + Dr 22210101 进项税额 (the special invoices') /
      Cr 2202 应付账款 (the supplier) for each of the logistics and the packing that names its supplier,
      the whole amount, and Cr 1002 银行存款 for the rest (paid on the settlement day)
    - 非正常损失 (what the supermarket rejected for quality above its threshold, as far as the company
      paid for it): Dr 5711 营业外支出 (cost + VAT) / Cr 5401 主营业务成本 (its cost, out of the purchase
      and the stock issued above) + Cr 22210103 进项税额转出 (the input VAT that cost carried)
    """
    plans = []
    what = settlement.order.number if settlement.order else settlement.number
    stock_cost = Money.from_fen(stock.issued_cost(settlement.id)).yuan if settlement.id else Decimal(0)
    # The warehouse's part of the order leaves 1405 at cost in the same voucher as the sale.
    issue = [LineInput("5401", debit=stock_cost, memo="库存商品出库成本"),
             LineInput(stock.STOCK, credit=stock_cost, memo="库存商品出库")] if stock_cost > 0 else []
    if settlement.kind is SettlementKind.ORDER and settlement.buyer_total > 0:
        plans.append(VoucherPlan("sale", f"销售{what}给{settlement.buyer.name}", [
            LineInput("1122", debit=settlement.buyer_total, party_type=PartyType.BUYER, party_id=settlement.buyer_id),
            *issue,
            *([LineInput("5001", credit=settlement.sale_net)] if settlement.sale_net > 0 else []),
            *([LineInput(OUTPUT_VAT, credit=settlement.output_vat, memo=f"销项税额 {settlement.sale_vat_rate_pct.normalize():f}%")]
              if settlement.output_vat > 0 else [])]))
    elif issue:
        plans.append(VoucherPlan("stock", f"{what}库存商品出库", issue))
    payables = [LineInput("2202", credit=line.gross, party_type=PartyType.HOUSEHOLD, party_id=line.household_id,
                          memo=line.household.head_name) for line in settlement.households if line.gross > 0]
    if payables:
        cost_account = "5401" if settlement.kind is SettlementKind.ORDER else "1405"
        debits = [LineInput(cost_account, debit=settlement.purchase_cost)] if settlement.purchase_cost > 0 else []
        if settlement.input_vat > 0:
            debits.append(LineInput(INPUT_VAT, debit=settlement.input_vat))
        plans.append(VoucherPlan("purchase", f"收购{what}农产品（{len(payables)}户收购发票）", debits + payables,
                                 attachments=len(payables)))
    recovered = [line for line in settlement.households if line.recovered_advances + line.recovered_input_credit > 0]
    if recovered:
        lines = []
        for line in recovered:
            party = {"party_type": PartyType.HOUSEHOLD, "party_id": line.household_id, "memo": line.household.head_name}
            lines.append(LineInput("2202", debit=line.recovered_advances + line.recovered_input_credit, **party))
            if line.recovered_advances > 0:
                lines.append(LineInput("1123", credit=line.recovered_advances, **party))
            if line.recovered_input_credit > 0:
                lines.append(LineInput(input_credits.RECEIVABLE_ACCOUNT, credit=line.recovered_input_credit, **party))
        what_back = "、".join(name for name, present in (
            ("预付款", any(line.recovered_advances > 0 for line in recovered)),
            ("赊销农资款", any(line.recovered_input_credit > 0 for line in recovered))) if present)
        plans.append(VoucherPlan("advances", f"{what}结算扣回{what_back}", lines))
    if settlement.costs > 0:
        deductible = settlement.costs_input_vat
        invoices = "、".join(number for number in (settlement.logistics_invoice_no, settlement.packing_invoice_no)
                            if number)
        lines = [LineInput("5601", debit=settlement.costs - deductible, memo="物流、包装")]
        if deductible > 0:
            lines.append(LineInput(INPUT_VAT, debit=deductible, memo=f"专用发票 {invoices}"[:255]))
        lines.extend(cost_credits(settlement))
        plans.append(VoucherPlan("costs", f"{what}物流包装费", lines, attachments=1 + bool(invoices)))
    if settlement.kind is SettlementKind.ORDER:
        loss = profit.abnormal_loss(settlement, stock_cost, stock.deduction_rate())
        if loss.total > 0:
            kg = f"{settlement.abnormal_kg.normalize():f}"
            plans.append(VoucherPlan("loss", f"{what}超市拒收{kg}公斤（超过拒收标准）非正常损失", [
                LineInput(profit.LOSS_ACCOUNT, debit=loss.total, memo="非正常损失"),
                *([LineInput("5401", credit=loss.cost, memo="转出拒收部分成本")] if loss.cost > 0 else []),
                *([LineInput(INPUT_VAT_OUT, credit=loss.vat, memo="非正常损失进项税额转出")] if loss.vat > 0 else [])]))
    return plans


def cost_credits(settlement: Settlement) -> list[LineInput]:
    """The credit side of the costs voucher: what is owed to a named supplier goes to 2202 by that
    supplier (the logistics and the packing each on their own line, even to one supplier: each is its
    own invoice); what names none was paid from the bank on the settlement day (one 1002 line)."""
    lines, paid = [], Decimal(0)
    for cost, memo in (("logistics", "物流费"), ("packing", "包装费")):
        amount, supplier_id = getattr(settlement, cost), getattr(settlement, f"{cost}_supplier_id")
        if amount <= 0:
            continue
        if supplier_id is None:
            paid += amount
            continue
        number = getattr(settlement, f"{cost}_invoice_no")
        lines.append(LineInput("2202", credit=amount, party_type=PartyType.SUPPLIER, party_id=supplier_id,
                               memo=f"{memo} {number}".strip() if number else memo))
    if paid > 0:
        lines.append(LineInput("1002", credit=paid))
    return lines


def issue_invoices(settlement: Settlement) -> None:
    """A purchase invoice for each household the settlement pays that has none yet, numbered in one go."""
    product = settlement.slips[0].variety.product.name if settlement.slips else ""
    issued = set(db.session.scalars(select(PurchaseInvoice.line_id).where(
        PurchaseInvoice.line_id.in_([line.id for line in settlement.households]))))
    lines = [line for line in settlement.households if line.gross > 0 and line.id not in issued]
    if not lines:
        return
    # the households, their villages and groups at once, not one by one
    db.session.scalars(select(Household).where(Household.id.in_([line.household_id for line in lines]))
                       .options(selectinload(Household.village), selectinload(Household.group))).all()
    numbers = next_numbers(PurchaseInvoice.number, f"SG{settlement.settle_on.year}-", len(lines))
    rows = []
    for line, number in zip(lines, numbers):
        household = line.household
        address = "".join(part for part in (household.village.county, household.village.township,
                                             household.village.name, household.group.name if household.group else "")
                          if part)
        rows.append(dict(
            number=number, line_id=line.id, issued_on=settlement.settle_on, seller_name=household.head_name,
            seller_id_masked=mask_id_number(household.id_number) if household.id_number else "",
            seller_address=address[:255], product_name=product[:64], quantity_kg=line.payable_kg, amount=line.gross,
            vat_rate_pct=settlement.vat_rate_pct, vat=line.input_vat, cost=line.gross - line.input_vat,
            created_at=utcnow()))
    # in one statement: nothing here needs their ids back (a settlement of 1,000 households writes 1,000)
    db.session.execute(insert(PurchaseInvoice), rows)
    for line in lines:
        db.session.expire(line, ["invoice"])
