"""Reference data: villages and their party organisation, households, the catalogue, logins.

Every function takes the acting user first and checks what that user may do. Admins write
everything; coordinators register and edit households (for villagers without a phone) and
read the rest. Every create and update is audited with the state before and after. Full ID,
phone and account numbers of a household leave this module only through
:func:`household_view` with ``reveal=True``, which accountants and admins may ask for and
which writes a ``household.view_sensitive`` audit event each time.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from models import (Grade, GradeTable, Household, PartyBranch, PartyGroup, PayoutMethod, Product, Role,
                    RoleName, User, Variety, Village, VillageGroup, db)

from .. import audit, privacy, units
from ..auth import services as auth_services
from ..auth.permissions import (can_see_sensitive, require_household_access, require_role,
                                visible_household_id)
from ..errors import Conflict, FieldErrors as Errors, NotFound, PermissionDenied, ValidationFailed

STAFF = (RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN)
HOUSEHOLD_WRITERS = (RoleName.COORDINATOR, RoleName.ADMIN)


class _Keep:
    """Marks an update argument that was not given: the value stays as it is."""

    def __repr__(self) -> str:
        return "KEEP"

    def __bool__(self) -> bool:
        return False


KEEP: Any = _Keep()


def _given(value: Any) -> bool:
    return not isinstance(value, _Keep)


# --- permissions and look-ups --------------------------------------------------------

def require_admin(actor: User | None) -> User:
    return require_role(actor, RoleName.ADMIN)


def require_staff(actor: User | None) -> User:
    """Villages, party organisation and the user-facing reference pages: staff only."""
    return require_role(actor, *STAFF)


def require_signed_in(actor: User | None) -> User:
    """The catalogue (products, varieties, grades) is no secret to anyone signed in."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    return actor


def can_write_households(actor: User | None) -> bool:
    return actor is not None and actor.has_role(*HOUSEHOLD_WRITERS)


def _get(model: type, object_id: Any) -> Any:
    obj = db.session.get(model, object_id) if isinstance(object_id, int) else None
    if obj is None:
        raise NotFound()
    return obj


def _reference(model: type, object_id: Any, field: str, message: Any) -> Any:
    """A row named by an input field; an unknown id is a mistake in that field, not a 404."""
    if object_id is None or object_id == "":
        return None
    try:
        obj = db.session.get(model, int(object_id))
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise ValidationFailed(message, field=field)
    return obj


def _save(conflict: Any, field: str, new: Any = None) -> None:
    """Flush (adding ``new``); a unique key taken meanwhile by someone else is a Conflict.

    The checks before this give the usual answer; this covers two people saving the same
    name or code at the same moment. Like after any refusal, the caller rolls back.
    """
    try:
        if new is not None:
            db.session.add(new)
        db.session.flush()
    except IntegrityError:
        raise Conflict(conflict, field=field) from None


def get_village(actor: User, village_id: int) -> Village:
    require_staff(actor)
    return _get(Village, village_id)


def get_village_group(actor: User, group_id: int) -> VillageGroup:
    require_staff(actor)
    return _get(VillageGroup, group_id)


def get_party_branch(actor: User, branch_id: int) -> PartyBranch:
    require_staff(actor)
    return _get(PartyBranch, branch_id)


def get_party_group(actor: User, party_group_id: int) -> PartyGroup:
    require_staff(actor)
    return _get(PartyGroup, party_group_id)


def get_household(actor: User, household_id: int) -> Household:
    """:raises PermissionDenied: buyers, and villagers asking for another household."""
    visible_household_id(actor)
    household = _get(Household, household_id)
    require_household_access(actor, household.id)
    return household


def get_product(actor: User, product_id: int) -> Product:
    require_signed_in(actor)
    return _get(Product, product_id)


def get_variety(actor: User, variety_id: int) -> Variety:
    require_signed_in(actor)
    return _get(Variety, variety_id)


def get_grade_table(actor: User, table_id: int) -> GradeTable:
    require_signed_in(actor)
    return _get(GradeTable, table_id)


