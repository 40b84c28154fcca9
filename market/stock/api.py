"""JSON API of stock: the stock ledger (库存商品明细账), counts (盘点) prepared and posted, and the
part of an order filled from the warehouse."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import BuyerOrder, db

from ..api import Blueprint, creates, page_schema, paginate, roles_first
from ..auth.permissions import require_role
from ..errors import NotFound
from ..units import Money
from . import services
from .schemas import (CountCreateSchema, CountListArgsSchema, CountSchema, OrderStockLineSchema, OrderStockSetSchema,
                      StockLedgerArgsSchema, StockLedgerSchema)

URL_PREFIX = ""
blp = Blueprint("stock_api", __name__,
                description="Stock at moving weighted average cost: the stock ledger (数量金额式明细账), counts "
                            "(盘点), orders filled from the warehouse")


@blp.route("/stock")
@roles_first(*services.READERS)
@blp.arguments(StockLedgerArgsSchema, location="query")
@blp.response(200, StockLedgerSchema)
def get_stock_ledger(args):
    """库存商品明细账 per variety and grade from ``from`` to ``to``: 期初结存, each movement with 收入/发出
    (kg, unit cost, amount) and 结存, 本期合计; with the balance of 1405 it equals. Staff and admins."""
    books = services.stock_ledger(current_user, start=args["from_"], end=args["to"])
    return {"items": books, "value": sum((book.closing.balance_value for book in books), Decimal(0)),
            "account_1405": Money.from_fen(services.account_balance(services.STOCK)).yuan}


def _order(order_id: int) -> BuyerOrder:
    order = db.session.get(BuyerOrder, order_id)
    if order is None:
        raise NotFound(_l("This order does not exist."))
    return order


@blp.route("/orders/<int:order_id>/stock")
@roles_first(*services.READERS)
@blp.response(200, OrderStockLineSchema(many=True))
def get_order_stock(order_id: int):
    """What of the order is filled from the warehouse, per grade."""
    require_role(current_user, *services.READERS)
    return services.stock_lines(_order(order_id).id)


@blp.route("/orders/<int:order_id>/stock/<int:grade_id>", methods=["PUT"])
@roles_first(*services.STAFF)
@blp.arguments(OrderStockSetSchema)
@blp.response(200, OrderStockLineSchema(many=True))
def put_order_stock(body, order_id: int, grade_id: int):
    """Fill part of an order from the warehouse: this many kg of the grade (0 takes it off). Refused
    (409) beyond what the warehouse holds and other orders have not taken. Issued at cost, 借5401 /
    贷1405, in the sale voucher when the order's settlement is posted. Coordinators and accountants."""
    order = _order(order_id)
    services.set_order_stock(current_user, order, grade_id=grade_id, quantity=body["quantity"])
    db.session.commit()
    return services.stock_lines(order.id)


@blp.route("/stock/counts")
@roles_first(*services.READERS)
@blp.arguments(CountListArgsSchema, location="query")
@blp.response(200, page_schema(CountSchema))
def list_counts(args):
    """Stock counts (盘点), newest first."""
    return paginate(services.counts(current_user), {"page": args["page"], "per_page": args["per_page"]})


@blp.route("/stock/counts", methods=["POST"])
@roles_first(*services.STAFF)
@creates
@blp.arguments(CountCreateSchema)
@blp.response(201, CountSchema)
def create_count(body):
    """盘点: record what was counted; the book quantities are today's, items found as the books say are
    left out, each difference needs its reason and each loss its kind. Coordinators and accountants."""
    return services.prepare_count(current_user, counted_on=body["counted_on"], lines=body["lines"],
                                  note=body["note"])


@blp.route("/stock/counts/<int:count_id>")
@blp.response(200, CountSchema)
def get_count(count_id: int):
    return services.get_count(current_user, count_id)


@blp.route("/stock/counts/<int:count_id>/post", methods=["POST"])
@roles_first(*services.ACCOUNTANTS)
@blp.response(200, CountSchema)
def post_count(count_id: int):
    """审核 and 记账 by an accountant other than its preparer: 盘盈 借1405 / 贷5301; 合理损耗 借5401 / 贷1405;
    非正常损失 借5711 / 贷1405 + 贷22210103 进项税额转出. Refused (409) when an item moved since it was counted."""
    count = services.get_count(current_user, count_id)
    services.post_count(current_user, count)
    db.session.commit()
    return count


@blp.route("/stock/counts/<int:count_id>/discard", methods=["POST"])
@roles_first(*services.STAFF)
@blp.response(200, CountSchema)
def discard_count(count_id: int):
    """A count not yet posted, thrown away (count again); it is kept as discarded."""
    count = services.get_count(current_user, count_id)
    services.discard_count(current_user, count)
    db.session.commit()
    return count
