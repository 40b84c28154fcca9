"""Products, varieties and configurable grade tables."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db
from .types import Percent, Price


class Product(db.Model):
    """e.g. 桃, with its sales VAT treatment: taxable at a rate, or exempt on a stated basis."""

    __tablename__ = "products"
    __table_args__ = (
        # exempt (no rate) exactly when a basis is given; a rate is 0–17 % (stored in hundredths)
        CheckConstraint("(sales_vat_rate_pct IS NULL AND sales_vat_exempt_basis <> '')"
                        " OR (sales_vat_rate_pct IS NOT NULL AND sales_vat_exempt_basis = '')",
                        name="sales_vat_rate_or_exempt"),
        CheckConstraint("sales_vat_rate_pct IS NULL OR (sales_vat_rate_pct >= 0 AND sales_vat_rate_pct <= 1700)",
                        name="sales_vat_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    #: output VAT rate of its sales, percent (9.00); None when its sales are exempt
    sales_vat_rate_pct: Mapped[Optional[Decimal]] = mapped_column(Percent, default=Decimal("9"))
    #: why its sales are exempt, e.g. 蔬菜流通环节免税 ('' when taxable)
    sales_vat_exempt_basis: Mapped[str] = mapped_column(String(128), default="")

    @property
    def sales_vat_exempt(self) -> bool:
        return self.sales_vat_rate_pct is None

    varieties: Mapped[list["Variety"]] = relationship(back_populates="product", order_by="Variety.id")
    grade_tables: Mapped[list["GradeTable"]] = relationship(back_populates="product", order_by="GradeTable.id")

    @property
    def default_grade_table(self) -> Optional["GradeTable"]:
        return next((t for t in self.grade_tables if t.is_default), None)

    def __str__(self) -> str:
        return self.name


class Variety(db.Model):
    """e.g. 水蜜桃, 油桃."""

    __tablename__ = "varieties"
    __table_args__ = (UniqueConstraint("product_id", "name", name="uq_varieties_product_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))

    product: Mapped[Product] = relationship(back_populates="varieties")

    def __str__(self) -> str:
        return self.name


class GradeTable(db.Model):
    """A named set of grades for a product; contracts and orders point at one."""

    __tablename__ = "grade_tables"
    __table_args__ = (UniqueConstraint("product_id", "name", name="uq_grade_tables_product_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    #: the table new contracts and orders for this product start from
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    product: Mapped[Product] = relationship(back_populates="grade_tables")
    grades: Mapped[list["Grade"]] = relationship(
        back_populates="table", order_by="Grade.rank", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class Grade(db.Model):
    """One grade (特级/一级/二级/等外). Rank 0 is the best; a lower rank is a higher grade."""

    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("table_id", "code", name="uq_grades_table_code"),
        UniqueConstraint("table_id", "rank", name="uq_grades_table_rank"),
        CheckConstraint("rank >= 0", name="rank_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("grade_tables.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column()
    #: minimum single-fruit weight in grams (单果重)
    min_fruit_g: Mapped[Optional[int]] = mapped_column()
    #: minimum diameter in millimetres (果径)
    min_diameter_mm: Mapped[Optional[int]] = mapped_column()
    #: price differential against the base price, 元/公斤, may be negative
    price_diff: Mapped[Decimal] = mapped_column(Price, default=Decimal("0"))

    table: Mapped[GradeTable] = relationship(back_populates="grades")

    def __str__(self) -> str:
        return self.name
