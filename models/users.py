"""People who sign in, their roles and their machine tokens."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, db, utcnow
from .types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from .places import Household, PartyGroup


class RoleName(str, enum.Enum):
    VILLAGER = "villager"
    COORDINATOR = "coordinator"
    ACCOUNTANT = "accountant"
    BUYER = "buyer"
    ADMIN = "admin"
    #: 出纳: records receipts and payouts and the 收付款凭证 they write, keeps the cash and bank
    #: journals; never reviews or posts a voucher (会计基础工作规范)
    CASHIER = "cashier"
    #: 会计主管: an accountant who also closes and reopens periods; held beside ``accountant``
    CHIEF_ACCOUNTANT = "chief_accountant"


user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[RoleName] = mapped_column(enum_column(RoleName), unique=True)

    def __repr__(self) -> str:
        return f"<Role {self.name.value}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Mainland mobile number, the login for people.
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: ``zh_CN`` or ``en``; ``None`` follows the site default.
    locale: Mapped[Optional[str]] = mapped_column(String(10))
    is_active_flag: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    #: A villager's own household; their data scope.
    household_id: Mapped[Optional[int]] = mapped_column(ForeignKey("households.id"))
    #: A coordinator's party group.
    party_group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("party_groups.id"))
    #: A buyer's staff member: the buyer whose orders they see.
    buyer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("buyers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Each session carries the version it was opened under; raising it (logout, a new password,
    #: disabling, a change of roles) ends every session opened before.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    household: Mapped[Optional["Household"]] = relationship(foreign_keys=[household_id])
    party_group: Mapped[Optional["PartyGroup"]] = relationship(foreign_keys=[party_group_id])
    buyer: Mapped[Optional["Buyer"]] = relationship(foreign_keys=[buyer_id])  # noqa: F821  (models.orders)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_flag

    @property
    def role_names(self) -> set[RoleName]:
        return {r.name for r in self.roles}

    def has_role(self, *names: RoleName) -> bool:
        return bool(self.role_names.intersection(names))

    def __repr__(self) -> str:
        return f"<User {self.phone}>"


class ApiToken(db.Model):
    """A bearer token for machines. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: First characters of the token, shown so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Recorded at most once an interval (``API_TOKEN_TOUCH_SECONDS``), outside the request's transaction.
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: A token stops working after this moment; tokens always have one.
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
