"""Jinja filters and globals: money, weights in the viewer's unit, masking, dates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import Flask, current_app
from flask_babel import get_locale
from flask_login import current_user

from models import RoleName

from . import labels, privacy, units


def default_unit() -> units.Unit:
    """Villagers think in 斤 and 元/斤; staff in 公斤 and 元/公斤."""
    user = current_user
    if user and getattr(user, "is_authenticated", False) and not user.has_role(
            RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN, RoleName.BUYER):
        return units.Unit.JIN
    if not (user and getattr(user, "is_authenticated", False)):
        return units.Unit.JIN
    return units.Unit.KG


def weight_filter(kg: Decimal | None, unit: str | units.Unit | None = None, symbol: bool = True) -> str:
    if kg is None:
        return ""
    chosen = units.parse_unit(unit) if unit else default_unit()
    return units.format_weight(units.Weight(kg), chosen, symbol)


def money_filter(yuan: Decimal | None, symbol: bool = True) -> str:
    if yuan is None:
        return ""
    return units.format_money(units.Money(yuan), symbol)


def price_filter(per_kg: Decimal | None, unit: str | units.Unit | None = None) -> str:
    if per_kg is None:
        return ""
    chosen = units.parse_unit(unit) if unit else default_unit()
    value = units.price_in_unit(per_kg, chosen)
    places = max(2, -value.as_tuple().exponent) if value.as_tuple().exponent < 0 else 2
    return f"¥{value:,.{places}f}/{chosen.symbol}"


def local_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.astimezone(zone).strftime(fmt)


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def month_label(value) -> str:
    """A month as people say it: 2026年11月 in Chinese, Nov 2026 in English. ``value`` is anything
    with ``year`` and ``month``, or "YYYY-MM"."""
    if isinstance(value, str):
        year, month = (int(part) for part in value.split("-")[:2])
    else:
        year, month = value.year, value.month
    return format_skeleton("yMMM", date(year, month, 1), locale=str(get_locale() or "zh_CN"))


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        weight=weight_filter, money=money_filter, price=price_filter, dt=local_dt, day=day,
        mask_phone=privacy.mask_phone, mask_id=privacy.mask_id_number,
        mask_account=privacy.mask_account, mask_name=privacy.mask_name, label=labels.label,
        month=month_label,
    )
    app.jinja_env.globals.update(current_app=current_app, default_unit=default_unit, label=labels.label, role_label=labels.label, RoleName=RoleName, get_locale=get_locale)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
