"""Lot photos: recognised by their bytes, stored under a random name, never served as
static files.

A photo file is written while the database transaction that records it is still open.
The session remembers the files it wrote and the files it was asked to delete: a commit
deletes the doomed ones, any other end of the transaction (rollback, close) deletes the new
ones, so neither a refused upload nor a failed commit leaves a file behind.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..errors import ValidationFailed
from .rules import Formatted

#: content type → file extension of the photos we accept
KINDS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

_NEW = "market.photo_files_written"
_DOOMED = "market.photo_files_to_delete"


def sniff(head: bytes) -> str | None:
    """The image type the bytes really are, whatever the file is called; ``None`` if not one of ours."""
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    content_type: str
    original_name: str

    @property
    def extension(self) -> str:
        return KINDS[self.content_type]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def check(stream: IO[bytes], filename: str, max_bytes: int) -> CheckedPhoto:
    """Read one upload, at most ``max_bytes`` (plus one to notice more).

    :raises ValidationFailed: on ``photos`` for an empty, oversized or non-image file.
    """
    name = os.path.basename((filename or "").replace("\\", "/"))[:255]
    data = stream.read(max_bytes + 1)
    if not data:
        raise ValidationFailed(Formatted(_l('"%(name)s" is empty.'), name=name or "?"), field="photos")
    if len(data) > max_bytes:
        raise ValidationFailed(Formatted(_l('"%(name)s" is larger than %(mb)s MB. Take a smaller photo.'),
                                         name=name or "?", mb=_megabytes(max_bytes)), field="photos")
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationFailed(Formatted(_l('"%(name)s" is not a JPEG, PNG or WebP photo.'),
                                         name=name or "?"), field="photos")
    return CheckedPhoto(data=data, content_type=kind, original_name=name)


def photo_dir() -> Path:
    configured = current_app.config.get("PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "photos"


def new_stored_name(photo: CheckedPhoto) -> str:
    return f"{secrets.token_hex(16)}.{photo.extension}"


def write(session: Session, stored_name: str, photo: CheckedPhoto) -> Path:
    """Write the file; it disappears again unless ``session``'s transaction commits."""
    directory = photo_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / stored_name
    session.info.setdefault(_NEW, []).append(str(path))
    with open(path, "xb") as handle:
        handle.write(photo.data)
    return path


def delete_on_commit(session: Session, stored_name: str) -> None:
    session.info.setdefault(_DOOMED, []).append(str(photo_dir() / stored_name))


def _unlink(paths: list[str]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_NEW, None)
    _unlink(session.info.pop(_DOOMED, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    _unlink(session.info.pop(_NEW, []))
    session.info.pop(_DOOMED, None)
