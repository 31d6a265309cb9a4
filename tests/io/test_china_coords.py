"""Test vectors from DOMAIN.md §4 and properties of the iterative inverse."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import Polygon

from cocreate_map.io import china_coords as cc

VECTORS = [
    ((116.404, 39.915), (116.41024450, 39.91640428), (116.41662724, 39.92269955)),
    ((114.3055, 30.5928), (114.31094489, 30.59039056), (114.31751268, 30.59609993)),
    ((121.4737, 31.2304), (121.47822306, 31.22845774), (121.48478147, 31.23431059)),
]


def metres(a, b):
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((a[0] - b[0]) * 111320 * math.cos(lat), (a[1] - b[1]) * 110540)


@pytest.mark.parametrize(("wgs", "gcj", "bd"), VECTORS)
def test_published_vectors(wgs, gcj, bd):
    x, y = cc.wgs84_to_gcj02(*wgs)
    assert (float(x), float(y)) == pytest.approx(gcj, abs=1e-8)
    x, y = cc.wgs84_to_bd09(*wgs)
    assert (float(x), float(y)) == pytest.approx(bd, abs=1e-8)
    x, y = cc.gcj02_to_wgs84(*gcj)
    assert metres((float(x), float(y)), wgs) < 0.01
    x, y = cc.bd09_to_wgs84(*bd)
    assert metres((float(x), float(y)), wgs) < 0.01


def test_wandergis_bd_vectors():
    assert tuple(map(float, cc.gcj02_to_bd09(116.404, 39.915))) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-9
    )
    assert tuple(map(float, cc.bd09_to_gcj02(116.404, 39.915))) == pytest.approx(
        (116.39762729119315, 39.90865673957631), abs=1e-9
    )


@given(st.floats(74.0, 134.5), st.floats(4.5, 53.0))
def test_iterative_inverse_recovers_the_point_to_a_millimetre(lon, lat):
    gx, gy = cc.wgs84_to_gcj02(lon, lat)
    x, y = cc.gcj02_to_wgs84(gx, gy)
    assert metres((float(x), float(y)), (lon, lat)) < 0.001


def test_outside_china_is_unchanged():
    x, y = cc.wgs84_to_gcj02(2.35, 48.85)
    assert (float(x), float(y)) == (2.35, 48.85)


def test_vectorised_and_geometry_conversion():
    xs, ys = cc.wgs84_to_gcj02(np.array([116.404, 114.3055]), np.array([39.915, 30.5928]))
    assert xs.shape == (2,)
    poly = Polygon([(114.30, 30.59), (114.31, 30.59), (114.31, 30.60)])
    there = cc.convert_geometry(poly, "wgs84", "gcj02")
    back = cc.convert_geometry(there, "gcj02", "wgs84")
    assert not there.equals_exact(poly, 1e-5)
    assert back.equals_exact(poly, 1e-9)
    assert cc.convert_geometry(poly, "wgs84", "wgs84") is poly
