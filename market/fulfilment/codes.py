"""Trace codes, plate masking and retention dates: pure, no database, no Flask.

A trace code is printed on crate labels, loading notes and certificates and typed into
``/t/<code>``. It is short, URL-safe and unguessable: ten symbols drawn by ``secrets`` from an
alphabet of 32 (50 bits), with 0/O and 1/I left out so a code read off a label is typed right.
"""
from __future__ import annotations

import secrets
from datetime import date
from typing import Callable

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 10
#: 承诺达标合格证 and their records: older local rules ask two years, the 2025 rules six months
RETENTION_YEARS = 2


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(text: str | None) -> str:
    """What a person typed, as stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")


def is_code(text: str | None) -> bool:
    return text is not None and len(text) == CODE_LENGTH and all(ch in ALPHABET for ch in text)


def mask_plate(plate: str | None) -> str:
    """陕D12345 → 陕D****5: enough to recognise the truck, not to look it up."""
    value = (plate or "").strip()
    if len(value) <= 3:
        return value[:1] + "*" * max(len(value) - 1, 0)
    return value[:2] + "*" * (len(value) - 3) + value[-1]


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March, never earlier."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return date(day.year + years, 3, 1)


def retain_until(issued_on: date, years: int = RETENTION_YEARS) -> date:
    return add_years(issued_on, years)
