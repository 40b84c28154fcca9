"""Logins as an admin manages them: create, change roles and links (a villager's household, a
coordinator's party group), enable or disable, reset a password. The rules of a login itself
(phone, password, roles) are :mod:`market.auth.services`'. A buyer's staff login is linked to its
buyer (超市), whose orders it then sees and receives.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from models import Buyer, Household, PartyGroup, Role, RoleName, User

from ..auth import services as auth_services
from ..errors import ValidationFailed
from .common import fetch, referenced, require_admin


def get_user(actor: User, user_id: int) -> User:
    require_admin(actor)
    return fetch(User, user_id)


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
    household = referenced(Household, household_id, "household_id", _l("Choose a household from the list."))
    party_group = referenced(PartyGroup, party_group_id, "party_group_id",
                             _l("Choose a party group from the list."))
    return (household.id if household else None, party_group.id if party_group else None)


def _check_buyer(buyer_id: Any) -> int | None:
    buyer = referenced(Buyer, buyer_id, "buyer_id", _l("Choose a buyer from the list."))
    return buyer.id if buyer else None


def admin_create_user(actor: User, *, phone: str, name: str, password: str, roles: Iterable[Any],
                      household_id: int | None = None, party_group_id: int | None = None,
                      locale: str | None = None, buyer_id: int | None = None) -> User:
    """An admin creates a login (household for villagers, party group for coordinators, buyer for
    a supermarket's staff)."""
    require_admin(actor)
    household, party_group = _check_user_links(household_id, party_group_id)
    return auth_services.create_user(actor, phone=phone, name=name, password=password,
                                     roles=_roles(roles) or [], household_id=household,
                                     party_group_id=party_group, locale=locale, buyer_id=_check_buyer(buyer_id))


def admin_update_user(actor: User, user: User, *, name: str | None = None, roles: Iterable[Any] | None = None,
                      household_id: Any = auth_services.KEEP, party_group_id: Any = auth_services.KEEP,
                      active: bool | None = None, password: str | None = None,
                      buyer_id: Any = auth_services.KEEP) -> User:
    """An admin changes a login's name, roles, links, enabled state or password. A link not given
    stays; an empty one (``None``) is removed — a villager's household cannot be."""
    require_admin(actor)
    keep = auth_services.KEEP
    household, party_group = _check_user_links(None if household_id is keep else household_id,
                                               None if party_group_id is keep else party_group_id)
    household = keep if household_id is keep else household
    party_group = keep if party_group_id is keep else party_group
    buyer = keep if buyer_id is keep else _check_buyer(buyer_id)
    return auth_services.update_user(actor, user, name=name, roles=_roles(roles), household_id=household,
                                     party_group_id=party_group, active=active, password=password or None,
                                     buyer_id=buyer)


def set_user_active(actor: User, user: User, active: bool) -> User:
    return admin_update_user(actor, user, active=active)


def reset_password(actor: User, user: User, password: str) -> User:
    if not (password or "").strip():
        raise ValidationFailed(_l("Enter the new password."), field="password")
    return admin_update_user(actor, user, password=password)
