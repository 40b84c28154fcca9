"""Stock (库存商品) by variety and grade, at moving weighted average cost.

Every movement is a row with its quantity, its value at cost and the item's running balance
after it (数量金额式明细账); the database refuses a negative quantity or value, and an item that
holds value with nothing on hand. The sum of the items' values is the balance of 1405.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .catalogue import Grade, Variety
from .orders import BuyerOrder
from .settlement import Settlement
from .types import Money, Price, UTCDateTime, Weight, enum_column
from .users import User


class StockMovementKind(str, enum.Enum):
    RECEIPT = "receipt"                          # 入库: contract deliveries bought for stock
    SALE_ISSUE = "sale_issue"                    # 销售出库: an order filled from the warehouse
    COUNT_SURPLUS = "count_surplus"              # 盘盈
    COUNT_LOSS_NORMAL = "count_loss_normal"      # 盘亏, normal shrink (合理损耗): stays in cost
    COUNT_LOSS_ABNORMAL = "count_loss_abnormal"  # 盘亏, abnormal loss (非正常损失): 营业外支出
    #: a settlement reversed (冲销): its receipt taken out again, its issue put back, at the same value
    RECEIPT_REVERSED = "receipt_reversed"
    ISSUE_RETURNED = "issue_returned"

    @property
    def inward(self) -> bool:
        return self in (StockMovementKind.RECEIPT, StockMovementKind.COUNT_SURPLUS, StockMovementKind.ISSUE_RETURNED)


class StockCountStatus(str, enum.Enum):
    PREPARED = "prepared"  # 制单: waiting for an accountant other than the preparer to post it
    POSTED = "posted"      # 审核 and 记账: its movements and voucher are written
    DISCARDED = "discarded"  # thrown away before posting (kept, with who and when)


class LossKind(str, enum.Enum):
    NORMAL = "normal"      # 合理损耗: evaporation, trimming, the shrink fruit always has
    ABNORMAL = "abnormal"  # 非正常损失: rot or theft through poor management


class StockCount(db.Model):
    """盘点: what was counted in the warehouse against the books, with the reason for each difference."""

    __tablename__ = "stock_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. PD2026-0001
    number: Mapped[str] = mapped_column(String(32), unique=True)
    counted_on: Mapped[date] = mapped_column()
    status: Mapped[StockCountStatus] = mapped_column(enum_column(StockCountStatus), default=StockCountStatus.PREPARED,
                                                     index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who posted it, or discarded it, and when
    posted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    prepared_by: Mapped[User] = relationship(foreign_keys=[prepared_by_id])
    posted_by: Mapped[Optional[User]] = relationship(foreign_keys=[posted_by_id])
    lines: Mapped[list["StockCountLine"]] = relationship(back_populates="count", order_by="StockCountLine.id",
                                                         cascade="all, delete-orphan")


class StockCountLine(db.Model):
    """One item counted: 账存 (book) and 实存 (counted) kilograms; a loss says whether it was normal."""

    __tablename__ = "stock_count_lines"
    __table_args__ = (
        UniqueConstraint("count_id", "variety_id", "grade_id", name="uq_stock_count_lines_item"),
        CheckConstraint("book_kg >= 0 AND counted_kg >= 0 AND book_kg <> counted_kg", name="a_difference"),
        CheckConstraint("(counted_kg < book_kg) = (loss_kind IS NOT NULL)", name="loss_has_a_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id", ondelete="CASCADE"), index=True)
    variety_id: Mapped[int] = mapped_column(ForeignKey("varieties.id"))
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    book_kg: Mapped[Decimal] = mapped_column(Weight)
    counted_kg: Mapped[Decimal] = mapped_column(Weight)
    loss_kind: Mapped[Optional[LossKind]] = mapped_column(enum_column(LossKind))
    reason: Mapped[str] = mapped_column(Text)

    count: Mapped[StockCount] = relationship(back_populates="lines")
    variety: Mapped[Variety] = relationship()
    grade: Mapped[Grade] = relationship()

    @property
    def difference_kg(self) -> Decimal:
        return self.counted_kg - self.book_kg


class StockMovement(db.Model):
    """One line of the stock ledger: an item's quantity and value in or out, and its balance after."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity_kg > 0 AND value >= 0", name="moves_something"),
        CheckConstraint("balance_kg >= 0 AND balance_value >= 0", name="never_negative"),
        CheckConstraint("balance_kg > 0 OR balance_value = 0", name="no_value_without_quantity"),
        CheckConstraint("(settlement_id IS NULL) <> (count_line_id IS NULL)", name="one_source"),
        Index("ix_stock_movements_item", "variety_id", "grade_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variety_id: Mapped[int] = mapped_column(ForeignKey("varieties.id"))
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    kind: Mapped[StockMovementKind] = mapped_column(enum_column(StockMovementKind), index=True)
    #: the day of the voucher that books it
    moved_on: Mapped[date] = mapped_column(index=True)
    quantity_kg: Mapped[Decimal] = mapped_column(Weight)
    #: at cost
    value: Mapped[Decimal] = mapped_column(Money)
    #: 元/公斤 a surplus was valued at: the market quote of its day (盘盈存货按市场价格); empty when the
    #: movement is at the item's own cost
    unit_price: Mapped[Optional[Decimal]] = mapped_column(Price)
    balance_kg: Mapped[Decimal] = mapped_column(Weight)
    balance_value: Mapped[Decimal] = mapped_column(Money)
    settlement_id: Mapped[Optional[int]] = mapped_column(ForeignKey("settlements.id"), index=True)
    count_line_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stock_count_lines.id"), unique=True)
    #: 摘要 of the ledger line
    summary: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    variety: Mapped[Variety] = relationship()
    grade: Mapped[Grade] = relationship()
    settlement: Mapped[Optional[Settlement]] = relationship()
    count_line: Mapped[Optional[StockCountLine]] = relationship()


class OrderStockLine(db.Model):
    """Part of an order filled from the warehouse: kilograms of one grade of the order's variety,
    issued at cost when the order's settlement is posted."""

    __tablename__ = "order_stock_lines"
    __table_args__ = (UniqueConstraint("order_id", "grade_id", name="uq_order_stock_lines_order_grade"),
                      CheckConstraint("quantity_kg > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("buyer_orders.id", ondelete="CASCADE"), index=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    quantity_kg: Mapped[Decimal] = mapped_column(Weight)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[BuyerOrder] = relationship()
    grade: Mapped[Grade] = relationship()
    created_by: Mapped[User] = relationship()
