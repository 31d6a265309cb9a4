import pytest
from hypothesis import given
from hypothesis import strategies as st

from cocreate_map.domain.community import check_slug, slugify, utm_epsg
from cocreate_map.errors import InvalidInput


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (121.47, 31.23, 32651),
        (114.30, 30.59, 32650),
        (113.99, 22.5, 32649),
        (-0.1, 51.5, 32630),
        (151.2, -33.9, 32756),
        (180.0, 0.0, 32660),
    ],
)
def test_utm_zone(lon, lat, epsg):
    assert utm_epsg(lon, lat) == epsg


def test_utm_refuses_projected_numbers():
    with pytest.raises(InvalidInput, match="check the CRS"):
        utm_epsg(500000.0, 3380000.0)


@given(st.floats(-180, 180), st.floats(-80, 84))
def test_utm_zone_contains_the_point(lon, lat):
    epsg = utm_epsg(lon, lat)
    zone = epsg % 100
    central = -183 + 6 * zone
    assert abs(lon - central) <= 3.0 + 1e-9 or lon == 180.0


def test_slugs():
    assert check_slug("cotton-compound") == "cotton-compound"
    assert slugify("Lujiazui 崂山五村") == "lujiazui"
    assert slugify("棉花小区") == "community"
    for bad in ["", "Caps", "-lead", "has space", "x" * 65]:
        with pytest.raises(InvalidInput, match="lower-case letters"):
            check_slug(bad)
