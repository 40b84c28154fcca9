"""The catalogue: price differentials, the peach defaults, default grade tables, grades."""
from __future__ import annotations

import pytest
from decimal import Decimal

from market.errors import Conflict, ValidationFailed
from market.reference import catalogue as catalogue_services
from sqlalchemy import select
from models import AuditEvent, Grade, GradeTable, Product, Variety, db

from .support import count, events


@pytest.mark.parametrize("text, expected", [("+1.00", "1.00"), ("-3", "-3.00"), ("−1.5", "-1.50"),
                                            ("0", "0.00"), ("", "0.00"), ("2元/公斤", "2.00")])
def test_price_differentials_are_read_exactly_with_their_sign(text, expected):
    assert catalogue_services.parse_price_diff(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1.005", "abc", "1e400", "1000"])
def test_a_differential_finer_than_a_fen_or_not_a_number_is_refused(text):
    with pytest.raises(ValidationFailed) as caught:
        catalogue_services.parse_price_diff(text)
    assert "price_diff" in caught.value.fields


def test_the_peach_defaults_create_the_product_varieties_and_grade_table(admin):
    product = catalogue_services.create_peach_defaults(admin)
    db.session.commit()
    assert product.name == "桃"
    assert [v.name for v in product.varieties] == ["水蜜桃", "油桃"]
    table, = product.grade_tables
    assert table.is_default and product.default_grade_table is table
    assert [(g.rank, g.name, g.min_fruit_g, g.price_diff) for g in table.grades] == [
        (0, "特级", 250, Decimal("1.00")), (1, "一级", 200, Decimal("0.00")),
        (2, "二级", 150, Decimal("-1.00")), (3, "等外", None, Decimal("-3.00"))]
    assert len(events("grade.create")) == 4


def test_running_the_peach_defaults_twice_changes_nothing(admin):
    catalogue_services.create_peach_defaults(admin)
    before = (count(Product), count(Variety), count(GradeTable), count(Grade), count(AuditEvent))
    catalogue_services.create_peach_defaults(admin)
    assert (count(Product), count(Variety), count(GradeTable), count(Grade), count(AuditEvent)) == before


def test_exactly_one_grade_table_per_product_is_the_default(admin):
    product = catalogue_services.create_product(admin, name="杏")
    first = catalogue_services.create_grade_table(admin, product_id=product.id, name="旧标准")
    assert first.is_default
    second = catalogue_services.create_grade_table(admin, product_id=product.id, name="超市标准")
    assert not second.is_default
    catalogue_services.update_grade_table(admin, second, is_default=True)
    db.session.refresh(first)
    assert (first.is_default, second.is_default) == (False, True)
    with pytest.raises(ValidationFailed):
        catalogue_services.update_grade_table(admin, second, is_default=False)
    third = catalogue_services.create_grade_table(admin, product_id=product.id, name="出口标准", is_default=True)
    defaults = db.session.scalars(select(GradeTable).where(GradeTable.is_default.is_(True))).all()
    assert defaults == [third]
    demoted = [e for e in events("grade_table.update") if e.entity_id == second.id][-1]
    assert demoted.before["is_default"] is True and demoted.after["is_default"] is False


def test_grades_are_editable_and_codes_and_ranks_stay_unique(admin, catalogue):
    table = catalogue["table"]
    first = catalogue["grades"]["一级"]
    catalogue_services.update_grade(admin, first, min_fruit_g=210, price_diff="0.50")
    assert (first.min_fruit_g, first.price_diff) == (210, Decimal("0.50"))
    with pytest.raises(Conflict):
        catalogue_services.update_grade(admin, first, rank=0)
    with pytest.raises(Conflict):
        catalogue_services.create_grade(admin, table_id=table.id, code="special", name="精品", rank=9)
    with pytest.raises(ValidationFailed) as caught:
        catalogue_services.create_grade(admin, table_id=table.id, code="精品", name="精品", rank=-1, min_fruit_g="大")
    assert set(caught.value.fields) == {"code", "rank", "min_fruit_g"}
    event, = events("grade.update")
    assert event.before["price_diff"] == "0.00" and event.after["price_diff"] == "0.50"


def test_anyone_signed_in_reads_the_catalogue(buyer_user, catalogue):
    assert db.session.scalars(catalogue_services.products_query(buyer_user)).all() == [catalogue["product"]]


def test_a_name_taken_at_the_same_moment_is_still_a_conflict(admin, monkeypatch):
    catalogue_services.create_product(admin, name="杏")
    db.session.commit()
    monkeypatch.setattr(catalogue_services, "_check_product_name_free", lambda name, product: None)
    with pytest.raises(Conflict) as caught:
        catalogue_services.create_product(admin, name="杏")
    assert "name" in caught.value.fields
    db.session.rollback()
    assert count(Product) == 1
