"""JSON API of buyers, buyer orders (采购订单) and allocation runs (配货).

A buyer's own staff see and enter only their buyer's orders and never see allocation runs
(they name households). Villagers read their household's confirmed allocations at
``/me/allocations``.
"""
from __future__ import annotations

from flask_login import current_user

from models import RoleName, db

from ..api import Blueprint, PageArgsSchema, creates, page_schema, paginate, roles_first
from ..errors import PermissionDenied
from . import allocation_runs, buyer_orders, buyers
from .common import ORDER_STAFF
from .inputs import OrderInput
from .schemas import (AdjustSchema, BuyerCreateSchema, BuyerQuerySchema, BuyerSchema, BuyerUpdateSchema,
                      CancelSchema, MyAllocationSchema, OrderCreateSchema, OrderQuerySchema, OrderSchema,
                      OrderUpdateSchema, RunCreateSchema, RunDetailSchema, RunSchema)

URL_PREFIX = ""
blp = Blueprint("orders_api", __name__,
                description="Buyers, buyer orders (采购订单) and their allocation runs (配货)")


def _page_args(args: dict) -> dict:
    return {"page": args.pop("page", 1), "per_page": args.pop("per_page", None)}


# --- buyers -------------------------------------------------------------------------------

@blp.route("/buyers")
@roles_first(*ORDER_STAFF, RoleName.ACCOUNTANT)
@blp.arguments(BuyerQuerySchema, location="query")
@blp.response(200, page_schema(BuyerSchema))
def list_buyers(args):
    """Buyers by name. Staff only."""
    return paginate(buyers.buyers_statement(current_user), _page_args(args))


@blp.route("/buyers", methods=["POST"])
@roles_first(*ORDER_STAFF)
@creates
@blp.arguments(BuyerCreateSchema)
@blp.response(201, BuyerSchema)
def create_buyer(body):
    """Register a buyer. The credit code's check character is verified; payment terms are at most 60 days."""
    return buyers.create_buyer(current_user, **body)


@blp.route("/buyers/<int:buyer_id>")
@blp.response(200, BuyerSchema)
def get_buyer(buyer_id: int):
    """One buyer. A buyer's staff may read only their own."""
    return buyers.get_buyer(current_user, buyer_id)


@blp.route("/buyers/<int:buyer_id>", methods=["PATCH"])
@roles_first(*ORDER_STAFF)
@blp.arguments(BuyerUpdateSchema)
@blp.response(200, BuyerSchema)
def update_buyer(body, buyer_id: int):
    """Change a buyer's details (audited)."""
    buyer = buyers.get_buyer(current_user, buyer_id)
    buyers.update_buyer(current_user, buyer, **body)
    db.session.commit()
    return buyer


# --- orders -------------------------------------------------------------------------------

@blp.route("/orders")
@roles_first(*ORDER_STAFF, RoleName.ACCOUNTANT, RoleName.BUYER)
@blp.arguments(OrderQuerySchema, location="query")
@blp.response(200, page_schema(OrderSchema))
def list_orders(args):
    """Orders, newest first. A buyer's staff get their buyer's only."""
    page = _page_args(args)  # takes page and per_page out of args
    result = paginate(buyer_orders.orders_statement(current_user, **args), page)
    # one query for the whole page's fill, not one per order
    reserved = allocation_runs.reserved_totals(order.id for order in result["items"])
    for order in result["items"]:
        order._reserved_kg = reserved[order.id]
    return result


@blp.route("/orders", methods=["POST"])
@roles_first(*ORDER_STAFF, RoleName.BUYER)
@creates
@blp.arguments(OrderCreateSchema)
@blp.response(201, OrderSchema)
def create_order(body):
    """Enter an order (draft). Every grade the order accepts needs a farm-gate price.
    A buyer's staff may leave ``buyer_id`` out: the order is for their buyer."""
    if body.get("buyer_id") is None:
        body["buyer_id"] = current_user.buyer_id
    return buyer_orders.create_order(current_user, OrderInput.parse(body))


