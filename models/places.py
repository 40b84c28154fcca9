"""Villages, their groups, party organisation and households."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db, utcnow
from .types import Distance, UTCDateTime, enum_column


class Village(db.Model):
    """村, keyed by its 12-digit 统计用区划代码."""

    __tablename__ = "villages"
    __table_args__ = (CheckConstraint("length(code) = 12", name="code_12_digits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    #: 乡镇/街道, e.g. 北杜街道
    township: Mapped[str] = mapped_column(String(64), default="")
    county: Mapped[str] = mapped_column(String(64), default="")

    groups: Mapped[list["VillageGroup"]] = relationship(
        back_populates="village", order_by="VillageGroup.number"
    )

    def __str__(self) -> str:
        return self.name


class VillageGroup(db.Model):
    """村民小组 (组). No national code exists, so the village keeps its own numbering."""

    __tablename__ = "village_groups"
    __table_args__ = (UniqueConstraint("village_id", "number", name="uq_village_groups_village_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    number: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(64))
    #: road distance from the company's collection point, km (the optimal allocation's cost)
    distance_km: Mapped[Decimal] = mapped_column(Distance, default=Decimal("0"))

    village: Mapped[Village] = relationship(back_populates="groups")

    def __str__(self) -> str:
        return f"{self.village.name}{self.name}"


class PartyBranch(db.Model):
    """党支部."""

    __tablename__ = "party_branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    secretary: Mapped[str] = mapped_column(String(64), default="")

    village: Mapped[Village] = relationship()
    groups: Mapped[list["PartyGroup"]] = relationship(back_populates="branch", order_by="PartyGroup.id")

    def __str__(self) -> str:
        return self.name


class PartyGroup(db.Model):
    """党小组, the working unit that takes and fills orders."""

    __tablename__ = "party_groups"
    __table_args__ = (UniqueConstraint("branch_id", "name", name="uq_party_groups_branch_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("party_branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    leader: Mapped[str] = mapped_column(String(64), default="")

    branch: Mapped[PartyBranch] = relationship(back_populates="groups")

    def __str__(self) -> str:
        return f"{self.branch.name}{self.name}"


class PayoutMethod(str, enum.Enum):
    BANK = "bank"
    WECHAT = "wechat"
    CASH = "cash"


class Household(db.Model):
    """农户. Full ID and account numbers are sensitive: shown masked except to accountants
    and admins, and every full view is audited."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    head_name: Mapped[str] = mapped_column(String(64))
    #: 18-character resident ID number (sensitive)
    id_number: Mapped[str] = mapped_column(String(18), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("village_groups.id"), index=True)
    party_group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("party_groups.id"), index=True)
    payout_method: Mapped[PayoutMethod] = mapped_column(enum_column(PayoutMethod), default=PayoutMethod.BANK)
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    #: bank card, WeChat id or empty for cash (sensitive)
    account_number: Mapped[str] = mapped_column(String(40), default="")
    #: 滞销 relief and hardship cases are served first by the fair allocation
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when an approved change of payout method or account last took effect
    payee_changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    village: Mapped[Village] = relationship()
    group: Mapped[Optional[VillageGroup]] = relationship()
    party_group: Mapped[Optional[PartyGroup]] = relationship()

    def __str__(self) -> str:
        return self.head_name


class PayeeChangeStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: replaced by a newer request before anyone decided
    SUPERSEDED = "superseded"


class PayeeChange(db.Model):
    """A request to change where a household's money goes (method, bank, account): it takes
    effect only when an accountant other than the requester approves it. The old values are
    kept beside the new so the approver sees both in full."""

    __tablename__ = "payee_changes"
    __table_args__ = (
        Index("uq_payee_changes_one_pending", "household_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    status: Mapped[PayeeChangeStatus] = mapped_column(enum_column(PayeeChangeStatus), default=PayeeChangeStatus.PENDING)
    payout_method: Mapped[PayoutMethod] = mapped_column(enum_column(PayoutMethod))
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    account_number: Mapped[str] = mapped_column(String(40), default="")
    old_payout_method: Mapped[PayoutMethod] = mapped_column(enum_column(PayoutMethod))
    old_bank_name: Mapped[str] = mapped_column(String(64), default="")
    old_account_number: Mapped[str] = mapped_column(String(40), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")

    household: Mapped[Household] = relationship()
    # "User" (models.users) by name: users already imports this module
    requested_by: Mapped["User"] = relationship(foreign_keys=[requested_by_id])  # noqa: F821
    decided_by: Mapped[Optional["User"]] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
