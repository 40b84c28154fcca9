"""Trace codes, plate masking and the certificates' retention date."""
from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from market.fulfilment import codes, qr


def test_codes_are_ten_url_safe_symbols_without_look_alike_characters():
    seen = {codes.new_code() for _ in range(2000)}
    assert len(seen) == 2000
    for code in seen:
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code) and codes.is_code(code)
    assert not set("01IO") & set(codes.ALPHABET)
    assert len(codes.ALPHABET) ** codes.CODE_LENGTH >= 2 ** 50


def test_what_people_type_is_normalised_before_lookup():
    assert codes.normalise(" abcd-efgh 23 ") == "ABCDEFGH23"
    assert not codes.is_code("ABC") and not codes.is_code("ABCDEFGH2O") and not codes.is_code(None)


def test_a_plate_keeps_its_province_letter_and_last_character():
    assert codes.mask_plate("陕D12345") == "陕D****5"
    assert codes.mask_plate("陕AD12345") == "陕A*****5"
    assert codes.mask_plate("陕D") == "陕*"
    assert codes.mask_plate("") == ""


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_certificates_are_kept_at_least_two_years(issued):
    until = codes.retain_until(issued)
    assert until > issued
    assert until >= issued + timedelta(days=730)
    assert until.year == issued.year + 2


def test_a_leap_day_certificate_is_kept_until_the_first_of_march():
    assert codes.retain_until(date(2028, 2, 29)) == date(2030, 3, 1)


def test_the_qr_is_inline_svg_drawn_without_any_network():
    svg = qr.svg("https://example.test/t/ABCDEFGH23", title="ABCDEFGH23")
    assert str(svg).startswith("<svg") and "viewBox" in svg and "<title>ABCDEFGH23</title>" in svg
    assert "http" not in svg.split("</title>", 1)[1]