@blp.route("/orders/<int:order_id>")
@blp.response(200, OrderSchema)
def get_order(order_id: int):
    return buyer_orders.get_order(current_user, order_id)


@blp.route("/orders/<int:order_id>", methods=["PATCH"])
@roles_first(*ORDER_STAFF, RoleName.BUYER)
@blp.arguments(OrderUpdateSchema)
@blp.response(200, OrderSchema)
def update_order(body, order_id: int):
    """Change a draft or open order (409 once kilograms are reserved)."""
    order = buyer_orders.get_order(current_user, order_id)
    buyer_orders.update_order(current_user, order, OrderInput.parse(body))
    db.session.commit()
    return order


@blp.route("/orders/<int:order_id>/open", methods=["POST"])
@roles_first(*ORDER_STAFF, RoleName.BUYER)
@blp.response(200, OrderSchema)
def open_order(order_id: int):
    """draft → open: ready for allocation."""
    order = buyer_orders.get_order(current_user, order_id)
    buyer_orders.open_order(current_user, order)
    db.session.commit()
    return order


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@roles_first(*ORDER_STAFF)
@blp.arguments(CancelSchema)
@blp.response(200, OrderSchema)
def cancel_order(body, order_id: int):
    """Cancel before collection starts, with the reason; every reserved kilogram is released."""
    order = buyer_orders.get_order(current_user, order_id)
    buyer_orders.cancel_order(current_user, order, body["reason"])
    db.session.commit()
    return order


# --- allocation runs -------------------------------------------------------------------------

@blp.route("/orders/<int:order_id>/allocation-runs")
@roles_first(*allocation_runs.RUN_READERS)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(RunSchema))
def list_runs(args, order_id: int):
    """The order's allocation runs, newest first. Staff only."""
    order = buyer_orders.get_order(current_user, order_id)
    return paginate(allocation_runs.runs_statement(current_user, order), _page_args(args))


@blp.route("/orders/<int:order_id>/allocation-runs", methods=["POST"])
@roles_first(*ORDER_STAFF)
@creates
@blp.arguments(RunCreateSchema)
@blp.response(201, RunDetailSchema)
def create_run(body, order_id: int):
    """Propose an allocation for what the order still needs (nothing is reserved until it is
    confirmed). Any earlier proposal is replaced."""
    order = buyer_orders.get_order(current_user, order_id)
    return allocation_runs.run_allocation(current_user, order, body["policy"], priority_first=body["priority_first"])


@blp.route("/allocation-runs/<int:run_id>")
@blp.response(200, RunDetailSchema)
def get_run(run_id: int):
    """A run with its lines, why each household got what it got, and which lots could not serve."""
    return allocation_runs.get_run(current_user, run_id)


@blp.route("/allocation-runs/<int:run_id>/lines", methods=["POST"])
@roles_first(*ORDER_STAFF)
@blp.arguments(AdjustSchema)
@blp.response(200, RunDetailSchema)
def adjust_run(body, run_id: int):
    """Set by hand how many kilograms a lot gives in a proposed run (0 takes it out); the reason is audited."""
    run = allocation_runs.get_run(current_user, run_id)
    allocation_runs.adjust_line(current_user, run, body["lot_id"], body["kg"], body["reason"])
    db.session.commit()
    return run


@blp.route("/allocation-runs/<int:run_id>/confirm", methods=["POST"])
@roles_first(*ORDER_STAFF)
@blp.response(200, RunDetailSchema)
@blp.alt_response(409, description="insufficient_supply: a kilogram was promised to another order meanwhile")
def confirm_run(run_id: int):
    """Reserve the run's kilograms on their lots, all or none."""
    run = allocation_runs.get_run(current_user, run_id)
    allocation_runs.confirm_run(current_user, run)
    db.session.commit()
    return run


@blp.route("/me/allocations")
@blp.response(200, MyAllocationSchema(many=True))
def my_allocations():
    """The signed-in villager's confirmed allocations: which lot gives how much to which buyer, and when."""
    if current_user.household_id is None:
        raise PermissionDenied()
    return allocation_runs.household_allocations(current_user)
