import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import LineString, Polygon

from cocreate_map.domain.geometry import repair
from cocreate_map.errors import InvalidGeometry
from tests import geometries as g


def test_valid_geometry_is_untouched_and_unreported():
    fixed, repairs = repair(g.HOLED, "f1")
    assert fixed.equals(g.HOLED)
    assert repairs == []


def test_bowtie_is_repaired_and_the_repair_reported():
    fixed, repairs = repair(g.BOWTIE, "feature 7")
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert fixed.area == pytest.approx(50.0)
    assert len(repairs) == 1
    assert "feature 7" in str(repairs[0]) and "Self-intersection" in repairs[0].problem


@pytest.mark.parametrize(
    ("geom", "message"),
    [
        (None, "has no geometry"),
        (g.EMPTY, "has no geometry"),
        (g.SLIVER, "nothing of it is left after repair"),
        (g.ZERO_LINE, "nothing of it is left after repair"),
    ],
)
def test_irreparable_geometries_are_refused_with_the_feature_named(geom, message):
    with pytest.raises(InvalidGeometry, match=message) as info:
        repair(geom, "feature 12")
    assert "feature 12" in str(info.value)


def test_z_is_dropped():
    fixed, _ = repair(LineString([(0, 0, 5), (1, 1, 5)]), "f")
    assert not fixed.has_z


coords = st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), min_size=4, max_size=9)


@given(coords)
def test_repair_always_returns_a_valid_polygon_or_refuses(points):
    poly = Polygon(points)
    try:
        fixed, repairs = repair(poly, "f")
    except InvalidGeometry:
        return
    assert fixed.is_valid
    assert fixed.geom_type in ("Polygon", "MultiPolygon")
    assert fixed.area > 0
    assert bool(repairs) == (not poly.is_valid)
