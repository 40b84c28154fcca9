"""Buyers (supermarkets and wholesalers): their 统一社会信用代码, contacts, acceptance rules and
payment terms.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from models import Buyer, RoleName, User, db

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, FieldErrors as Errors, NotFound, PermissionDenied
from .common import ORDER_STAFF, entered_decimal

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

BUYER_FIELDS = ("name", "credit_code", "province", "city", "address", "contact_name", "contact_phone",
                "accept_below_pct", "reject_above_pct", "weighbridge_tolerance_pct", "payment_terms_days", "active")


def credit_code_valid(code: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters with a mod-31 check character."""
    if not re.fullmatch(f"[{CREDIT_CODE_CHARS}]{{18}}", code or ""):
        return False
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31] == code[17]


def _buyer_values(errors: Errors, data: Mapping[str, Any], current: Buyer | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data or current is None:
        name = (data.get("name") or "").strip()
        if not name:
            errors.add("name", _l("Enter the buyer's name."))
        values["name"] = name[:128]
    if "credit_code" in data or current is None:
        code = (data.get("credit_code") or "").strip().upper()
        if not credit_code_valid(code):
            errors.add("credit_code", _l("Enter the 18-character unified social credit code (统一社会信用代码)."))
        values["credit_code"] = code
    for key in ("province", "city", "address", "contact_name", "contact_phone"):
        if key in data:
            values[key] = (data.get(key) or "").strip()
    for key in ("accept_below_pct", "reject_above_pct"):
        if key in data:
            pct = entered_decimal(data[key], key, errors, _l("Enter a percentage such as 1 or 5."))
            if pct is not None and not (Decimal(0) <= pct <= Decimal(100)) or (pct is not None and pct != pct.quantize(Decimal("0.01"))):
                errors.add(key, _l("Enter a percentage between 0 and 100."))
            values[key] = pct
    if "weighbridge_tolerance_pct" in data:
        key = "weighbridge_tolerance_pct"
        pct = entered_decimal(data[key], key, errors, _l("Enter a percentage such as 0.5 or 1."))
        if pct is not None and not (Decimal(0) <= pct <= Decimal(5) and pct == pct.quantize(Decimal("0.01"))):
            errors.add(key, _l("Enter a weighbridge tolerance between 0 and 5 percent."))
        values[key] = pct
    accept = values.get("accept_below_pct", current.accept_below_pct if current else Decimal("1"))
    reject = values.get("reject_above_pct", current.reject_above_pct if current else Decimal("5"))
    if accept is not None and reject is not None and accept > reject:
        errors.add("reject_above_pct", _l("The rejection threshold must not be below the acceptance threshold."))
    if "payment_terms_days" in data:
        try:
            days = int(data["payment_terms_days"])
        except (TypeError, ValueError):
            days = -1
        if not 0 <= days <= 60:
            errors.add("payment_terms_days", _l("Payment terms are 0 to 60 days (the law allows at most 60)."))
        values["payment_terms_days"] = days
    if "active" in data:
        values["active"] = bool(data["active"])
    return values


def _check_buyer_unique(values: dict[str, Any], current: Buyer | None) -> None:
    for key, message in (("name", _l("A buyer with this name exists.")),
                         ("credit_code", _l("A buyer with this credit code exists."))):
        if key in values:
            column = getattr(Buyer, key)
            other = db.session.scalar(select(Buyer.id).where(column == values[key]))
            if other is not None and (current is None or other != current.id):
                raise Conflict(message, field=key)


def create_buyer(actor: User, **data: Any) -> Buyer:
    """Register a supermarket or other buyer. Admins and coordinators.

    :raises ValidationFailed: bad credit code, terms over 60 days, thresholds out of order.
    :raises Conflict: the name or credit code is taken.
    """
    require_role(actor, *ORDER_STAFF)
    errors = Errors()
    values = _buyer_values(errors, data, None)
    errors.raise_if_any()
    _check_buyer_unique(values, None)
    buyer = Buyer(**values)
    db.session.add(buyer)
    db.session.flush()
    audit.record(actor, "buyer.create", buyer, after=audit.snapshot(buyer, BUYER_FIELDS))
    return buyer


def update_buyer(actor: User, buyer: Buyer, **data: Any) -> Buyer:
    require_role(actor, *ORDER_STAFF)
    before = audit.snapshot(buyer, BUYER_FIELDS)
    errors = Errors()
    values = _buyer_values(errors, data, buyer)
    errors.raise_if_any()
    _check_buyer_unique(values, buyer)
    for key, value in values.items():
        setattr(buyer, key, value)
    db.session.flush()
    audit.record(actor, "buyer.update", buyer, before=before, after=audit.snapshot(buyer, BUYER_FIELDS))
    return buyer


def get_buyer(actor: User, buyer_id: int) -> Buyer:
    buyer = db.session.get(Buyer, buyer_id)
    if buyer is None:
        raise NotFound()
    if actor.has_role(*ORDER_STAFF, RoleName.ACCOUNTANT):
        return buyer
    if actor.has_role(RoleName.BUYER) and actor.buyer_id == buyer.id:
        return buyer
    raise PermissionDenied()


def buyers_statement(actor: User) -> Select:
    require_role(actor, *ORDER_STAFF, RoleName.ACCOUNTANT)
    return select(Buyer).order_by(Buyer.name)
