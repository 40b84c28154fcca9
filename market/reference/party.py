"""The party organisation: a village's party branches (党支部) and their party groups (党小组)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from models import PartyBranch, PartyGroup, User, Village, db

from .. import audit
from ..errors import Conflict, FieldErrors as Errors
from .common import (KEEP, clean_text, fetch, flush_unique, is_given, referenced, require_admin,
                     require_staff, required_text)


def get_party_branch(actor: User, branch_id: int) -> PartyBranch:
    require_staff(actor)
    return fetch(PartyBranch, branch_id)


def get_party_group(actor: User, party_group_id: int) -> PartyGroup:
    require_staff(actor)
    return fetch(PartyGroup, party_group_id)


BRANCH_FIELDS = ("village_id", "name", "secretary")
PARTY_GROUP_FIELDS = ("branch_id", "name", "leader")


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
    village = referenced(Village, village_id, "village_id", _l("Choose a village from the list."))
    if village is None:
        errors.add("village_id", _l("Choose a village from the list."))
    name_value = required_text(name, "name", _l("Enter the party branch name."), errors)
    errors.raise_if_any()
    _check_branch_name_free(name_value, None)
    branch = PartyBranch(village_id=village.id, name=name_value, secretary=clean_text(secretary))
    flush_unique(_l("A party branch with this name already exists."), "name", branch)
    audit.record(actor, "party_branch.create", branch, after=audit.snapshot(branch, BRANCH_FIELDS))
    return branch


def update_party_branch(actor: User, branch: PartyBranch, *, village_id: Any = KEEP, name: Any = KEEP,
                        secretary: Any = KEEP) -> PartyBranch:
    require_admin(actor)
    before = audit.snapshot(branch, BRANCH_FIELDS)
    errors = Errors()
    branch_village = None
    if is_given(village_id):
        branch_village = referenced(Village, village_id, "village_id", _l("Choose a village from the list."))
        if branch_village is None:
            errors.add("village_id", _l("Choose a village from the list."))
    name_value = required_text(name, "name", _l("Enter the party branch name."), errors) \
        if is_given(name) else branch.name
    errors.raise_if_any()
    _check_branch_name_free(name_value, branch)
    if branch_village is not None:
        branch.village_id = branch_village.id
    branch.name = name_value
    if is_given(secretary):
        branch.secretary = clean_text(secretary)
    flush_unique(_l("A party branch with this name already exists."), "name")
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
    branch = referenced(PartyBranch, branch_id, "branch_id", _l("Choose a party branch from the list."))
    if branch is None:
        errors.add("branch_id", _l("Choose a party branch from the list."))
    name_value = required_text(name, "name", _l("Enter the party group name."), errors)
    errors.raise_if_any()
    _check_party_group_name_free(branch.id, name_value, None)
    group = PartyGroup(branch_id=branch.id, name=name_value, leader=clean_text(leader))
    flush_unique(_l("This party branch already has a party group with this name."), "name", group)
    audit.record(actor, "party_group.create", group, after=audit.snapshot(group, PARTY_GROUP_FIELDS))
    return group


def update_party_group(actor: User, group: PartyGroup, *, name: Any = KEEP, leader: Any = KEEP) -> PartyGroup:
    require_admin(actor)
    before = audit.snapshot(group, PARTY_GROUP_FIELDS)
    errors = Errors()
    name_value = required_text(name, "name", _l("Enter the party group name."), errors) \
        if is_given(name) else group.name
    errors.raise_if_any()
    _check_party_group_name_free(group.branch_id, name_value, group)
    group.name = name_value
    if is_given(leader):
        group.leader = clean_text(leader)
    flush_unique(_l("This party branch already has a party group with this name."), "name")
    audit.record(actor, "party_group.update", group, before=before,
                 after=audit.snapshot(group, PARTY_GROUP_FIELDS))
    return group
