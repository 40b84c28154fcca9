"""Amounts in capital Chinese numerals, by the People's Bank rules for filling in documents."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from market.units import Money
from market.weighing.capitals import DIGITS, amount_in_capitals


@pytest.mark.parametrize("amount, words", [
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("105", "壹佰零伍元整"),
    ("1010.10", "壹仟零壹拾元壹角整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("100010", "壹拾万零壹拾元整"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("10000", "壹万元整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("35000.96", "叁万伍仟元玖角陆分"),
    ("150001.00", "壹拾伍万零壹元整"),
    ("100000001", "壹亿零壹元整"),
    ("1200000000", "壹拾贰亿元整"),
    ("-3.20", "负叁元贰角整"),
])
def test_known_amounts_in_capitals(amount, words):
    assert amount_in_capitals(Money(amount)) == words


def _read_back(words: str) -> int:
    """Turn the capitals back into fen, to check the writing loses nothing."""
    value = {c: i for i, c in enumerate(DIGITS)}
    small = {"拾": 10, "佰": 100, "仟": 1000}
    total = section = digit = 0
    yuan_done = False
    fen = 0
    for char in words.replace("整", ""):
        if char in value:
            digit = value[char]
        elif char in small:
            section += digit * small[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif char == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
        elif char == "元":
            total += section + digit
            section = digit = 0
            yuan_done = True
        elif char == "角":
            fen += digit * 10
            digit = 0
        elif char == "分":
            fen += digit
            digit = 0
    assert yuan_done or total == 0
    return total * 100 + fen


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_every_amount_reads_back_to_itself(fen):
    words = amount_in_capitals(Money.from_fen(fen))
    assert _read_back(words) == fen
    assert "零零" not in words
    assert not words.startswith("零") or words == "零元整"
    assert words.endswith("分") or words.endswith("整")


def test_amounts_beyond_9999_yi_are_refused_rather_than_miswritten():
    with pytest.raises(ValueError):
        amount_in_capitals(Money(10**12))


def test_only_money_is_written_out():
    with pytest.raises(TypeError):
        amount_in_capitals(1.5)  # type: ignore[arg-type]
