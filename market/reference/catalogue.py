"""The catalogue: products, their varieties and grade tables with their grades (特级, 一级…
and each grade's price differential), and the peach defaults. Anyone signed in reads it;
admins write it.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from models import Grade, GradeTable, Product, RoleName, User, Variety, db

from .. import audit, units
from ..auth.permissions import require_role
from ..errors import Conflict, FieldErrors as Errors, ValidationFailed
from .common import (KEEP, clean_text, fetch, flush_unique, is_given, referenced, require_admin,
                     require_signed_in, required_text)


def get_product(actor: User, product_id: int) -> Product:
    require_signed_in(actor)
    return fetch(Product, product_id)


def get_variety(actor: User, variety_id: int) -> Variety:
    require_signed_in(actor)
    return fetch(Variety, variety_id)


def get_grade_table(actor: User, table_id: int) -> GradeTable:
    require_signed_in(actor)
    return fetch(GradeTable, table_id)


def get_grade(actor: User, grade_id: int) -> Grade:
    require_signed_in(actor)
    return fetch(Grade, grade_id)


#: 元/公斤; a grade never moves the price by this much
MAX_PRICE_DIFF = Decimal("1000")


def parse_price_diff(value: Any) -> Decimal:
    """A signed 元/公斤 differential such as "+1.00", "-3" or "−1.5"."""
    if isinstance(value, Decimal):
        text: Any = value
    else:
        text = str(value if value is not None else "").strip().replace("−", "-").replace("＋", "+")
        text = text.replace("元/公斤", "").replace("元", "").strip()
        if not text:
            return Decimal("0.00")
    try:
        diff = units.price_per_kg(text, units.Unit.KG)
    except (units.UnitError, TypeError, InvalidOperation):
        raise ValidationFailed(_l("Enter the differential in yuan per kilogram, e.g. 1.00 or -3.00."),
                               field="price_diff") from None
    if abs(diff) >= MAX_PRICE_DIFF:
        raise ValidationFailed(_l("The differential is too large."), field="price_diff")
    return diff


PRODUCT_FIELDS = ("name", "sales_vat_rate_pct", "sales_vat_exempt_basis")
VARIETY_FIELDS = ("product_id", "name")
TABLE_FIELDS = ("product_id", "name", "is_default")
GRADE_FIELDS = ("table_id", "code", "name", "rank", "min_fruit_g", "min_diameter_mm", "price_diff")
GRADE_CODE_RE = re.compile(r"[a-z][a-z0-9_-]{0,15}")

PEACH_VARIETIES = ("水蜜桃", "油桃")
PEACH_TABLE_NAME = "鲜桃等级"
PEACH_GRADES = (
    # code, name, min single fruit g, differential 元/公斤
    ("special", "特级", 250, Decimal("1.00")),
    ("first", "一级", 200, Decimal("0.00")),
    ("second", "二级", 150, Decimal("-1.00")),
    ("offgrade", "等外", None, Decimal("-3.00")),
)


def products_query(actor: User) -> Select:
    require_signed_in(actor)
    return select(Product).order_by(Product.id)


def _check_product_name_free(name: str, product: Product | None) -> None:
    taken = db.session.scalar(select(Product.id).where(Product.name == name))
    if taken is not None and (product is None or taken != product.id):
        raise Conflict(_l("A product with this name already exists."), field="name")


def create_product(actor: User, *, name: str) -> Product:
    require_admin(actor)
    errors = Errors()
    name_value = required_text(name, "name", _l("Enter the product name."), errors, limit=32)
    errors.raise_if_any()
    _check_product_name_free(name_value, None)
    product = Product(name=name_value, sales_vat_rate_pct=default_sales_vat_rate_pct())
    flush_unique(_l("A product with this name already exists."), "name", product)
    audit.record(actor, "product.create", product, after=audit.snapshot(product, PRODUCT_FIELDS))
    return product


def update_product(actor: User, product: Product, *, name: Any = KEEP) -> Product:
    require_admin(actor)
    before = audit.snapshot(product, PRODUCT_FIELDS)
    if is_given(name):
        errors = Errors()
        name_value = required_text(name, "name", _l("Enter the product name."), errors, limit=32)
        errors.raise_if_any()
        _check_product_name_free(name_value, product)
        product.name = name_value
    flush_unique(_l("A product with this name already exists."), "name")
    audit.record(actor, "product.update", product, before=before,
                 after=audit.snapshot(product, PRODUCT_FIELDS))
    return product


#: who set a product's sales VAT treatment: the catalogue's admins and the accountants who book it
VAT_EDITORS = (RoleName.ADMIN, RoleName.ACCOUNTANT)
VAT_FIELDS = ("sales_vat_rate_pct", "sales_vat_exempt_basis")
#: the highest sales VAT rate a product may carry, percent (the database checks it too)
MAX_RATE_PCT = Decimal("17")
BASIS_MAX = 128


def default_sales_vat_rate_pct() -> Decimal:
    return Decimal(str(current_app.config.get("SALES_VAT_RATE_PCT", "9"))).quantize(Decimal("0.01"))


def parse_vat_rate(value: Any) -> Decimal:
    """A sales VAT rate in percent, 0–17 with at most two places ("9", "9 %", "13.00")."""
    text = str(value if value is not None else "").strip().replace("％", "%").rstrip("%").strip()
    try:
        rate = Decimal(text)
    except (InvalidOperation, ValueError):
        rate = Decimal(-1)
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE_PCT or rate != rate.quantize(Decimal("0.01")):
        raise ValidationFailed(_l("Enter the VAT rate in percent, from 0 to 17, e.g. 9."), field="rate_pct")
    return rate.quantize(Decimal("0.01"))


def set_sales_vat(actor: User, product: Product, *, exempt: bool, rate_pct: Any = None, basis: Any = "") -> Product:
    """How the product's sales are taxed from now on: at ``rate_pct`` percent (price includes tax),
    or exempt on a stated ``basis`` (e.g. 蔬菜流通环节免税). Settlements already prepared keep the
    treatment they were computed with until recomputed; posted ones never change.

    :raises ValidationFailed: a rate outside 0–17 %, or an exemption without its basis.
    """
    require_role(actor, *VAT_EDITORS)
    before = audit.snapshot(product, VAT_FIELDS)
    if exempt:
        text = clean_text(basis, 1000)
        if not text:
            raise ValidationFailed(_l("Say on what basis the sales are exempt, e.g. 蔬菜流通环节免税."), field="basis")
        if len(text) > BASIS_MAX:
            raise ValidationFailed(_l("At most 128 characters."), field="basis")
        product.sales_vat_rate_pct, product.sales_vat_exempt_basis = None, text
    else:
        product.sales_vat_rate_pct, product.sales_vat_exempt_basis = parse_vat_rate(rate_pct), ""
    db.session.flush()
    after = audit.snapshot(product, VAT_FIELDS)
    if after != before:
        audit.record(actor, "product.sales_vat", product, before=before, after=after)
    return product


def varieties_query(actor: User, product_id: int | None = None) -> Select:
    require_signed_in(actor)
    statement = select(Variety).order_by(Variety.product_id, Variety.id)
    if product_id is not None:
        statement = statement.where(Variety.product_id == product_id)
    return statement


def _check_variety_name_free(product_id: int, name: str, variety: Variety | None) -> None:
    taken = db.session.scalar(select(Variety.id).where(Variety.product_id == product_id, Variety.name == name))
    if taken is not None and (variety is None or taken != variety.id):
        raise Conflict(_l("This product already has a variety with this name."), field="name")


def create_variety(actor: User, *, product_id: int, name: str) -> Variety:
    require_admin(actor)
    errors = Errors()
    product = referenced(Product, product_id, "product_id", _l("Choose a product from the list."))
    if product is None:
        errors.add("product_id", _l("Choose a product from the list."))
    name_value = required_text(name, "name", _l("Enter the variety name."), errors, limit=32)
    errors.raise_if_any()
    _check_variety_name_free(product.id, name_value, None)
    variety = Variety(product_id=product.id, name=name_value)
    flush_unique(_l("This product already has a variety with this name."), "name", variety)
    audit.record(actor, "variety.create", variety, after=audit.snapshot(variety, VARIETY_FIELDS))
    return variety


def update_variety(actor: User, variety: Variety, *, name: Any = KEEP) -> Variety:
    require_admin(actor)
    before = audit.snapshot(variety, VARIETY_FIELDS)
    if is_given(name):
        errors = Errors()
        name_value = required_text(name, "name", _l("Enter the variety name."), errors, limit=32)
        errors.raise_if_any()
        _check_variety_name_free(variety.product_id, name_value, variety)
        variety.name = name_value
    flush_unique(_l("This product already has a variety with this name."), "name")
    audit.record(actor, "variety.update", variety, before=before,
                 after=audit.snapshot(variety, VARIETY_FIELDS))
    return variety


def grade_tables_query(actor: User, product_id: int | None = None) -> Select:
    require_signed_in(actor)
    statement = select(GradeTable).order_by(GradeTable.product_id, GradeTable.id)
    if product_id is not None:
        statement = statement.where(GradeTable.product_id == product_id)
    return statement


def _check_table_name_free(product_id: int, name: str, table: GradeTable | None) -> None:
    taken = db.session.scalar(select(GradeTable.id).where(GradeTable.product_id == product_id,
                                                          GradeTable.name == name))
    if taken is not None and (table is None or taken != table.id):
        raise Conflict(_l("This product already has a grade table with this name."), field="name")


def _make_default(actor: User, table: GradeTable) -> None:
    """Exactly one default table per product: this one (the previous default is audited too)."""
    for other in db.session.scalars(select(GradeTable).where(GradeTable.product_id == table.product_id,
                                                             GradeTable.id != table.id,
                                                             GradeTable.is_default.is_(True))):
        before = audit.snapshot(other, TABLE_FIELDS)
        other.is_default = False
        audit.record(actor, "grade_table.update", other, before=before,
                     after=audit.snapshot(other, TABLE_FIELDS), reason="another table became the default")
    table.is_default = True


def _grade_values(errors: Errors, given: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "code" in given:
        code = clean_text(given["code"], 100).lower()
        if not GRADE_CODE_RE.fullmatch(code):
            errors.add("code", _l("Use a short code of latin letters and digits, e.g. special or first."))
        values["code"] = code
    if "name" in given:
        values["name"] = required_text(given["name"], "name", _l("Enter the grade name, e.g. 特级."),
                                       errors, limit=32)
    if "rank" in given:
        rank = given["rank"]
        try:
            rank_value = int(rank) if not isinstance(rank, bool) else None
        except (TypeError, ValueError):
            rank_value = None
        if rank_value is None or not 0 <= rank_value <= 99:
            errors.add("rank", _l("Enter the rank: 0 for the best grade, then 1, 2, …"))
        values["rank"] = rank_value
    for key, message in (("min_fruit_g", _l("Enter the minimum weight of one fruit in grams, or leave it empty.")),
                         ("min_diameter_mm", _l("Enter the minimum diameter in millimetres, or leave it empty."))):
        if key in given:
            raw = given[key]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                values[key] = None
                continue
            try:
                number = int(raw) if not isinstance(raw, bool) else None
            except (TypeError, ValueError):
                number = None
            if number is None or not 1 <= number <= 5000:
                errors.add(key, message)
            values[key] = number
    if "price_diff" in given:
        try:
            values["price_diff"] = parse_price_diff(given["price_diff"])
        except ValidationFailed as exc:
            for message in exc.fields.get("price_diff", []):
                errors.add("price_diff", message)
    return values


def _check_grade_free(table_id: int, values: Mapping[str, Any], grade: Grade | None) -> None:
    for column, message in ((Grade.code, _l("This table already has a grade with this code.")),
                            (Grade.rank, _l("This table already has a grade with this rank."))):
        if column.key not in values:
            continue
        taken = db.session.scalar(select(Grade.id).where(Grade.table_id == table_id,
                                                         column == values[column.key]))
        if taken is not None and (grade is None or taken != grade.id):
            raise Conflict(message, field=column.key)


def create_grade_table(actor: User, *, product_id: int, name: str, is_default: bool = False,
                       grades: Iterable[Mapping[str, Any]] = ()) -> GradeTable:
    """A new table, optionally with its grades. A product's first table becomes its default."""
    require_admin(actor)
    errors = Errors()
    product = referenced(Product, product_id, "product_id", _l("Choose a product from the list."))
    if product is None:
        errors.add("product_id", _l("Choose a product from the list."))
    name_value = required_text(name, "name", _l("Enter the grade table name."), errors)
    errors.raise_if_any()
    _check_table_name_free(product.id, name_value, None)
    table = GradeTable(product_id=product.id, name=name_value, is_default=False)
    flush_unique(_l("This product already has a grade table with this name."), "name", table)
    has_default = db.session.scalar(select(GradeTable.id).where(GradeTable.product_id == product.id,
                                                                GradeTable.is_default.is_(True)))
    if is_default or has_default is None:
        _make_default(actor, table)
    db.session.flush()
    audit.record(actor, "grade_table.create", table, after=audit.snapshot(table, TABLE_FIELDS))
    for index, spec in enumerate(grades):
        _add_grade(actor, table, spec, prefix=f"grades.{index}.")
    return table


