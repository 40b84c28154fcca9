"""Builders shared by the produce tests: photos as bytes, and a registered lot."""
from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from market.produce import services
from models import Household, db


def _png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xe8\x76\x5a" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 16
HTML = b"<html><script>alert(1)</script></html>"


def upload(data: bytes, name: str = "peach.jpg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture
def household(villager) -> Household:
    return db.session.get(Household, villager.household_id)


@pytest.fixture
def lot_args(catalogue, household):
    """Everything register_lot needs for a good lot: 300 斤 of 一级 水蜜桃, ready from today."""
    def build(**overrides):
        today = services.local_today()
        args = dict(household_id=household.id, variety_id=catalogue["varieties"][0].id,
                    grade_id=catalogue["grades"]["一级"].id, quantity="300 斤",
                    ready_from=today, ready_to=today + timedelta(days=3), spoil_by=today + timedelta(days=7))
        args.update(overrides)
        return args

    return build


@pytest.fixture
def make_lot(lot_args):
    """A lot committed to the database, registered by ``actor``."""
    def build(actor, **overrides):
        lot = services.register_lot(actor, **lot_args(**overrides))
        db.session.commit()
        return lot

    return build


@pytest.fixture
def photo_dir(app):
    from pathlib import Path
    return Path(app.config["PHOTO_DIR"])


def files_in(directory) -> list:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []
