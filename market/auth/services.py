"""Accounts, passwords and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from flask import current_app, g
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import ApiToken, Role, RoleName, User, db, utcnow

from .. import audit
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .permissions import require_role

_hashers: dict[tuple[int, int, int], PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    """argon2id at the cost the configuration names (production: RFC 9106 low-memory profile).

    Tests set a cheap cost (``TestConfig``); a hash made at another cost is upgraded on the next
    successful login, so raising the cost in production needs no migration.
    """
    config = current_app.config
    cost = (int(config["PASSWORD_HASH_TIME_COST"]), int(config["PASSWORD_HASH_MEMORY_KIB"]),
            int(config["PASSWORD_HASH_PARALLELISM"]))
    hasher = _hashers.get(cost)
    if hasher is None:
        hasher = _hashers[cost] = PasswordHasher(time_cost=cost[0], memory_cost=cost[1], parallelism=cost[2])
    return hasher
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
MIN_PASSWORD_LENGTH = 8
USER_FIELDS = ("phone", "name", "locale", "household_id", "party_group_id", "buyer_id", "is_active_flag")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def ensure_roles() -> dict[RoleName, Role]:
    """The five roles exist; returns them by name."""
    existing = {r.name: r for r in db.session.scalars(select(Role))}
    for name in RoleName:
        if name not in existing:
            existing[name] = Role(name=name)
            db.session.add(existing[name])
    db.session.flush()
    return existing


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "")
    if not PHONE_RE.match(phone):
        raise ValidationFailed(_l("Enter an 11-digit mobile number."), field="phone")
    return phone


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(_l("The password needs at least %(n)d characters."),
                               field="password", n=MIN_PASSWORD_LENGTH)


def create_user(actor: User | None, *, phone: str, name: str, password: str, roles: list[RoleName],
                household_id: int | None = None, party_group_id: int | None = None,
                locale: str | None = None, buyer_id: int | None = None) -> User:
    """Create a login. ``actor`` is ``None`` only for the command line and the demo seed.

    :raises PermissionDenied: unless the actor is an admin.
    :raises ValidationFailed: bad phone, short password, no role, villager without household.
    :raises Conflict: the phone is taken.
    """
    if actor is not None:
        require_role(actor, RoleName.ADMIN)
    phone = _check_phone(phone)
    _check_password(password)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_l("Enter a name."), field="name")
    if not roles:
        raise ValidationFailed(_l("Choose at least one role."), field="roles")
    if RoleName.VILLAGER in roles and household_id is None:
        raise ValidationFailed(_l("A villager login belongs to a household."), field="household_id")
    if db.session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise Conflict(_l("This phone number already has a login."), field="phone")
    by_name = ensure_roles()
    user = User(phone=phone, name=name, password_hash=hash_password(password), locale=locale,
                household_id=household_id, party_group_id=party_group_id, buyer_id=buyer_id,
                roles=[by_name[r] for r in roles])
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after={**audit.snapshot(user, USER_FIELDS),
                                                    "roles": sorted(r.value for r in roles)})
    return user


class _Keep:
    """The default of a link ``update_user`` leaves as it is (``None`` clears the link)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def update_user(actor: User, user: User, *, name: str | None = None, roles: list[RoleName] | None = None,
                household_id: int | None = KEEP, party_group_id: int | None = KEEP, buyer_id: int | None = KEEP,
                active: bool | None = None, password: str | None = None) -> User:
    """Admin edit of a login; every change is audited (a new password is recorded as changed).
    A link left at ``KEEP`` stays as it is; ``None`` removes it."""
    require_role(actor, RoleName.ADMIN)
    before = {**audit.snapshot(user, USER_FIELDS), "roles": sorted(r.name.value for r in user.roles)}
    if name is not None:
        if not name.strip():
            raise ValidationFailed(_l("Enter a name."), field="name")
        user.name = name.strip()
    if roles is not None:
        if not roles:
            raise ValidationFailed(_l("Choose at least one role."), field="roles")
        by_name = ensure_roles()
        user.roles = [by_name[r] for r in roles]
    if household_id is not KEEP:
        user.household_id = household_id
    if party_group_id is not KEEP:
        user.party_group_id = party_group_id
    if buyer_id is not KEEP:
        user.buyer_id = buyer_id
    if RoleName.VILLAGER in user.role_names and user.household_id is None:
        raise ValidationFailed(_l("A villager login belongs to a household."), field="household_id")
    if active is not None:
        if not active and user.id == actor.id:
            raise ValidationFailed(_l("You cannot disable your own login."), field="active")
        user.is_active_flag = active
    after = {**audit.snapshot(user, USER_FIELDS), "roles": sorted(r.name.value for r in user.roles)}
    if password:
        _check_password(password)
        user.password_hash = hash_password(password)
        after["password"] = "changed"
    if password or after["roles"] != before["roles"] or after["is_active_flag"] != before["is_active_flag"]:
        # Whoever was signed in as this user signs in again, under the new password or roles;
        # a disabled login that is enabled again does not find its old sessions alive.
        end_sessions(user)
        after["sessions"] = "ended"
    if password or not user.is_active_flag:
        after["tokens_revoked"] = revoke_all_tokens(user)
    db.session.flush()
    audit.record(actor, "user.update", user, before=before, after=after)
    return user