def update_grade_table(actor: User, table: GradeTable, *, name: Any = KEEP,
                       is_default: Any = KEEP) -> GradeTable:
    """Rename a table or make it the product's default (the previous default stops being one)."""
    require_admin(actor)
    before = audit.snapshot(table, TABLE_FIELDS)
    if is_given(name):
        errors = Errors()
        name_value = required_text(name, "name", _l("Enter the grade table name."), errors)
        errors.raise_if_any()
        _check_table_name_free(table.product_id, name_value, table)
        table.name = name_value
    if is_given(is_default):
        if is_default and not table.is_default:
            _make_default(actor, table)
        elif not is_default and table.is_default:
            raise ValidationFailed(_l("Every product keeps one default table: make another table "
                                      "the default instead."), field="is_default")
    flush_unique(_l("This product already has a grade table with this name."), "name")
    audit.record(actor, "grade_table.update", table, before=before,
                 after=audit.snapshot(table, TABLE_FIELDS))
    return table


def _add_grade(actor: User, table: GradeTable, spec: Mapping[str, Any], prefix: str = "") -> Grade:
    errors = Errors()
    given = {"min_fruit_g": None, "min_diameter_mm": None, "price_diff": "0", **spec}
    for key in ("code", "name", "rank"):
        given.setdefault(key, None)
    values = _grade_values(errors, given)
    if prefix and errors.fields:
        raise ValidationFailed(fields={prefix + k: v for k, v in errors.fields.items()})
    errors.raise_if_any()
    _check_grade_free(table.id, values, None)
    grade = Grade(table_id=table.id, **values)
    flush_unique(_l("This table already has a grade with this code or rank."), "code", grade)
    audit.record(actor, "grade.create", grade, after=audit.snapshot(grade, GRADE_FIELDS))
    return grade