def get_grade(actor: User, grade_id: int) -> Grade:
    require_signed_in(actor)
    return _get(Grade, grade_id)


def get_user(actor: User, user_id: int) -> User:
    require_admin(actor)
    return _get(User, user_id)


# --- small validators ----------------------------------------------------------------

VILLAGE_CODE_RE = re.compile(r"[0-9]{12}")
ID_NUMBER_RE = re.compile(r"[1-9][0-9]{16}[0-9X]")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
BANK_ACCOUNT_RE = re.compile(r"[0-9]{12,30}")
#: 元/公斤; a grade never moves the price by this much
MAX_PRICE_DIFF = Decimal("1000")


def _text(value: Any, limit: int = 64) -> str:
    return re.sub(r"\s+", " ", str(value if value is not None else "")).strip()[:limit]


def _required_text(value: Any, field: str, message: Any, errors: Errors, limit: int = 64) -> str:
    text = _text(value, 10_000)
    if not text:
        errors.add(field, message)
    elif len(text) > limit:
        errors.add(field, _l("At most %(n)d characters.") % {"n": limit})
    return text[:limit]


def clean_village_code(value: Any) -> str | None:
    code = (str(value) if value is not None else "").strip()
    return code if VILLAGE_CODE_RE.fullmatch(code) else None


def id_check_character(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: Any) -> str:
    return re.sub(r"\s", "", str(value or "")).upper()


def valid_id_number(value: str, today: date | None = None) -> bool:
    """An 18-character resident ID: region, a real birth date not in the future, check character."""
    if not ID_NUMBER_RE.fullmatch(value or ""):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > (today or date.today()):
        return False
    return id_check_character(value[:17]) == value[17]


def normalise_phone(value: Any) -> str:
    return re.sub(r"[\s-]", "", str(value or ""))


def valid_mobile(value: str) -> bool:
    return bool(auth_services.PHONE_RE.fullmatch(value or ""))


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


# --- villages, groups, party branches and party groups -----------------------------

VILLAGE_FIELDS = ("code", "name", "township", "county")
GROUP_FIELDS = ("village_id", "number", "name")
BRANCH_FIELDS = ("village_id", "name", "secretary")
PARTY_GROUP_FIELDS = ("branch_id", "name", "leader")


def villages_query(actor: User, search: str | None = None) -> Select:
    require_staff(actor)
    statement = select(Village).order_by(Village.code)
    if search:
        text = search.strip()
        statement = statement.where(or_(Village.name.contains(text, autoescape=True),
                                        Village.code.contains(text, autoescape=True),
                                        Village.township.contains(text, autoescape=True)))
    return statement


