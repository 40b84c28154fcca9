"""Households (农户): registered by coordinators or admins, read by staff and by the household
itself.

Full ID, phone and account numbers of a household leave this module only through
:func:`household_view` with ``reveal=True``, which accountants and admins may ask for and
which writes a ``household.view_sensitive`` audit event each time; the audit log keeps them masked.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from models import Household, PartyGroup, PayoutMethod, RoleName, User, Village, VillageGroup, db

from .. import audit, labels, privacy
from ..auth.permissions import can_see_sensitive, require_household_access, require_role, visible_household_id
from ..errors import Conflict, FieldErrors as Errors, PermissionDenied
from . import payee_changes
from .common import clean_text, fetch, is_given, referenced, required_text
from .identity import BANK_ACCOUNT_RE, normalise_id_number, normalise_phone, valid_id_number, valid_mobile

HOUSEHOLD_WRITERS = (RoleName.COORDINATOR, RoleName.ADMIN)


def can_write_households(actor: User | None) -> bool:
    return actor is not None and actor.has_role(*HOUSEHOLD_WRITERS)


def get_household(actor: User, household_id: int) -> Household:
    """:raises PermissionDenied: buyers, and villagers asking for another household."""
    visible_household_id(actor)
    household = fetch(Household, household_id)
    require_household_access(actor, household.id)
    return household


HOUSEHOLD_FIELDS = ("head_name", "village_id", "group_id", "party_group_id", "payout_method",
                    "bank_name", "priority", "note", "active")
SENSITIVE_FIELDS = ("id_number", "phone", "account_number")


def _household_audit(household: Household) -> dict[str, Any]:
    """Before/after for the audit log: the sensitive numbers only masked, never in full."""
    snap = audit.snapshot(household, HOUSEHOLD_FIELDS)
    snap["id_number"] = privacy.mask_id_number(household.id_number)
    snap["phone"] = privacy.mask_phone(household.phone)
    snap["account_number"] = privacy.mask_account(household.account_number)
    return snap


def households_query(actor: User, *, village_id: int | None = None, party_group_id: int | None = None,
                     search: str | None = None, active: bool | None = None) -> Select:
    """The households ``actor`` may read: all for staff, their own for a villager.

    ``search`` matches part of the head's name or the phone's last four digits (what a masked
    phone shows). A full eleven-digit number is matched only for those who may see full numbers,
    and each such search is audited: otherwise an exact search would recover a masked phone one
    guess at a time.

    :raises PermissionDenied: for buyers.
    """
    own = visible_household_id(actor)
    statement = select(Household).order_by(Household.village_id, Household.group_id, Household.id)
    if own is not None:
        statement = statement.where(Household.id == own)
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    if party_group_id is not None:
        statement = statement.where(Household.party_group_id == party_group_id)
    if active is not None:
        statement = statement.where(Household.active.is_(active))
    text = (search or "").strip()
    if text:
        digits = normalise_phone(text)
        conditions = [Household.head_name.contains(text, autoescape=True)]
        if digits.isdigit() and len(digits) == 4:
            conditions.append(Household.phone.endswith(digits))
        elif digits.isdigit() and len(digits) == 11 and can_see_sensitive(actor):
            conditions.append(Household.phone == digits)
            audit.record(actor, "household.search_phone", None, after={"phone": privacy.mask_phone(digits)})
        statement = statement.where(or_(*conditions))
    return statement


#: not looked up yet: ``household_view`` asks for the household's waiting payee change itself
_ASK = object()


def household_view(actor: User, household: Household, reveal: bool = False,
                   reason: str | None = None, waiting: Any = _ASK) -> dict[str, Any]:
    """What ``actor`` may see of a household, as a dict.

    ID, phone and account numbers come masked unless ``reveal`` is asked by an accountant or
    admin; each revealed view writes a ``household.view_sensitive`` audit event.

    :raises PermissionDenied: buyers, villagers reaching for another household, and anyone
        else asking to reveal.
    """
    require_household_access(actor, household.id)
    if reveal:
        if not can_see_sensitive(actor):
            raise PermissionDenied(_l("Only accountants and administrators may see full numbers."))
        audit.record(actor, "household.view_sensitive", household,
                     after={"fields": list(SENSITIVE_FIELDS)}, reason=clean_text(reason, 500) or None)
        id_number, phone, account = household.id_number, household.phone, household.account_number
    else:
        id_number = privacy.mask_id_number(household.id_number)
        phone = privacy.mask_phone(household.phone)
        account = privacy.mask_account(household.account_number)
    return {
        "id": household.id,
        "head_name": household.head_name,
        "id_number": id_number,
        "phone": phone,
        "village_id": household.village_id,
        "village_name": household.village.name,
        "group_id": household.group_id,
        "group_name": household.group.name if household.group else None,
        "party_group_id": household.party_group_id,
        "party_group_name": str(household.party_group) if household.party_group else None,
        "payout_method": household.payout_method,
        "bank_name": household.bank_name,
        "account_number": account,
        "priority": household.priority,
        "note": household.note,
        "active": household.active,
        "created_at": household.created_at,
        "revealed": bool(reveal),
        "payee_changed_at": household.payee_changed_at,
        "payee_change": _waiting_change(payee_changes.pending_for(household.id) if waiting is _ASK else waiting),
    }


def households_view(actor: User, rows: list[Household]) -> list[dict[str, Any]]:
    """``household_view`` of a page of households, their waiting payee changes read at once."""
    waiting = payee_changes.pending_for_many(h.id for h in rows)
    return [household_view(actor, h, waiting=waiting.get(h.id)) for h in rows]


def _waiting_change(change) -> dict[str, Any] | None:
    """The payout change waiting for an accountant, masked: what the household's page tells."""
    if change is None:
        return None
    return {"id": change.id, "status": change.status.value, "requested_at": change.requested_at,
            "payout_method": change.payout_method.value, "payout_label": labels.label(change.payout_method),
            "bank_name": change.bank_name,
            "account_number": privacy.mask_account(change.account_number)}


