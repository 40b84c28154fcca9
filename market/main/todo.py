"""What waits for the signed-in person: each role's home starts with its to-do list.

Counts only, read in a handful of queries; each item links to the page where the work is done.
A person never sees as "theirs" what the four-eyes rule forbids them (their own settlement or
voucher to review).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (Adjustment, AdjustmentStatus, ReversalStatus, SettlementReversal, BuyerOrder, OrderStatus, PayeeChange, PayeeChangeStatus, RoleName, Settlement, SettlementHousehold, SettlementStatus, User,
                    Voucher, VoucherStatus, db)


@dataclass(frozen=True)
class Todo:
    text: str
    count: int
    url: str


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def for_user(user: User) -> list[Todo]:
    items: list[Todo] = []
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
            Todo(_l("Households still owed on posted settlements"),
                 _count(select(SettlementHousehold.household_id).join(Settlement)
                        .where(Settlement.status == SettlementStatus.POSTED,
                               SettlementHousehold.paid < SettlementHousehold.net + SettlementHousehold.adjusted).distinct()),
                 url_for("payments.owed")),
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
