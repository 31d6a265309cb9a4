import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import Point

from cocreate_map.domain.elements import (
    KIND_GEOMETRIES,
    Kind,
    PlanElement,
    normalize_attrs,
    parse_kind,
)
from cocreate_map.errors import InvalidInput
from tests import geometries as g


def test_building_attributes_are_checked_and_typed():
    e = PlanElement(Kind.BUILDING, g.SQUARE_100, "1栋", {"floors": "6", "households": 36.0})
    assert e.attrs == {"floors": 6, "households": 36}


@pytest.mark.parametrize(
    ("kind", "attrs", "expected"),
    [
        (Kind.FACILITY, {}, {"facility_type": "other"}),
        (Kind.FACILITY, {"facility_type": "Waste_Point"}, {"facility_type": "waste_point"}),
        (Kind.ILLEGAL_STRUCTURE, {}, {"status": "existing"}),
        (Kind.PARKING_STALL, {}, {"stall_count": 1}),
        (Kind.PARKING_LOT, {"stall_count": 40}, {"stall_count": 40}),
    ],
)
def test_kind_defaults(kind, attrs, expected):
    assert normalize_attrs(kind, attrs) == expected


@pytest.mark.parametrize(
    ("kind", "attrs", "message"),
    [
        (Kind.BUILDING, {"floors": "six"}, "floors must be a whole number"),
        (Kind.BUILDING, {"households": -3}, "households must be a whole number ≥ 0"),
        (Kind.BUILDING, {"floors": 5.5}, "floors must be a whole number"),
        (Kind.FACILITY, {"facility_type": "spaceport"}, "unknown facility_type"),
        (Kind.ILLEGAL_STRUCTURE, {"status": "maybe"}, "unknown illegal_structure status"),
        (Kind.ROAD, {"width_m": "wide"}, "width_m must be a number"),
    ],
)
def test_bad_attributes_say_what_to_pass(kind, attrs, message):
    with pytest.raises(InvalidInput, match=message):
        normalize_attrs(kind, attrs)


def test_kind_refuses_wrong_geometry_family():
    with pytest.raises(InvalidInput, match="a building must be a polygon geometry, got Point"):
        PlanElement(Kind.BUILDING, Point(0, 0))


def test_parse_kind_lists_the_allowed_kinds():
    assert parse_kind(" Green_Belt ") is Kind.GREEN_BELT
    with pytest.raises(InvalidInput, match="use one of: boundary, building"):
        parse_kind("lawn")


def test_every_kind_accepts_some_geometry():
    assert set(KIND_GEOMETRIES) == set(Kind)


@given(st.dictionaries(st.sampled_from(["note", "colour", "x"]), st.text(max_size=20)))
def test_free_text_attributes_survive(attrs):
    out = normalize_attrs(Kind.OTHER, attrs)
    assert out == {k: v for k, v in attrs.items() if v.strip()}