def end_sessions(user: User) -> int:
    """Every session of ``user`` opened so far ends at its next request; returns the new version,
    which a session that should stay open (the one changing its own password) takes over."""
    user.session_version = (user.session_version or 0) + 1
    return user.session_version


def revoke_all_tokens(user: User) -> int:
    """Revoke every token of ``user`` still standing; returns how many."""
    now = utcnow()
    tokens = [t for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                   ApiToken.revoked_at.is_(None)))]
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def authenticate(phone: str, password: str) -> User | None:
    """The active user with this phone and password, or ``None`` (same answer either way)."""
    user = db.session.scalar(select(User).where(User.phone == (phone or "").strip()))
    if user is None:
        # Spend the same time as a real check so timing does not reveal which phones exist.
        _hasher().hash(password or "x")
        return None
    if not verify_password(user, password or "") or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def change_own_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current):
        raise ValidationFailed(_l("The current password is wrong."), field="current_password")
    _check_password(new)
    user.password_hash = hash_password(new)
    end_sessions(user)
    revoked = revoke_all_tokens(user)
    audit.record(user, "user.password_change", user, after={"sessions": "ended", "tokens_revoked": revoked})


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor: User, name: str, *, days: int | None = None,
                via_token: bool = False) -> tuple[ApiToken, str]:
    """A new bearer token for ``actor``, valid for ``days`` (the configured default when ``None``);
    the plain text is returned once and never stored.

    :param via_token: the request itself was signed with a token: refused, so a stolen token
        cannot make itself a successor that outlives its revocation or expiry.
    """
    if via_token:
        raise PermissionDenied(_l("A token cannot issue tokens; sign in with your password to issue one."))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_l("Name the token, e.g. after the machine that uses it."), field="name")
    longest = int(current_app.config["API_TOKEN_MAX_DAYS"])
    days = int(current_app.config["API_TOKEN_DAYS"]) if days is None else days
    if not 1 <= days <= longest:
        raise ValidationFailed(_l("A token lasts from 1 to %(n)d days."), field="days", n=longest)
    plain = "kg_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name[:64], token_hash=_token_hash(plain), prefix=plain[:10],
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.issue", token, after={"name": token.name, "prefix": token.prefix,
                                                         "expires_at": token.expires_at.isoformat()})
    return token, plain


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(actor: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not actor.has_role(RoleName.ADMIN)):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "api_token.revoke", token)


def user_for_token(plain: str) -> User | None:
    # the token, its user and the user's roles in one statement: every API request asks it first
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(plain))
        .options(joinedload(ApiToken.user).joinedload(User.roles))).unique().scalar_one_or_none()
    now = utcnow()
    if (token is None or token.revoked_at is not None or token.expires_at is None or token.expires_at <= now
            or not token.user.is_active):
        return None
    _touch(token, now)
    return token.user


def _touch(token: ApiToken, now) -> None:
    """Note that a token was used, at most once an interval; ``record_token_use`` writes it when the
    request is over, in a transaction of its own: the request's transaction stays read-only for a
    GET, never waits on the token's row, and (SQLite) never finds the file changed under it."""
    interval = timedelta(seconds=int(current_app.config["API_TOKEN_TOUCH_SECONDS"]))
    if token.last_used_at is None or now - token.last_used_at >= interval:
        g.token_used = (token.id, now)


def record_token_use() -> None:
    pending = g.pop("token_used", None)
    if pending is not None:
        token_id, when = pending
        with db.engine.begin() as conn:
            conn.execute(ApiToken.__table__.update().where(ApiToken.id == token_id).values(last_used_at=when))
