"""Checks of a household's numbers: the resident ID (GB 11643-1999), the mobile phone and the
bank account. Pure functions: no database, no request.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..auth import services as auth_services

ID_NUMBER_RE = re.compile(r"[1-9][0-9]{16}[0-9X]")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
BANK_ACCOUNT_RE = re.compile(r"[0-9]{12,30}")


def id_check_character(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: Any) -> str:
    return re.sub(r"\s", "", str(value or "")).upper()


def valid_id_number(value: str, today: date | None = None) -> bool:
    """An 18-character resident ID: region, a real birth date not in the future, check character."""
    if not ID_NUMBER_RE.fullmatch(value or ""):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > (today or date.today()):
        return False
    return id_check_character(value[:17]) == value[17]


def normalise_phone(value: Any) -> str:
    return re.sub(r"[\s-]", "", str(value or ""))


def valid_mobile(value: str) -> bool:
    return bool(auth_services.PHONE_RE.fullmatch(value or ""))
