"""Suppliers (供应商/承运商): the carriers and packing suppliers freight and packing are owed to.

A settlement whose logistics or packing names a supplier credits 2202 应付账款 by that supplier
(``vouchers.cost_credits``); the supplier is then paid like a household (``payments``). Accountants
record suppliers; coordinators, who name them on a settlement, read them (bank accounts masked).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from models import RoleName, Supplier, User, db

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, FieldErrors, NotFound
from ..orders.buyers import credit_code_valid
from ..privacy import mask_account

READERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR)
WRITERS = (RoleName.ACCOUNTANT,)
_ACCOUNT = re.compile(r"^[0-9]{6,34}$")


def listing(actor: User) -> Select:
    require_role(actor, *READERS)
    return select(Supplier).order_by(Supplier.name, Supplier.id)


def get(actor: User, supplier_id: int) -> Supplier:
    require_role(actor, *READERS)
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(_l("This supplier does not exist."))
    return supplier


def shown_account(actor: User, supplier: Supplier) -> str:
    """The bank account as this reader may see it: in full for accountants, masked for others."""
    return supplier.account_number if actor.has_role(*WRITERS) else mask_account(supplier.account_number)


def create(actor: User, data: Mapping[str, Any]) -> Supplier:
    """Record a supplier. :raises ValidationFailed: no name, a bad credit code or account.
    :raises Conflict: a supplier of that name exists."""
    require_role(actor, *WRITERS)
    errors = FieldErrors()
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors.add("name", _l("Enter the supplier's name."))
    elif len(name) > 128:
        errors.add("name", _l("At most 128 characters."))
    code = str(data.get("credit_code") or "").strip().upper()
    if code and not credit_code_valid(code):
        errors.add("credit_code", _l("Enter the 18-character unified social credit code (统一社会信用代码)."))
    bank_name = " ".join(str(data.get("bank_name") or "").split())
    if len(bank_name) > 64:
        errors.add("bank_name", _l("At most 64 characters."))
    account = str(data.get("account_number") or "").replace(" ", "")
    if account and not _ACCOUNT.match(account):
        errors.add("account_number", _l("A bank account number is 6 to 34 digits."))
    errors.raise_if_any()
    if db.session.scalar(select(Supplier.id).where(Supplier.name == name)) is not None:
        raise Conflict(_l("A supplier of that name is already recorded."), field="name")
    supplier = Supplier(name=name, credit_code=code, bank_name=bank_name, account_number=account)
    try:
        with db.session.begin_nested():
            db.session.add(supplier)
            db.session.flush()
    except IntegrityError:  # recorded by someone else meanwhile
        raise Conflict(_l("A supplier of that name is already recorded."), field="name") from None
    audit.record(actor, "supplier.create", supplier, after={"name": name, "credit_code": code, "bank_name": bank_name})
    return supplier


def choices() -> list[tuple[Any, str]]:
    """Every supplier as a select's choices, after an empty one (none: paid on the day)."""
    return [("", "—")] + [(supplier.id, supplier.name) for supplier in
                          db.session.scalars(select(Supplier).order_by(Supplier.name, Supplier.id))]
