"""Documents reviewed by someone other than who prepared them (四眼原则): adjustments and settlement
reversals wait ``submitted``, then are posted or returned, exactly once, never by their preparer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import RoleName, User, db, utcnow

from .audit import record
from .errors import Conflict, PermissionDenied, ValidationFailed
from .locking import lock_row

REASON_LENGTH = 2000


@dataclass(frozen=True)
class Review:
    """How one kind of document is reviewed: by whom, its waiting and returned statuses, and the words
    of its refusals (lazily translated; ``reviewed`` takes ``number``)."""
    reviewers: tuple[RoleName, ...]
    waiting: Any
    returned: Any
    reviewed: Any
    self_review: Any
    self_review_rule: str
    say_why: Any
    returned_action: str


def check(review: Review, actor: User, document) -> None:
    """The document is locked, waits for review, and ``actor`` may review it.

    :raises PermissionDenied: not a reviewer, or its preparer. :raises Conflict: already reviewed.
    """
    if not actor.has_role(*review.reviewers):
        raise PermissionDenied()
    lock_row(document)
    if document.status is not review.waiting:
        raise Conflict(review.reviewed, number=document.number)
    if document.prepared_by_id == actor.id:
        raise PermissionDenied(review.self_review, rule=review.self_review_rule)


def mark_reviewed(document, actor: User, status: Any) -> None:
    document.status, document.reviewed_by_id, document.reviewed_at = status, actor.id, utcnow()


def give_back(review: Review, actor: User, document, reason: Any):
    """退回: nothing is booked; the preparer is told why."""
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed(review.say_why, field="reason")
    check(review, actor, document)
    mark_reviewed(document, actor, review.returned)
    document.returned_reason = text[:REASON_LENGTH]
    db.session.flush()
    record(actor, review.returned_action, document, reason=text)
    return document