def _payout(value: Any, errors: Errors) -> PayoutMethod | None:
    if isinstance(value, PayoutMethod):
        return value
    try:
        return PayoutMethod(str(value))
    except ValueError:
        errors.add("payout_method", _l("Choose bank card, WeChat or cash."))
        return None


def _household_changes(errors: Errors, current: Household | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the given household fields; returns the cleaned values to set."""
    values: dict[str, Any] = {}
    if "head_name" in given:
        values["head_name"] = required_text(given["head_name"], "head_name",
                                            _l("Enter the name of the head of the household."), errors)
    if "id_number" in given:
        id_number = normalise_id_number(given["id_number"])
        if id_number and not valid_id_number(id_number):
            errors.add("id_number", _l("This is not a valid 18-character ID number; check every digit."))
        values["id_number"] = id_number
    if "phone" in given:
        phone = normalise_phone(given["phone"])
        if phone and not valid_mobile(phone):
            errors.add("phone", _l("Enter an 11-digit mobile number."))
        values["phone"] = phone
    if "village_id" in given:
        village = referenced(Village, given["village_id"], "village_id", _l("Choose a village from the list."))
        if village is None:
            errors.add("village_id", _l("Choose a village from the list."))
        values["village_id"] = village.id if village else None
    if "group_id" in given:
        group = referenced(VillageGroup, given["group_id"], "group_id", _l("Choose a group from the list."))
        values["group_id"] = group.id if group else None
    if "party_group_id" in given:
        party_group = referenced(PartyGroup, given["party_group_id"], "party_group_id",
                                 _l("Choose a party group from the list."))
        values["party_group_id"] = party_group.id if party_group else None
    if "payout_method" in given:
        values["payout_method"] = _payout(given["payout_method"], errors)
    if "bank_name" in given:
        values["bank_name"] = clean_text(given["bank_name"])
    if "account_number" in given:
        values["account_number"] = re.sub(r"\s", "", str(given["account_number"] or ""))[:40]
    for flag in ("priority", "active"):
        if flag in given:
            values[flag] = bool(given[flag])
    if "note" in given:
        values["note"] = str(given["note"] or "").strip()[:2000]

    def final(name: str) -> Any:
        return values[name] if name in values else getattr(current, name, None)

    village_id, group_id = final("village_id"), final("group_id")
    if group_id is not None and village_id is not None and "group_id" not in errors.fields:
        group = db.session.get(VillageGroup, group_id)
        if group.village_id != village_id:
            errors.add("group_id", _l("This group is not in the chosen village."))
    method = final("payout_method")
    account = final("account_number") or ""
    if method is PayoutMethod.BANK and "payout_method" not in errors.fields:
        if not final("bank_name"):
            errors.add("bank_name", _l("Enter the bank, e.g. 陕西信合."))
        if not account:
            errors.add("account_number", _l("Enter the bank card number."))
        elif "account_number" in values and not BANK_ACCOUNT_RE.fullmatch(account):
            errors.add("account_number", _l("A bank card number has 12 to 30 digits."))
    elif method is PayoutMethod.WECHAT and not account:
        errors.add("account_number", _l("Enter the WeChat ID or the phone number bound to WeChat."))
    errors.raise_if_any()
    if values.get("id_number"):
        taken = db.session.scalar(select(Household.id).where(Household.id_number == values["id_number"]))
        if taken is not None and (current is None or taken != current.id):
            raise Conflict(_l("Another household is already registered with this ID number."),
                           field="id_number")
    return values


def create_household(actor: User, *, head_name: str, village_id: int, id_number: str = "",
                     phone: str = "", group_id: int | None = None, party_group_id: int | None = None,
                     payout_method: PayoutMethod | str = PayoutMethod.BANK, bank_name: str = "",
                     account_number: str = "", priority: bool = False, note: str = "",
                     active: bool = True) -> Household:
    """Register a household. Coordinators do this for villagers who have no phone.

    :raises PermissionDenied: unless a coordinator or admin.
    :raises ValidationFailed: bad ID number, phone or account, a group from another village.
    :raises Conflict: the ID number is already registered.
    """
    require_role(actor, *HOUSEHOLD_WRITERS)
    given = dict(head_name=head_name, village_id=village_id, id_number=id_number, phone=phone,
                 group_id=group_id, party_group_id=party_group_id, payout_method=payout_method,
                 bank_name=bank_name, account_number=account_number, priority=priority, note=note,
                 active=active)
    household = Household(**_household_changes(Errors(), None, given))
    db.session.add(household)
    db.session.flush()
    audit.record(actor, "household.create", household, after=_household_audit(household),
                 on_behalf_of_household_id=household.id)
    return household


def update_household(actor: User, household: Household, **changes: Any) -> Household:
    """Change the given fields (names as in :func:`create_household`); the rest stay.

    A sensitive number passed as ``None`` or left out stays as it is, so a coordinator who
    sees only masked values can edit a household without knowing them.
    """
    require_role(actor, *HOUSEHOLD_WRITERS)
    allowed = {"head_name", "village_id", "id_number", "phone", "group_id", "party_group_id",
               "payout_method", "bank_name", "account_number", "priority", "note", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown household fields: {sorted(unknown)}")
    given = {k: v for k, v in changes.items() if is_given(v) and not (k in SENSITIVE_FIELDS and v is None)}
    before = _household_audit(household)
    values = _household_changes(Errors(), household, given)
    # where the money goes changes only under four eyes: a request an accountant approves
    payee = {name: values.pop(name) for name in payee_changes.PAYEE_FIELDS if name in values}
    if payee_changes.differs(household, payee):
        payee_changes.request_change(actor, household, payee)
    changed = [name for name in SENSITIVE_FIELDS
               if name in values and values[name] != getattr(household, name)]
    for key, value in values.items():
        setattr(household, key, value)
    db.session.flush()
    after = _household_audit(household)
    if changed:
        after["changed_numbers"] = changed
    audit.record(actor, "household.update", household, before=before, after=after,
                 on_behalf_of_household_id=household.id)
    return household
