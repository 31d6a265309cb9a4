from __future__ import annotations

import pytest
from pyproj import CRS
from shapely.geometry import Point, box

from cocreate_map.errors import CrsError
from cocreate_map.io import crs


def test_to_metric_and_back_round_trip() -> None:
    square = box(121.50, 31.23, 121.501, 31.231)
    epsg = crs.utm_epsg(121.5, 31.23)
    assert epsg == 32651
    metric = crs.to_metric(square, epsg)
    assert 9_000 < metric.area < 11_500  # ~95 m × 111 m
    back = crs.to_wgs84(metric, epsg)
    assert back.equals_exact(square, tolerance=1e-9)


def test_web_mercator_would_overstate_area_which_is_why_we_use_utm() -> None:
    square = box(121.50, 31.23, 121.501, 31.231)
    utm = crs.to_metric(square, crs.utm_epsg(121.5, 31.23)).area
    mercator = crs.to_metric(square, 3857).area
    assert 1.3 < mercator / utm < 1.45


def test_parse_crs_accepts_codes_and_refuses_nonsense() -> None:
    assert crs.crs_label(crs.parse_crs("4547")) == "EPSG:4547"
    assert crs.crs_label(crs.parse_crs("EPSG:5186")) == "EPSG:5186"
    with pytest.raises(CrsError, match="--crs EPSG:4547"):
        crs.parse_crs("EPSG:99999999")


def test_projected_coordinates_declared_as_wgs84_are_refused() -> None:
    with pytest.raises(CrsError, match=r"look projected \(x=.*pass --crs EPSG:n"):
        crs.check_plausible(CRS.from_epsg(4326), (500000.0, 3400000.0, 501000.0, 3401000.0), "f")


def test_lonlat_declared_as_projected_is_refused() -> None:
    with pytest.raises(CrsError, match="--crs EPSG:4326"):
        crs.check_plausible(CRS.from_epsg(4547), (114.1, 30.5, 114.2, 30.6), "f")


def test_missing_crs_messages_depend_on_the_values() -> None:
    lonlat = crs.missing_crs_error((114.1, 30.5, 114.2, 30.6), "f.shp")
    assert "--crs EPSG:4326" in lonlat.message and "--coords gcj02" in lonlat.message
    projected = crs.missing_crs_error((500000.0, 3400000.0, 501000.0, 3401000.0), "f.shp")
    assert "--crs EPSG:n" in projected.message and "gcj02" not in projected.message


def test_result_off_the_earth_is_refused() -> None:
    with pytest.raises(CrsError):
        crs.check_wgs84_result((float("inf"), 0, 0, 0), "f", "EPSG:4547")
    crs.check_wgs84_result(Point(121, 31).bounds, "f", "EPSG:4326")
