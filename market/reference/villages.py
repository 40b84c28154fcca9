"""Villages (行政村, by their 12-digit area code) and their groups (村民小组)."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from models import User, Village, VillageGroup, db

from .. import audit
from ..errors import Conflict, FieldErrors as Errors
from .common import (KEEP, clean_text, fetch, flush_unique, is_given, referenced, require_admin,
                     require_staff, required_text)


def get_village(actor: User, village_id: int) -> Village:
    require_staff(actor)
    return fetch(Village, village_id)


def get_village_group(actor: User, group_id: int) -> VillageGroup:
    require_staff(actor)
    return fetch(VillageGroup, group_id)


VILLAGE_CODE_RE = re.compile(r"[0-9]{12}")


def clean_village_code(value: Any) -> str | None:
    code = (str(value) if value is not None else "").strip()
    return code if VILLAGE_CODE_RE.fullmatch(code) else None


VILLAGE_FIELDS = ("code", "name", "township", "county")
GROUP_FIELDS = ("village_id", "number", "name")


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
    if is_given(code):
        cleaned = clean_village_code(code)
        if cleaned is None:
            errors.add("code", _l("The area code has exactly 12 digits."))
        values["code"] = cleaned
    if is_given(name):
        values["name"] = required_text(name, "name", _l("Enter the village name."), errors)
    if is_given(township):
        values["township"] = clean_text(township)
    if is_given(county):
        values["county"] = clean_text(county)
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
    flush_unique(_l("A village with this area code already exists."), "code", village)
    audit.record(actor, "village.create", village, after=audit.snapshot(village, VILLAGE_FIELDS))
    return village


def update_village(actor: User, village: Village, *, code: Any = KEEP, name: Any = KEEP,
                   township: Any = KEEP, county: Any = KEEP) -> Village:
    require_admin(actor)
    before = audit.snapshot(village, VILLAGE_FIELDS)
    for key, value in _village_values(Errors(), code, name, township, county, village).items():
        setattr(village, key, value)
    flush_unique(_l("A village with this area code already exists."), "code")
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
    village = referenced(Village, village_id, "village_id", _l("Choose a village from the list."))
    if village is None:
        errors.add("village_id", _l("Choose a village from the list."))
    number_value = _group_number(number, errors)
    name_value = clean_text(name)
    errors.raise_if_any()
    _check_group_number_free(village.id, number_value, None)
    group = VillageGroup(village_id=village.id, number=number_value,
                         name=name_value or f"{number_value}组")
    flush_unique(_l("This village already has a group with this number."), "number", group)
    audit.record(actor, "village_group.create", group, after=audit.snapshot(group, GROUP_FIELDS))
    return group


def update_village_group(actor: User, group: VillageGroup, *, number: Any = KEEP,
                         name: Any = KEEP) -> VillageGroup:
    require_admin(actor)
    before = audit.snapshot(group, GROUP_FIELDS)
    errors = Errors()
    number_value = _group_number(number, errors) if is_given(number) else group.number
    name_value = required_text(name, "name", _l("Enter the group name."), errors) if is_given(name) else group.name
    errors.raise_if_any()
    _check_group_number_free(group.village_id, number_value, group)
    group.number, group.name = number_value, name_value
    flush_unique(_l("This village already has a group with this number."), "number")
    audit.record(actor, "village_group.update", group, before=before,
                 after=audit.snapshot(group, GROUP_FIELDS))
    return group
