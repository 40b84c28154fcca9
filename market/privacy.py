"""Masking of personal data (PIPL): pure functions."""
from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****1234"""
    digits = phone or ""
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(id_number: str) -> str:
    """First 6 and last 4 kept: 610402********1234"""
    value = id_number or ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_account(account: str) -> str:
    """Only the last 4 kept: **** **** 1234"""
    value = (account or "").replace(" ", "")
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return "**** " + value[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: for public disclosure pages."""
    value = name or ""
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)
