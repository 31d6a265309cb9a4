"""Household codes (≥ 40 bits, no look-alikes) and register row validation."""

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cocreate_map.domain.households import (
    ALPHABET,
    CODE_BITS,
    area_text,
    canonical_header,
    generate_code,
    hash_code,
    normalise_code,
    parse_area,
    validate_row,
    validate_rows,
)
from cocreate_map.errors import InvalidInput


def test_alphabet_and_strength():
    assert len(ALPHABET) == 31 and len(set(ALPHABET)) == 31
    assert not set(ALPHABET) & set("0O1IlL")
    assert CODE_BITS >= 40


def test_codes_are_grouped_and_random():
    codes = {generate_code() for _ in range(500)}
    assert len(codes) == 500
    for c in codes:
        assert [len(p) for p in c.split("-")] == [3, 3, 4]


def test_seeded_codes_are_reproducible():
    assert generate_code(random.Random(1)) == generate_code(random.Random(1))


@given(st.text(alphabet=ALPHABET, min_size=10, max_size=10))
def test_typing_variants_normalise_to_the_same_code(raw):
    messy = " " + raw[:3].lower() + " - " + raw[3:6] + "  " + raw[6:].lower() + " "
    assert normalise_code(messy) == raw
    assert hash_code(1, messy) == hash_code(1, raw)
    assert hash_code(1, raw) != hash_code(2, raw)


@pytest.mark.parametrize(
    ("typed", "words"),
    [("K7M-9QX-4TP0", "never contain"), ("K7M9QX4TP", "10 characters"), ("K7M-9QX-4T#W", "2–9")],
)
def test_bad_codes_say_why(typed, words):
    with pytest.raises(InvalidInput, match=words):
        normalise_code(typed)


def test_areas_are_exact():
    assert parse_area("65.37") == Fraction(6537, 100)
    assert area_text(parse_area("65.3")) == "65.30"
    for bad in ("abc", "-3", "0", "65.371", ""):
        with pytest.raises(InvalidInput):
            parse_area(bad)


def test_headers_and_labels():
    assert canonical_header("楼栋") == "building"
    assert canonical_header("面积") == "area_m2"
    assert canonical_header("Area_m2") == "area_m2"
    row = validate_row({"building": "3栋", "unit": "2单元", "room": "501", "area_m2": "70.5"})
    assert row.key == ("3", "2", "501") and row.area_m2 == Fraction(705, 10)


def test_bad_rows_are_all_reported_with_line_numbers():
    rows = [
        (2, {"building": "1", "unit": "1", "room": "101", "area_m2": "60"}),
        (3, {"building": "1", "unit": "1", "room": "102", "area_m2": "abc"}),
        (4, {"building": "1", "unit": "1", "room": "101", "area_m2": "61"}),
        (5, {"building": "", "unit": "1", "room": "103", "area_m2": "61"}),
    ]
    with pytest.raises(InvalidInput) as exc:
        validate_rows(rows)
    msg = exc.value.message
    assert "line 3" in msg and "line 4" in msg and "line 5" in msg and "line 2:" not in msg
    assert "nothing imported" in msg
