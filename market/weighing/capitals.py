"""Amounts in capital Chinese numerals (大写金额), as written on receipts and vouchers.

Follows the People's Bank rules for filling in settlement documents (正确填写票据和结算凭证
的基本规定): 壹 before 拾 is always written; a run of zeros inside the number is one 零;
an amount ending at 元 ends in 整, as does one ending at 角; one with 分 does not; when 角
is zero and 分 is not, 零 stands between 元 and 分.
Examples: 1,680.32 → 壹仟陆佰捌拾元叁角贰分; 107,000.53 → 壹拾万柒仟元伍角叁分;
16,409.02 → 壹万陆仟肆佰零玖元零贰分; 0 → 零元整.
"""
from __future__ import annotations

from ..units import Money

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
#: 万 and 亿 every four digits: up to 9999 亿 yuan, far beyond any slip or settlement
BIG_UNITS = ("", "万", "亿")


def _four_digits(n: int) -> str:
    """0 < n < 10000, written with its inner zeros collapsed to one 零 and none at the end."""
    out = []
    pending_zero = False
    for position in range(3, -1, -1):
        digit = n // 10 ** position % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[digit] + SMALL_UNITS[position])
    return "".join(out)


def _yuan(n: int) -> str:
    sections = []
    while n:
        sections.append(n % 10000)
        n //= 10000
    if len(sections) > len(BIG_UNITS):
        raise ValueError("amount too large to write out")
    out: list[str] = []
    gap = False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            gap = bool(out)
            continue
        if out and (gap or section < 1000):
            out.append("零")
        out.append(_four_digits(section) + BIG_UNITS[index])
        gap = False
    return "".join(out)


def amount_in_capitals(money: Money) -> str:
    """The amount in 大写, without the 人民币 prefix the form prints before it."""
    if not isinstance(money, Money):
        raise TypeError("need Money")
    if money.fen < 0:
        return "负" + amount_in_capitals(-money)
    yuan, cents = divmod(money.fen, 100)
    jiao, fen = divmod(cents, 10)
    whole = _yuan(yuan)
    if not whole and not cents:
        return "零元整"
    out = whole + "元" if whole else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    elif fen and whole:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    else:
        out += "整"
    return out
