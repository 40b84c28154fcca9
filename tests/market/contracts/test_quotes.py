"""Market quotes (行情) and how a contract prices a delivery from them."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from market.contracts import services
from market.errors import Conflict, PermissionDenied, ValidationFailed
from models import AuditEvent, MarketQuote, db

DAY = date(2026, 8, 1)
MARKET = "西安北郊果品市场"


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_quote_per_jin_is_stored_per_kilogram(coordinator, peach, grades):
    quote = services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "3.20", MARKET, unit="jin")
    db.session.commit()
    assert quote.price == Decimal("6.40")
    assert services.quote_for(peach.id, grades["一级"].id, DAY, MARKET) is quote
    assert services.quote_for(peach.id, grades["一级"].id, DAY, "别的市场") is None
    assert services.quote_for(peach.id, grades["一级"].id, DAY + timedelta(days=1), MARKET) is None


def test_a_second_quote_for_the_same_day_and_market_is_a_conflict_that_says_so(coordinator, peach, grades):
    services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.40", MARKET)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.80", MARKET)
    text = caught.value.text()
    assert MARKET in text and "水蜜桃" in text and "2026-08-01" in text and "6.40" in text
    db.session.rollback()
    assert db.session.scalar(db.select(MarketQuote.price)) == Decimal("6.40")


def test_another_market_may_quote_the_same_day(coordinator, peach, grades):
    services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.40", MARKET)
    services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.10", "咸阳果品批发市场")
    assert count(MarketQuote) == 2


def test_a_correction_changes_the_price_and_audits_before_and_after(coordinator, peach, grades):
    services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.40", MARKET)
    corrected = services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.80", MARKET,
                                      correct=True, reason="抄错了")
    db.session.commit()
    assert corrected.price == Decimal("6.80") and count(MarketQuote) == 1
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "market_quote.correct")).one()
    assert (event.before, event.after, event.reason) == ({"price": "6.40"}, {"price": "6.80"}, "抄错了")


def test_a_correction_needs_a_reason(coordinator, peach, grades):
    services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.40", MARKET)
    with pytest.raises(ValidationFailed) as caught:
        services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.80", MARKET, correct=True)
    assert list(caught.value.fields) == ["reason"]


@pytest.mark.parametrize("price", ["0", "-1", "abc", "6.405"])
def test_a_quote_needs_a_positive_price_to_the_fen(coordinator, peach, grades, price):
    with pytest.raises(ValidationFailed) as caught:
        services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, price, MARKET)
    assert list(caught.value.fields) == ["price"]
    assert count(MarketQuote) == 0


def test_a_quote_needs_a_market_and_a_day_not_in_the_future(coordinator, peach, grades):
    with pytest.raises(ValidationFailed) as caught:
        services.record_quote(coordinator, peach.id, grades["一级"].id,
                              services.local_today() + timedelta(days=1), "6.00", " ")
    assert set(caught.value.fields) == {"quoted_on", "source"}


def test_a_grade_of_another_product_is_refused(coordinator, peach, grades):
    from models import Grade, GradeTable, Product
    apples = Product(name="苹果")
    db.session.add(apples)
    db.session.flush()
    table = GradeTable(product_id=apples.id, name="苹果等级", is_default=True)
    db.session.add(table)
    db.session.flush()
    grade = Grade(table_id=table.id, code="a", name="一等果", rank=0)
    db.session.add(grade)
    db.session.flush()
    with pytest.raises(ValidationFailed) as caught:
        services.record_quote(coordinator, peach.id, grade.id, DAY, "6.00", MARKET)
    assert list(caught.value.fields) == ["grade_id"]


@pytest.mark.parametrize("who", ["villager", "buyer_user"])
def test_villagers_and_buyers_cannot_list_quotes(request, who):
    with pytest.raises(PermissionDenied):
        services.quotes_statement(request.getfixturevalue(who))


@pytest.mark.parametrize("who", ["villager", "buyer_user", "accountant"])
def test_only_coordinators_and_admins_record_quotes(request, peach, grades, who):
    with pytest.raises(PermissionDenied):
        services.record_quote(request.getfixturevalue(who), peach.id, grades["一级"].id, DAY, "6.00", MARKET)


def test_recent_quotes_cover_the_last_seven_days(coordinator, peach, grades):
    today = services.local_today()
    for back in (0, 6, 7):
        services.record_quote(coordinator, peach.id, grades["一级"].id, today - timedelta(days=back), "6.00", MARKET)
    days = [q.quoted_on for q in db.session.scalars(services.quotes_statement(coordinator))]
    assert days == [today, today - timedelta(days=6)]


# --- pricing a delivery ---------------------------------------------------------------------

def test_a_fixed_contract_prices_a_delivery_without_any_quote(make_contract, grades):
    contract = make_contract("active")
    decision, quote = services.price_for_delivery(contract, grades["特级"].id, DAY)
    assert (decision.unit_price, decision.basis, quote) == (Decimal("8.00"), "fixed", None)


def test_a_floor_contract_pays_the_days_quote_when_it_is_higher(coordinator, make_contract, grades, peach):
    contract = make_contract("active", mechanism="floor", quote_source=MARKET)
    recorded = services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "6.50", MARKET)
    decision, quote = services.price_for_delivery(contract, grades["一级"].id, DAY)
    assert (decision.unit_price, decision.basis, quote) == (Decimal("6.50"), "quote", recorded)


def test_a_floor_contract_ignores_other_markets_quotes(coordinator, make_contract, grades, peach):
    contract = make_contract("active", mechanism="floor", quote_source=MARKET)
    services.record_quote(coordinator, peach.id, grades["一级"].id, DAY, "9.00", "别的市场")
    with pytest.raises(ValidationFailed):
        services.price_for_delivery(contract, grades["一级"].id, DAY)


def test_market_plus_adds_the_premium_to_the_quote(coordinator, make_contract, grades, peach):
    contract = make_contract("active", mechanism="market_plus", quote_source=MARKET, premium_pct="10")
    services.record_quote(coordinator, peach.id, grades["二级"].id, DAY, "5.00", MARKET)
    decision, _quote = services.price_for_delivery(contract, grades["二级"].id, DAY)
    assert (decision.unit_price, decision.basis) == (Decimal("5.50"), "quote_plus")


def test_base_bonus_pays_the_base_and_carries_the_bonus(make_contract, grades):
    contract = make_contract("active", mechanism="base_bonus", bonus_per_kg="0.30")
    decision, quote = services.price_for_delivery(contract, grades["一级"].id, DAY)
    assert (decision.unit_price, decision.bonus_per_kg, quote) == (Decimal("6.00"), Decimal("0.30"), None)


def test_a_missing_quote_names_the_variety_grade_day_and_market(make_contract, grades):
    contract = make_contract("active", mechanism="floor", quote_source=MARKET)
    with pytest.raises(ValidationFailed) as caught:
        services.price_for_delivery(contract, grades["二级"].id, DAY)
    text = caught.value.text()
    for part in ("水蜜桃", "二级", "2026-08-01", MARKET):
        assert part in text


def test_a_grade_outside_the_contract_cannot_be_priced(make_contract, catalogue):
    from models import Grade
    contract = make_contract("active")
    stray = Grade(table_id=catalogue["table"].id, code="x", name="加工果", rank=9)
    db.session.add(stray)
    db.session.flush()
    with pytest.raises(ValidationFailed):
        services.price_for_delivery(contract, stray.id, DAY)
