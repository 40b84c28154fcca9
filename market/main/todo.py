"""What waits for the signed-in person: each role's home starts with its to-do list.

Counts only, read in a handful of queries; each item links to the page where the work is done.
A person never sees as "theirs" what the four-eyes rule forbids them (their own settlement or
voucher to review). A villager sees only her household's, a buyer only the supermarket's.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (Adjustment, AdjustmentStatus, BuyerOrder, LotStatus, OrderStatus, PayeeChange,
                    PayeeChangeStatus, Period, PeriodStatus, ProduceLot, Receipt, ReversalStatus, RoleName,
                    Settlement, SettlementHousehold, SettlementReversal, SettlementStatus, Shipment, User, Voucher,
                    VoucherStatus, db)

from ..clock import local_today


@dataclass(frozen=True)
class Todo:
    text: str
    count: int
    url: str


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def _owed_to_households():
    """Household lines of posted settlements not yet paid in full."""
    return (select(SettlementHousehold.household_id).join(Settlement)
            .where(Settlement.status == SettlementStatus.POSTED,
                   SettlementHousehold.paid < SettlementHousehold.net + SettlementHousehold.adjusted))


def _households_owed() -> Todo:
    return Todo(_l("Households still owed on posted settlements"), _count(_owed_to_households().distinct()),
                url_for("payments.owed"))


def _for_villager(user: User) -> list[Todo]:
    household = user.household_id
    return [
        Todo(_l("Your lots sold to an order: have them ready for picking"),
             _count(select(ProduceLot.id).where(ProduceLot.household_id == household,
                                                ProduceLot.status == LotStatus.ALLOCATED)),
             url_for("produce.my_lots")),
        Todo(_l("Your lots still for sale past their spoil-by date"),
             _count(select(ProduceLot.id).where(ProduceLot.household_id == household,
                                                ProduceLot.status == LotStatus.LISTED,
                                                ProduceLot.spoil_by < local_today())),
             url_for("produce.my_lots")),
        Todo(_l("Settlements with money still to come to you"),
             _count(_owed_to_households().where(SettlementHousehold.household_id == household)),
             url_for("books.my_statement")),
    ]


def _for_buyer(user: User) -> list[Todo]:
    own = select(BuyerOrder.id).where(BuyerOrder.buyer_id == user.buyer_id)
    return [
        Todo(_l("Draft orders to confirm"),
             _count(own.where(BuyerOrder.status == OrderStatus.DRAFT)),
             url_for("orders.list_orders", status="draft")),
        Todo(_l("Shipments on the way: record their receipt"),
             _count(select(Shipment.id).where(Shipment.order_id.in_(own),
                                              ~Shipment.id.in_(select(Receipt.shipment_id)))),
             url_for("fulfilment.index")),
    ]


def _for_cashier(user: User) -> list[Todo]:
    return [
        _households_owed(),
        Todo(_l("Supermarkets still owing on posted settlements"),
             _count(select(Settlement.id).where(Settlement.status == SettlementStatus.POSTED,
                                                Settlement.buyer_id.is_not(None),
                                                Settlement.buyer_received < Settlement.buyer_total
                                                + Settlement.buyer_adjusted)),
             url_for("payments.receive")),
        Todo(_l("Your vouchers sent back: correct and prepare them again"),
             _count(select(Voucher.id).where(Voucher.status == VoucherStatus.REJECTED,
                                             Voucher.prepared_by_id == user.id)),
             url_for("books.vouchers", period="all", status="rejected")),
    ]


def _months_to_close() -> Todo:
    today = local_today()
    return Todo(_l("Months ended and not yet closed (结账)"),
                _count(select(Period.id).where(Period.status == PeriodStatus.OPEN,
                                               Period.year * 12 + Period.month < today.year * 12 + today.month)),
                url_for("books.periods"))


def for_user(user: User) -> list[Todo]:
    items: list[Todo] = []
    if user.has_role(RoleName.VILLAGER) and user.household_id is not None:
        items += _for_villager(user)
    if user.has_role(RoleName.BUYER) and user.buyer_id is not None:
        items += _for_buyer(user)
    if user.has_role(RoleName.CASHIER) and not user.has_role(RoleName.ACCOUNTANT):
        items += _for_cashier(user)
    if user.has_role(RoleName.CHIEF_ACCOUNTANT):
        items.append(_months_to_close())
    if user.has_role(RoleName.ACCOUNTANT):
        items += [
            Todo(_l("Settlements waiting for your review"),
                 _count(select(Settlement.id).where(Settlement.status == SettlementStatus.SUBMITTED,
                                                    Settlement.prepared_by_id != user.id)),
                 url_for("settlements.list_settlements", status="submitted")),
            Todo(_l("Approved settlements to post"),
                 _count(select(Settlement.id).where(Settlement.status == SettlementStatus.APPROVED)),
                 url_for("settlements.list_settlements", status="approved")),
            Todo(_l("Vouchers waiting for your review"),
                 _count(select(Voucher.id).where(Voucher.status == VoucherStatus.PREPARED,
                                                 Voucher.prepared_by_id != user.id)),
                 url_for("books.vouchers", period="all", status="prepared")),
            Todo(_l("Approved vouchers to post"),
                 _count(select(Voucher.id).where(Voucher.status == VoucherStatus.APPROVED)),
                 url_for("books.vouchers", period="all", status="approved")),
            Todo(_l("Adjustments (allowances, price corrections) waiting for your review"),
                 _count(select(Adjustment.id).where(Adjustment.status == AdjustmentStatus.SUBMITTED,
                                                    Adjustment.prepared_by_id != user.id)),
                 url_for("adjustments.adjustments", status="submitted")),
            Todo(_l("Settlement reversals (红字冲销) waiting for your review"),
                 _count(select(SettlementReversal.id).where(SettlementReversal.status == ReversalStatus.SUBMITTED,
                                                            SettlementReversal.prepared_by_id != user.id)),
                 url_for("reversals.listing", status="submitted")),
            Todo(_l("Payout account changes waiting for your approval"),
                 _count(select(PayeeChange.id).where(PayeeChange.status == PayeeChangeStatus.PENDING,
                                                     PayeeChange.requested_by_id != user.id)),
                 url_for("reference.payee_change_list")),
            _households_owed(),
        ]
    if user.has_role(RoleName.COORDINATOR, RoleName.ADMIN):
        items += [
            Todo(_l("Open orders to allocate"),
                 _count(select(BuyerOrder.id).where(BuyerOrder.status == OrderStatus.OPEN)),
                 url_for("orders.list_orders", status="open")),
            Todo(_l("Received orders to settle"),
                 _count(select(BuyerOrder.id).where(BuyerOrder.status == OrderStatus.RECEIVED)
                        .where(~BuyerOrder.id.in_(select(Settlement.order_id).where(
                            Settlement.order_id.is_not(None), Settlement.status != SettlementStatus.REVERSED)))),
                 url_for("settlements.new_settlement")),
        ]
    return items
