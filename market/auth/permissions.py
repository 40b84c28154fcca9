"""Who may do what. Services call these; views only hide what a user cannot use."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import RoleName, User

from ..errors import PermissionDenied

STAFF = (RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN)
SENSITIVE_READERS = (RoleName.ACCOUNTANT, RoleName.CASHIER, RoleName.ADMIN)


def require_role(actor: User | None, *roles: RoleName) -> User:
    """:raises PermissionDenied: unless ``actor`` holds one of ``roles``."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_role(*roles):
        raise PermissionDenied()
    return actor


def is_staff(actor: User | None) -> bool:
    return actor is not None and actor.has_role(*STAFF)


def can_see_sensitive(actor: User | None) -> bool:
    """Full ID and account numbers: accountants and admins only (and each view is audited)."""
    return actor is not None and actor.has_role(*SENSITIVE_READERS)


def visible_household_id(actor: User) -> int | None:
    """The one household a villager may read, or ``None`` when the actor may read all.

    :raises PermissionDenied: for buyers and villagers without a household.
    """
    if is_staff(actor):
        return None
    if actor.has_role(RoleName.VILLAGER) and actor.household_id is not None:
        return actor.household_id
    raise PermissionDenied()


def require_household_access(actor: User, household_id: int) -> None:
    """:raises PermissionDenied: a villager reaching for another household's data, or a buyer."""
    own = visible_household_id(actor)
    if own is not None and own != household_id:
        raise PermissionDenied(_l("You can only see your own household."))
