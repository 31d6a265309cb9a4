"""CRS detection, override and reprojection — the only place pyproj transforms geometry.

Imported geometry ends up in WGS-84 lon/lat (EPSG:4326, x = lon). Areas and lengths are measured
after :func:`to_metric` into a local UTM zone (:func:`utm_epsg`), never in degrees or Web Mercator.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError
from shapely.geometry.base import BaseGeometry

from cocreate_map.errors import CrsError

WGS84 = "EPSG:4326"

LONLAT_HINT = "--crs EPSG:4326, and --coords gcj02 if it came from AMap/高德 or Tencent"
PROJECTED_HINT = (
    "--crs EPSG:n with the projected CRS the file was drawn in, e.g. --crs EPSG:4547 "
    "(CGCS2000 3-degree zone 114°E)"
)


def parse_crs(text: str) -> CRS:
    """A CRS from what a person typed (``EPSG:4547``, ``4547``, a WKT or PROJ string)."""
    value = text.strip()
    if value.isdigit():
        value = f"EPSG:{value}"
    try:
        return CRS.from_user_input(value)
    except PyprojCRSError:
        raise CrsError(key="crs.crs_coordinate_reference_system", text=text) from None


def crs_label(crs: CRS) -> str:
    """``EPSG:4326`` when the CRS has an authority code, else its name."""
    authority = crs.to_authority(min_confidence=70)
    if authority:
        return f"{authority[0]}:{authority[1]}"
    return crs.name


@lru_cache(maxsize=64)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(
        CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True
    )


def _transform(geom: BaseGeometry, source: str, target: str) -> BaseGeometry:
    transformer = _transformer(source, target)

    def apply(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, apply)


def transform_array(geoms: NDArray[np.object_], source: str, target: str) -> NDArray[np.object_]:
    """Reproject an array of 2-D shapely geometries in one vectorised call."""
    transformer = _transformer(source, target)

    def apply(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    out: NDArray[np.object_] = shapely.transform(geoms, apply)
    return out


def _epsg(epsg: int | str) -> str:
    return f"EPSG:{epsg}" if isinstance(epsg, int) or str(epsg).isdigit() else str(epsg)


def to_metric(geom_wgs84: BaseGeometry, epsg: int | str) -> BaseGeometry:
    """WGS-84 lon/lat → the metric CRS ``epsg`` (e.g. a UTM zone from :func:`utm_epsg`)."""
    return _transform(geom_wgs84, WGS84, _epsg(epsg))


def to_wgs84(geom_metric: BaseGeometry, epsg: int | str) -> BaseGeometry:
    """The metric CRS ``epsg`` → WGS-84 lon/lat."""
    return _transform(geom_metric, _epsg(epsg), WGS84)


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS-84 UTM zone holding (lon, lat).

    >>> utm_epsg(121.5, 31.2), utm_epsg(114.4, 30.5), utm_epsg(-70.0, -33.0)
    (32651, 32650, 32719)
    """
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def looks_lonlat(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def missing_crs_error(bounds: tuple[float, float, float, float], what: str) -> CrsError:
    """The error for a file without CRS: lon/lat-looking values get the GCJ-02 hint."""
    x, y = bounds[0], bounds[1]
    if looks_lonlat(bounds):
        return CrsError(
            f"{what} has no CRS and its coordinates look like lon/lat (x={x:.6g}, y={y:.6g}); "
            f"pass {LONLAT_HINT}"
        )
    return CrsError(f"{what} has no CRS (x={x:.10g}, y={y:.10g}); pass {PROJECTED_HINT}")


def check_plausible(crs: CRS, bounds: tuple[float, float, float, float], what: str) -> None:
    """Refuse coordinates that cannot be in ``crs`` (the usual sign of a wrong CRS)."""
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        raise CrsError(key="crs.coordinates_numbers_check_file", what=what)
    if crs.is_geographic and not looks_lonlat(bounds):
        far = maxx if abs(maxx) > abs(minx) else minx
        raise CrsError(
            key="crs.declares_but_coordinates_look",
            what=what,
            crs=crs_label(crs),
            far=far,
            projected_hint=PROJECTED_HINT,
        )
    if crs.is_projected and looks_lonlat(bounds) and max(abs(v) for v in bounds) > 1:
        raise CrsError(
            key="crs.declares_projected_but_coordinates",
            what=what,
            crs=crs_label(crs),
            minx=minx,
            miny=miny,
            lonlat_hint=LONLAT_HINT,
        )


def check_wgs84_result(bounds: tuple[float, float, float, float], what: str, source: str) -> None:
    """After reprojection the result must be real lon/lat."""
    if not all(math.isfinite(v) for v in bounds) or not looks_lonlat(bounds):
        raise CrsError(
            key="crs.coordinates_do_land_earth",
            what=what,
            source=source,
            projected_hint=PROJECTED_HINT,
        )
