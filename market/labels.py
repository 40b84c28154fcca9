"""Translated names of every enum value people see."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from models import (ContractStatus, DeductionKind, LotStatus, PayoutMethod, PrepaymentKind,
                    PriceMechanism, QuantityUnit, RoleName, SlipStatus)

LABELS: dict[enum.Enum, object] = {
    RoleName.VILLAGER: _l("Villager"),
    RoleName.COORDINATOR: _l("Party-group coordinator"),
    RoleName.ACCOUNTANT: _l("Accountant"),
    RoleName.BUYER: _l("Buyer"),
    RoleName.ADMIN: _l("Administrator"),
    LotStatus.LISTED: _l("Listed"),
    LotStatus.ALLOCATED: _l("Allocated"),
    LotStatus.COLLECTED: _l("Collected"),
    LotStatus.CLOSED: _l("Closed"),
    LotStatus.WITHDRAWN: _l("Withdrawn"),
    QuantityUnit.JIN: _l("jin (斤)"),
    QuantityUnit.KG: _l("kg (公斤)"),
    QuantityUnit.TONNE: _l("tonne (吨)"),
    ContractStatus.DRAFT: _l("Draft"),
    ContractStatus.SIGNED: _l("Signed"),
    ContractStatus.ACTIVE: _l("Active"),
    ContractStatus.FULFILLED: _l("Fulfilled"),
    ContractStatus.TERMINATED: _l("Terminated"),
    PriceMechanism.FIXED: _l("Fixed price"),
    PriceMechanism.FLOOR: _l("Floor price (higher of floor and market)"),
    PriceMechanism.MARKET_PLUS: _l("Market price plus a premium"),
    PriceMechanism.BASE_BONUS: _l("Base price plus a later bonus"),
    PrepaymentKind.DEPOSIT: _l("Deposit (定金)"),
    PrepaymentKind.ADVANCE: _l("Advance (预付款)"),
    DeductionKind.NONE: _l("No deduction"),
    DeductionKind.PERCENT: _l("Percent of net"),
    DeductionKind.FIXED: _l("Fixed kilograms"),
    DeductionKind.PER_UNIT: _l("Kilograms per crate"),
    SlipStatus.CONFIRMED: _l("Confirmed"),
    SlipStatus.VOID: _l("Void"),
    PayoutMethod.BANK: _l("Bank card"),
    PayoutMethod.WECHAT: _l("WeChat"),
    PayoutMethod.CASH: _l("Cash"),
}


def label(value: enum.Enum | None) -> str:
    if value is None:
        return ""
    return str(LABELS.get(value, value.value))


def choices(enum_cls: type[enum.Enum]) -> list[tuple[str, object]]:
    """(value, label) pairs for a WTForms SelectField."""
    return [(member.value, LABELS.get(member, member.value)) for member in enum_cls]
