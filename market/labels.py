"""Translated names of every enum value people see."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from models import (AllocationPolicy, PayeeChangeStatus, ContractStatus, DeductionKind, LotStatus, OrderStatus, PayoutMethod,
                    PrepaymentKind, PriceMechanism, QuantityUnit, RejectPolicy, RoleName, RunStatus, SaleMode,
                    SlipStatus)
from models import CertificateBasis, ReceiptOutcome
from models import AccountKind, PartyType, PeriodStatus, VoucherSource, VoucherStatus
from models import DepositOutcome, PaymentKind, SettlementKind, SettlementStatus
from models import LossKind, StockCountStatus, StockMovementKind
from models import AdjustmentKind, AdjustmentStatus, ReversalStatus

#: (enum member, label) pairs. Keyed below by (enum type, value): str-enums of different types with
#: the same value ("draft", "fixed") compare equal, so a plain dict would mix them up.
_PAIRS: list[tuple[enum.Enum, object]] = [
    (CertificateBasis.QUALITY_CONTROL, _l("Quality and safety control (质量安全控制)")),
    (CertificateBasis.OWN_TEST, _l("Own testing (自行检测)")),
    (CertificateBasis.LAB_TEST, _l("Commissioned testing (委托检测)")),
    (ReceiptOutcome.ACCEPTED, _l("Accepted in full")),
    (ReceiptOutcome.DEDUCTED, _l("Accepted with a deduction")),
    (ReceiptOutcome.REJECTED, _l("Rejected")),
    # buyer orders; their draft, allocated and confirmed share the labels below
    (OrderStatus.OPEN, _l("Open")),
    (OrderStatus.COLLECTING, _l("Collecting")),
    (OrderStatus.SHIPPED, _l("Shipped")),
    (OrderStatus.RECEIVED, _l("Received")),
    (OrderStatus.SETTLED, _l("Settled")),
    (OrderStatus.CANCELLED, _l("Cancelled")),
    (SaleMode.FIELD_DIRECT, _l("Field-direct picking (田间直采)")),
    (SaleMode.FARM_TO_SUPERMARKET, _l("Farm to supermarket (农超直销)")),
    (RejectPolicy.COMPANY_BEARS, _l("The company bears them")),
    (RejectPolicy.PRO_RATA, _l("Passed back to households pro rata")),
    (AllocationPolicy.FAIR, _l("Fair shares")),
    (AllocationPolicy.OPTIMAL, _l("Lowest cost")),
    (RunStatus.PROPOSED, _l("Proposed")),
    (RunStatus.SUPERSEDED, _l("Replaced")),
    (RoleName.VILLAGER, _l("Villager")),
    (RoleName.COORDINATOR, _l("Party-group coordinator")),
    (RoleName.ACCOUNTANT, _l("Accountant")),
    (RoleName.CASHIER, _l("Cashier")),
    (RoleName.CHIEF_ACCOUNTANT, _l("Chief accountant")),
    (RoleName.BUYER, _l("Buyer")),
    (RoleName.ADMIN, _l("Administrator")),
    (LotStatus.LISTED, _l("Listed")),
    (LotStatus.ALLOCATED, _l("Allocated")),
    (LotStatus.COLLECTED, _l("Collected")),
    (LotStatus.CLOSED, _l("Closed")),
    (LotStatus.WITHDRAWN, _l("Withdrawn")),
    (QuantityUnit.JIN, _l("jin (斤)")),
    (QuantityUnit.KG, _l("kg (公斤)")),
    (QuantityUnit.TONNE, _l("tonne (吨)")),
    (ContractStatus.DRAFT, _l("Draft")),
    (ContractStatus.SIGNED, _l("Signed")),
    (ContractStatus.ACTIVE, _l("Active")),
    (ContractStatus.FULFILLED, _l("Fulfilled")),
    (ContractStatus.TERMINATED, _l("Terminated")),
    (PriceMechanism.FIXED, _l("Fixed price")),
    (PriceMechanism.FLOOR, _l("Floor price (higher of floor and market)")),
    (PriceMechanism.MARKET_PLUS, _l("Market price plus a premium")),
    (PriceMechanism.BASE_BONUS, _l("Base price plus a later bonus")),
    (PrepaymentKind.DEPOSIT, _l("Deposit (定金)")),
    (PrepaymentKind.ADVANCE, _l("Advance (预付款)")),
    (DeductionKind.NONE, _l("No deduction")),
    (DeductionKind.PERCENT, _l("Percent of gross less tare")),
    (DeductionKind.FIXED, _l("Fixed kilograms")),
    (DeductionKind.PER_UNIT, _l("Kilograms per crate")),
    (SlipStatus.CONFIRMED, _l("Confirmed")),
    (SlipStatus.VOID, _l("Void")),
    (PayoutMethod.BANK, _l("Bank card")),
    (PayoutMethod.WECHAT, _l("WeChat")),
    (PayoutMethod.CASH, _l("Cash")),
    (OrderStatus.DRAFT, _l("Draft")),
    (OrderStatus.ALLOCATED, _l("Allocated")),
    (RunStatus.CONFIRMED, _l("Confirmed")),
    (AccountKind.ASSET, _l("Asset")),
    (AccountKind.LIABILITY, _l("Liability")),
    (AccountKind.EQUITY, _l("Equity")),
    (AccountKind.COST, _l("Cost")),
    (AccountKind.REVENUE, _l("Revenue")),
    (AccountKind.EXPENSE, _l("Expense")),
    (PartyType.NONE, _l("No party")),
    (PartyType.HOUSEHOLD, _l("Household")),
    (PartyType.BUYER, _l("Buyer")),
    (PartyType.SUPPLIER, _l("Supplier or carrier")),
    (PeriodStatus.OPEN, _l("Open (未结账)")),
    (PeriodStatus.CLOSED, _l("Closed (已结账)")),
    (VoucherSource.MANUAL, _l("Manual")),
    (VoucherSource.SETTLEMENT, _l("Settlement")),
    (VoucherSource.PAYMENT, _l("Payment")),
    (VoucherSource.REVERSAL, _l("Reversal (红字)")),
    (VoucherSource.INPUT_CREDIT, _l("Farm supplies on credit (农资赊销)")),
    (VoucherSource.DEPOSIT, _l("Contract deposit closed (定金处理)")),
    (VoucherSource.CLOSING, _l("Period-end carry-forward (期末结转)")),
    (VoucherStatus.PREPARED, _l("Prepared (制单)")),
    (VoucherStatus.APPROVED, _l("Approved (审核)")),
    (VoucherStatus.POSTED, _l("Posted (记账)")),
    (VoucherStatus.REJECTED, _l("Rejected (退回)")),
    (SettlementStatus.DRAFT, _l("Draft")),
    (SettlementStatus.SUBMITTED, _l("Waiting for review")),
    (SettlementStatus.APPROVED, _l("Approved")),
    (SettlementStatus.POSTED, _l("Posted")),
    (SettlementStatus.PAID, _l("Paid")),
    (SettlementStatus.REVERSED, _l("Reversed")),
    (SettlementKind.ORDER, _l("Order (three-way)")),
    (SettlementKind.CONTRACT_BATCH, _l("Contract purchases")),
    (PaymentKind.BUYER_RECEIPT, _l("Buyer receipt (收款)")),
    (PaymentKind.HOUSEHOLD_PAYOUT, _l("Household payout (付款)")),
    (PaymentKind.ADVANCE, _l("Contract advance (预付)")),
    (PaymentKind.SUPPLIER_PAYOUT, _l("Supplier payout (付款)")),
    (DepositOutcome.RETURNED, _l("Paid back by the household (退还)")),
    (DepositOutcome.FORFEITED, _l("Kept by the household: the company broke the contract (不予退还)")),
    (DepositOutcome.DOUBLED, _l("Paid back twice: the household broke the contract (双倍返还)")),
    (PayeeChangeStatus.PENDING, _l("Waiting for approval")),
    (PayeeChangeStatus.APPROVED, _l("Approved")),
    (PayeeChangeStatus.REJECTED, _l("Turned down")),
    (PayeeChangeStatus.SUPERSEDED, _l("Replaced by a newer request")),
    (VoucherSource.STOCK_COUNT, _l("Stock count (盘点)")),
    (VoucherSource.ADJUSTMENT, _l("Adjustment (调整单)")),
    (AdjustmentKind.SALES_ALLOWANCE, _l("Sales allowance (销售折让)")),
    (AdjustmentKind.PRICE_CORRECTION, _l("Price correction (价格更正)")),
    (AdjustmentStatus.SUBMITTED, _l("Waiting for review")),
    (AdjustmentStatus.POSTED, _l("Posted")),
    (AdjustmentStatus.RETURNED, _l("Returned")),
    (StockCountStatus.PREPARED, _l("Waiting to be posted")),
    (StockCountStatus.POSTED, _l("Posted")),
    (StockCountStatus.DISCARDED, _l("Discarded")),
    (LossKind.NORMAL, _l("Normal shrink (合理损耗)")),
    (LossKind.ABNORMAL, _l("Abnormal loss (非正常损失)")),
    (StockMovementKind.RECEIPT, _l("Received from contract purchases (入库)")),
    (StockMovementKind.SALE_ISSUE, _l("Sold from the warehouse (销售出库)")),
    (StockMovementKind.COUNT_SURPLUS, _l("Count surplus (盘盈)")),
    (StockMovementKind.COUNT_LOSS_NORMAL, _l("Count loss, normal shrink (盘亏)")),
    (StockMovementKind.COUNT_LOSS_ABNORMAL, _l("Count loss, abnormal (盘亏)")),
    (StockMovementKind.RECEIPT_REVERSED, _l("Receipt reversed (冲销入库)")),
    (StockMovementKind.ISSUE_RETURNED, _l("Issue returned (冲销退回库存)")),
    (ReversalStatus.SUBMITTED, _l("Waiting for review")),
    (ReversalStatus.POSTED, _l("Posted")),
    (ReversalStatus.RETURNED, _l("Returned")),
]

LABELS: dict[tuple[type, str], object] = {(type(member), member.value): text for member, text in _PAIRS}


def _label_of(member: enum.Enum) -> object:
    return LABELS.get((type(member), member.value), member.value)


def label(value: enum.Enum | None) -> str:
    if value is None:
        return ""
    return str(_label_of(value))


def choices(enum_cls: type[enum.Enum]) -> list[tuple[str, object]]:
    """(value, label) pairs for a WTForms SelectField."""
    return [(member.value, _label_of(member)) for member in enum_cls]


def select_choices(enum_cls: type[enum.Enum]) -> list[SelectChoice]:
    """Options for a WTForms SelectField or RadioField (WTForms 3.3 wants ``SelectChoice``)."""
    return [SelectChoice(value, text) for value, text in choices(enum_cls)]