def _village_values(errors: Errors, code: Any, name: Any, township: Any, county: Any,
                    village: Village | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if _given(code):
        cleaned = clean_village_code(code)
        if cleaned is None:
            errors.add("code", _l("The area code has exactly 12 digits."))
        values["code"] = cleaned
    if _given(name):
        values["name"] = _required_text(name, "name", _l("Enter the village name."), errors)
    if _given(township):
        values["township"] = _text(township)
    if _given(county):
        values["county"] = _text(county)
    errors.raise_if_any()
    if values.get("code"):
        taken = db.session.scalar(select(Village.id).where(Village.code == values["code"]))
        if taken is not None and (village is None or taken != village.id):
            raise Conflict(_l("A village with this area code already exists."), field="code")
    return values


def create_village(actor: User, *, code: str, name: str, township: str = "", county: str = "") -> Village:
    require_admin(actor)
    values = _village_values(Errors(), code, name, township, county, None)
    village = Village(**values)
    _save(_l("A village with this area code already exists."), "code", village)
    audit.record(actor, "village.create", village, after=audit.snapshot(village, VILLAGE_FIELDS))
    return village


def update_village(actor: User, village: Village, *, code: Any = KEEP, name: Any = KEEP,
                   township: Any = KEEP, county: Any = KEEP) -> Village:
    require_admin(actor)
    before = audit.snapshot(village, VILLAGE_FIELDS)
    for key, value in _village_values(Errors(), code, name, township, county, village).items():
        setattr(village, key, value)
    _save(_l("A village with this area code already exists."), "code")
    audit.record(actor, "village.update", village, before=before,
                 after=audit.snapshot(village, VILLAGE_FIELDS))
    return village


def village_groups_query(actor: User, village_id: int | None = None) -> Select:
    require_staff(actor)
    statement = select(VillageGroup).join(Village).order_by(Village.code, VillageGroup.number)
    if village_id is not None:
        statement = statement.where(VillageGroup.village_id == village_id)
    return statement


def _group_number(value: Any, errors: Errors) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or not 1 <= number <= 999:
        errors.add("number", _l("Enter the group number, from 1 to 999."))
        return None
    return number


def _check_group_number_free(village_id: int, number: int, group: VillageGroup | None) -> None:
    taken = db.session.scalar(select(VillageGroup.id).where(
        VillageGroup.village_id == village_id, VillageGroup.number == number))
    if taken is not None and (group is None or taken != group.id):
        raise Conflict(_l("This village already has a group with this number."), field="number")


def create_village_group(actor: User, *, village_id: int, number: int, name: str = "") -> VillageGroup:
    require_admin(actor)
    errors = Errors()
    village = _reference(Village, village_id, "village_id", _l("Choose a village from the list."))
    if village is None:
        errors.add("village_id", _l("Choose a village from the list."))
    number_value = _group_number(number, errors)
    name_value = _text(name)
    errors.raise_if_any()
    _check_group_number_free(village.id, number_value, None)
    group = VillageGroup(village_id=village.id, number=number_value,
                         name=name_value or f"{number_value}组")
    _save(_l("This village already has a group with this number."), "number", group)
    audit.record(actor, "village_group.create", group, after=audit.snapshot(group, GROUP_FIELDS))
    return group


def update_village_group(actor: User, group: VillageGroup, *, number: Any = KEEP,
                         name: Any = KEEP) -> VillageGroup:
    require_admin(actor)
    before = audit.snapshot(group, GROUP_FIELDS)
    errors = Errors()
    number_value = _group_number(number, errors) if _given(number) else group.number
    name_value = _required_text(name, "name", _l("Enter the group name."), errors) if _given(name) else group.name
    errors.raise_if_any()
    _check_group_number_free(group.village_id, number_value, group)
    group.number, group.name = number_value, name_value
    _save(_l("This village already has a group with this number."), "number")
    audit.record(actor, "village_group.update", group, before=before,
                 after=audit.snapshot(group, GROUP_FIELDS))
    return group


def party_branches_query(actor: User, village_id: int | None = None) -> Select:
    require_staff(actor)
    statement = select(PartyBranch).order_by(PartyBranch.name)
    if village_id is not None:
        statement = statement.where(PartyBranch.village_id == village_id)
    return statement


def _check_branch_name_free(name: str, branch: PartyBranch | None) -> None:
    taken = db.session.scalar(select(PartyBranch.id).where(PartyBranch.name == name))
    if taken is not None and (branch is None or taken != branch.id):
        raise Conflict(_l("A party branch with this name already exists."), field="name")


def create_party_branch(actor: User, *, village_id: int, name: str, secretary: str = "") -> PartyBranch:
    require_admin(actor)
    errors = Errors()
    village = _reference(Village, village_id, "village_id", _l("Choose a village from the list."))
    if village is None:
        errors.add("village_id", _l("Choose a village from the list."))
    name_value = _required_text(name, "name", _l("Enter the party branch name."), errors)
    errors.raise_if_any()
    _check_branch_name_free(name_value, None)
    branch = PartyBranch(village_id=village.id, name=name_value, secretary=_text(secretary))
    _save(_l("A party branch with this name already exists."), "name", branch)
    audit.record(actor, "party_branch.create", branch, after=audit.snapshot(branch, BRANCH_FIELDS))
    return branch


def update_party_branch(actor: User, branch: PartyBranch, *, village_id: Any = KEEP, name: Any = KEEP,
                        secretary: Any = KEEP) -> PartyBranch:
    require_admin(actor)
    before = audit.snapshot(branch, BRANCH_FIELDS)
    errors = Errors()
    branch_village = None
    if _given(village_id):
        branch_village = _reference(Village, village_id, "village_id", _l("Choose a village from the list."))
        if branch_village is None:
            errors.add("village_id", _l("Choose a village from the list."))
    name_value = _required_text(name, "name", _l("Enter the party branch name."), errors) \
        if _given(name) else branch.name
    errors.raise_if_any()
    _check_branch_name_free(name_value, branch)
    if branch_village is not None:
        branch.village_id = branch_village.id
    branch.name = name_value
    if _given(secretary):
        branch.secretary = _text(secretary)
    _save(_l("A party branch with this name already exists."), "name")
    audit.record(actor, "party_branch.update", branch, before=before,
                 after=audit.snapshot(branch, BRANCH_FIELDS))
    return branch


def party_groups_query(actor: User, branch_id: int | None = None, village_id: int | None = None) -> Select:
    require_staff(actor)
    statement = select(PartyGroup).join(PartyBranch).order_by(PartyBranch.name, PartyGroup.id)
    if branch_id is not None:
        statement = statement.where(PartyGroup.branch_id == branch_id)
    if village_id is not None:
        statement = statement.where(PartyBranch.village_id == village_id)
    return statement


def _check_party_group_name_free(branch_id: int, name: str, group: PartyGroup | None) -> None:
    taken = db.session.scalar(select(PartyGroup.id).where(PartyGroup.branch_id == branch_id,
                                                          PartyGroup.name == name))
    if taken is not None and (group is None or taken != group.id):
        raise Conflict(_l("This party branch already has a party group with this name."), field="name")


def create_party_group(actor: User, *, branch_id: int, name: str, leader: str = "") -> PartyGroup:
    require_admin(actor)
    errors = Errors()
    branch = _reference(PartyBranch, branch_id, "branch_id", _l("Choose a party branch from the list."))
    if branch is None:
        errors.add("branch_id", _l("Choose a party branch from the list."))
    name_value = _required_text(name, "name", _l("Enter the party group name."), errors)
    errors.raise_if_any()
    _check_party_group_name_free(branch.id, name_value, None)
    group = PartyGroup(branch_id=branch.id, name=name_value, leader=_text(leader))
    _save(_l("This party branch already has a party group with this name."), "name", group)
    audit.record(actor, "party_group.create", group, after=audit.snapshot(group, PARTY_GROUP_FIELDS))
    return group


def update_party_group(actor: User, group: PartyGroup, *, name: Any = KEEP, leader: Any = KEEP) -> PartyGroup:
    require_admin(actor)
    before = audit.snapshot(group, PARTY_GROUP_FIELDS)
    errors = Errors()
    name_value = _required_text(name, "name", _l("Enter the party group name."), errors) \
        if _given(name) else group.name
    errors.raise_if_any()
    _check_party_group_name_free(group.branch_id, name_value, group)
    group.name = name_value
    if _given(leader):
        group.leader = _text(leader)
    _save(_l("This party branch already has a party group with this name."), "name")
    audit.record(actor, "party_group.update", group, before=before,
                 after=audit.snapshot(group, PARTY_GROUP_FIELDS))
    return group


# --- households ---------------------------------------------------------------------

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

    ``search`` matches part of the head's name, the full phone number or its last four digits.

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
        if digits.isdigit() and len(digits) in (4, 11):
            conditions.append(Household.phone.endswith(digits) if len(digits) == 4
                              else Household.phone == digits)
        statement = statement.where(or_(*conditions))
    return statement


def household_view(actor: User, household: Household, reveal: bool = False,
                   reason: str | None = None) -> dict[str, Any]:
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
                     after={"fields": list(SENSITIVE_FIELDS)}, reason=_text(reason, 500) or None)
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
    }


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
        values["head_name"] = _required_text(given["head_name"], "head_name",
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
        village = _reference(Village, given["village_id"], "village_id", _l("Choose a village from the list."))
        if village is None:
            errors.add("village_id", _l("Choose a village from the list."))
        values["village_id"] = village.id if village else None
    if "group_id" in given:
        group = _reference(VillageGroup, given["group_id"], "group_id", _l("Choose a group from the list."))
        values["group_id"] = group.id if group else None
    if "party_group_id" in given:
        party_group = _reference(PartyGroup, given["party_group_id"], "party_group_id",
                                 _l("Choose a party group from the list."))
        values["party_group_id"] = party_group.id if party_group else None
    if "payout_method" in given:
        values["payout_method"] = _payout(given["payout_method"], errors)
    if "bank_name" in given:
        values["bank_name"] = _text(given["bank_name"])
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
    given = {k: v for k, v in changes.items() if _given(v) and not (k in SENSITIVE_FIELDS and v is None)}
    before = _household_audit(household)
    values = _household_changes(Errors(), household, given)
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


# --- products, varieties and grade tables --------------------------------------------

PRODUCT_FIELDS = ("name",)
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
    name_value = _required_text(name, "name", _l("Enter the product name."), errors, limit=32)
    errors.raise_if_any()
    _check_product_name_free(name_value, None)
    product = Product(name=name_value)
    _save(_l("A product with this name already exists."), "name", product)
    audit.record(actor, "product.create", product, after=audit.snapshot(product, PRODUCT_FIELDS))
    return product


def update_product(actor: User, product: Product, *, name: Any = KEEP) -> Product:
    require_admin(actor)
    before = audit.snapshot(product, PRODUCT_FIELDS)
    if _given(name):
        errors = Errors()
        name_value = _required_text(name, "name", _l("Enter the product name."), errors, limit=32)
        errors.raise_if_any()
        _check_product_name_free(name_value, product)
        product.name = name_value
    _save(_l("A product with this name already exists."), "name")
    audit.record(actor, "product.update", product, before=before,
                 after=audit.snapshot(product, PRODUCT_FIELDS))
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
    product = _reference(Product, product_id, "product_id", _l("Choose a product from the list."))
    if product is None:
        errors.add("product_id", _l("Choose a product from the list."))
    name_value = _required_text(name, "name", _l("Enter the variety name."), errors, limit=32)
    errors.raise_if_any()
    _check_variety_name_free(product.id, name_value, None)
    variety = Variety(product_id=product.id, name=name_value)
    _save(_l("This product already has a variety with this name."), "name", variety)
    audit.record(actor, "variety.create", variety, after=audit.snapshot(variety, VARIETY_FIELDS))
    return variety


def update_variety(actor: User, variety: Variety, *, name: Any = KEEP) -> Variety:
    require_admin(actor)
    before = audit.snapshot(variety, VARIETY_FIELDS)
    if _given(name):
        errors = Errors()
        name_value = _required_text(name, "name", _l("Enter the variety name."), errors, limit=32)
        errors.raise_if_any()
        _check_variety_name_free(variety.product_id, name_value, variety)
        variety.name = name_value
    _save(_l("This product already has a variety with this name."), "name")
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
        code = _text(given["code"], 100).lower()
        if not GRADE_CODE_RE.fullmatch(code):
            errors.add("code", _l("Use a short code of latin letters and digits, e.g. special or first."))
        values["code"] = code
    if "name" in given:
        values["name"] = _required_text(given["name"], "name", _l("Enter the grade name, e.g. 特级."),
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
    product = _reference(Product, product_id, "product_id", _l("Choose a product from the list."))
    if product is None:
        errors.add("product_id", _l("Choose a product from the list."))
    name_value = _required_text(name, "name", _l("Enter the grade table name."), errors)
    errors.raise_if_any()
    _check_table_name_free(product.id, name_value, None)
    table = GradeTable(product_id=product.id, name=name_value, is_default=False)
    _save(_l("This product already has a grade table with this name."), "name", table)
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
    if _given(name):
        errors = Errors()
        name_value = _required_text(name, "name", _l("Enter the grade table name."), errors)
        errors.raise_if_any()
        _check_table_name_free(table.product_id, name_value, table)
        table.name = name_value
    if _given(is_default):
        if is_default and not table.is_default:
            _make_default(actor, table)
        elif not is_default and table.is_default:
            raise ValidationFailed(_l("Every product keeps one default table: make another table "
                                      "the default instead."), field="is_default")
    _save(_l("This product already has a grade table with this name."), "name")
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
    _save(_l("This table already has a grade with this code or rank."), "code", grade)
    audit.record(actor, "grade.create", grade, after=audit.snapshot(grade, GRADE_FIELDS))
    return grade


def create_grade(actor: User, *, table_id: int, code: str, name: str, rank: int,
                 min_fruit_g: int | None = None, min_diameter_mm: int | None = None,
                 price_diff: Decimal | str = "0") -> Grade:
    require_admin(actor)
    table = _reference(GradeTable, table_id, "table_id", _l("Choose a grade table from the list."))
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
             if _given(v)}
    errors = Errors()
    values = _grade_values(errors, given)
    errors.raise_if_any()
    _check_grade_free(grade.table_id, values, grade)
    for key, value in values.items():
        setattr(grade, key, value)
    _save(_l("This table already has a grade with this code or rank."), "code")
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


# --- users --------------------------------------------------------------------------

def users_query(actor: User, *, search: str | None = None, role: RoleName | None = None) -> Select:
    require_admin(actor)
    statement = select(User).order_by(User.id)
    text = (search or "").strip()
    if text:
        statement = statement.where(or_(User.name.contains(text, autoescape=True),
                                        User.phone.contains(text, autoescape=True)))
    if role is not None:
        statement = statement.where(User.roles.any(Role.name == role))
    return statement


def _roles(values: Iterable[Any] | None) -> list[RoleName] | None:
    if values is None:
        return None
    try:
        return sorted({RoleName(v) if not isinstance(v, RoleName) else v for v in values},
                      key=lambda r: r.value)
    except ValueError:
        raise ValidationFailed(_l("Choose roles from the list."), field="roles") from None


def _check_user_links(household_id: Any, party_group_id: Any) -> tuple[int | None, int | None]:
    household = _reference(Household, household_id, "household_id", _l("Choose a household from the list."))
    party_group = _reference(PartyGroup, party_group_id, "party_group_id",
                             _l("Choose a party group from the list."))
    return (household.id if household else None, party_group.id if party_group else None)


def admin_create_user(actor: User, *, phone: str, name: str, password: str, roles: Iterable[Any],
                      household_id: int | None = None, party_group_id: int | None = None,
                      locale: str | None = None) -> User:
    """An admin creates a login (household for villagers, party group for coordinators)."""
    require_admin(actor)
    household, party_group = _check_user_links(household_id, party_group_id)
    return auth_services.create_user(actor, phone=phone, name=name, password=password,
                                     roles=_roles(roles) or [], household_id=household,
                                     party_group_id=party_group, locale=locale)


def admin_update_user(actor: User, user: User, *, name: str | None = None, roles: Iterable[Any] | None = None,
                      household_id: Any = auth_services.KEEP, party_group_id: Any = auth_services.KEEP,
                      active: bool | None = None, password: str | None = None) -> User:
    """An admin changes a login's name, roles, links, enabled state or password. A link not given
    stays; an empty one (``None``) is removed — a villager's household cannot be."""
    require_admin(actor)
    keep = auth_services.KEEP
    household, party_group = _check_user_links(None if household_id is keep else household_id,
                                               None if party_group_id is keep else party_group_id)
    household = keep if household_id is keep else household
    party_group = keep if party_group_id is keep else party_group
    return auth_services.update_user(actor, user, name=name, roles=_roles(roles), household_id=household,
                                     party_group_id=party_group, active=active, password=password or None)


def set_user_active(actor: User, user: User, active: bool) -> User:
    return admin_update_user(actor, user, active=active)


def reset_password(actor: User, user: User, password: str) -> User:
    if not (password or "").strip():
        raise ValidationFailed(_l("Enter the new password."), field="password")
    return admin_update_user(actor, user, password=password)