def create_grade(actor: User, *, table_id: int, code: str, name: str, rank: int,
                 min_fruit_g: int | None = None, min_diameter_mm: int | None = None,
                 price_diff: Decimal | str = "0") -> Grade:
    require_admin(actor)
    table = referenced(GradeTable, table_id, "table_id", _l("Choose a grade table from the list."))
    if table is None:
        raise ValidationFailed(_l("Choose a grade table from the list."), field="table_id")
    grade = _add_grade(actor, table, dict(code=code, name=name, rank=rank, min_fruit_g=min_fruit_g,
                                          min_diameter_mm=min_diameter_mm, price_diff=price_diff))
    db.session.expire(table, ["grades"])
    return grade


def update_grade(actor: User, grade: Grade, *, code: Any = KEEP, name: Any = KEEP, rank: Any = KEEP,
                 min_fruit_g: Any = KEEP, min_diameter_mm: Any = KEEP, price_diff: Any = KEEP) -> Grade:
    require_admin(actor)
    before = audit.snapshot(grade, GRADE_FIELDS)
    given = {k: v for k, v in dict(code=code, name=name, rank=rank, min_fruit_g=min_fruit_g,
                                   min_diameter_mm=min_diameter_mm, price_diff=price_diff).items()
             if is_given(v)}
    errors = Errors()
    values = _grade_values(errors, given)
    errors.raise_if_any()
    _check_grade_free(grade.table_id, values, grade)
    for key, value in values.items():
        setattr(grade, key, value)
    flush_unique(_l("This table already has a grade with this code or rank."), "code")
    db.session.expire(grade.table, ["grades"])
    audit.record(actor, "grade.update", grade, before=before, after=audit.snapshot(grade, GRADE_FIELDS))
    return grade


def create_peach_defaults(actor: User) -> Product:
    """桃 with 水蜜桃 and 油桃 and the default grade table 特级/一级/二级/等外.

    Only what is missing is created, so running it twice changes nothing; the values are a
    starting point and stay editable afterwards.
    """
    require_admin(actor)
    product = db.session.scalar(select(Product).where(Product.name == "桃"))
    if product is None:
        product = create_product(actor, name="桃")
    existing = {v.name for v in db.session.scalars(select(Variety).where(Variety.product_id == product.id))}
    for name in PEACH_VARIETIES:
        if name not in existing:
            create_variety(actor, product_id=product.id, name=name)
    has_table = db.session.scalar(select(GradeTable.id).where(GradeTable.product_id == product.id))
    if has_table is None:
        create_grade_table(actor, product_id=product.id, name=PEACH_TABLE_NAME, is_default=True, grades=[
            {"code": code, "name": name, "rank": rank, "min_fruit_g": min_g, "price_diff": diff}
            for rank, (code, name, min_g, diff) in enumerate(PEACH_GRADES)])
    db.session.expire(product, ["varieties", "grade_tables"])
    return product
