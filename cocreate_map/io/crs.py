"""CRS detection, override and reprojection — the only place pyproj transforms geometry.

Imported geometry ends up in WGS-84 lon/lat (EPSG:4326, x = lon). Areas and lengths are measured
after :func:`to_metric` into a local UTM zone (:func:`utm_epsg`), never in degrees or Web Mercator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
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
    """The error for a file without CRS: lon/lat-looking values get the GCJ-02 hint, projected
    ones the CRSs their coordinates fit (:func:`candidates`)."""
    x, y = bounds[0], bounds[1]
    if looks_lonlat(bounds):
        return CrsError(key="crs.no_crs_lonlat", what=what, x=x, y=y, lonlat_hint=LONLAT_HINT)
    centre = ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    fits = candidates(centre)
    return CrsError(
        key="crs.no_crs_projected",
        what=what,
        x=x,
        y=y,
        fits=_fits_text(fits) if len(fits) <= 4 else _AMBIGUOUS,
        projected_hint=PROJECTED_HINT,
    )


# ---------------------------------------------------------------------------------------------
# Area of use, and the CRSs a file's coordinates fit

# Where this tool's communities are: China and its neighbours (the Korean survey sample too).
# A guessed CRS must put the data here; a declared one only inside its own area of use.
REGION = (70.0, 15.0, 140.0, 55.0)
AREA_MARGIN_DEG = 2.0  # data drawn just outside a zone's strip is still that zone's


def _candidate_codes() -> list[int]:
    return [
        4326,
        3857,
        *range(4513, 4534),  # CGCS2000 / 3-degree Gauss-Kruger zone 25–45 (zone-prefixed x)
        *range(4491, 4502),  # CGCS2000 / Gauss-Kruger zone 13–23 (6-degree, zone-prefixed x)
        *range(4534, 4555),  # CGCS2000 / 3-degree Gauss-Kruger CM 75E–135E
        *range(32643, 32654),  # WGS 84 / UTM zone 43N–53N
        *range(4502, 4513),  # CGCS2000 / Gauss-Kruger CM 75E–135E (6-degree)
    ]


@dataclass(frozen=True)
class Candidate:
    """A CRS the coordinates fit: its code, its name and where the data's centre lands."""

    code: str
    name: str
    lon: float
    lat: float


@lru_cache(maxsize=128)
def _crs(code: str) -> CRS:
    return CRS.from_user_input(code)


def _lands(crs: CRS, point: tuple[float, float]) -> tuple[float, float] | None:
    """(lon, lat) of ``point`` read in ``crs``, or None when it is not on Earth."""
    if crs.is_geographic:
        lon, lat = point
    else:
        with np.errstate(all="ignore"):
            lon, lat = _transformer(crs.to_wkt(), WGS84).transform(point[0], point[1])
    if not (math.isfinite(lon) and math.isfinite(lat)) or not looks_lonlat((lon, lat, lon, lat)):
        return None
    return float(lon), float(lat)


def fits_area_of_use(crs: CRS, point: tuple[float, float]) -> bool:
    """Whether ``point`` (in ``crs``'s units) lies in the CRS's area of use (± a margin). A CRS
    without an area of use (a custom WKT) fits everything that lands on Earth."""
    where = _lands(crs, point)
    if where is None:
        return False
    area = crs.area_of_use
    if area is None:
        return True
    west, south, east, north = area.bounds
    m = AREA_MARGIN_DEG
    lon, lat = where
    if west > east:  # the area crosses the antimeridian
        in_lon = lon >= west - m or lon <= east + m
    else:
        in_lon = west - m <= lon <= east + m
    return in_lon and south - m <= lat <= north + m


def candidates(
    point: tuple[float, float], near: Sequence[tuple[float, float]] = ()
) -> list[Candidate]:
    """The CRSs (CGCS2000 Gauss-Kruger zones, UTM zones, Web Mercator, WGS-84) that put
    ``point`` inside their own area of use and inside :data:`REGION`; nearest to one of
    ``near`` (lon/lat of known communities) first, else zone-prefixed and exact fits first."""
    out: list[Candidate] = []
    for code in _candidate_codes():
        crs = _crs(f"EPSG:{code}")
        if crs.is_geographic and not looks_lonlat((*point, *point)):
            continue
        if not crs.is_geographic and looks_lonlat((*point, *point)):
            continue
        where = _lands(crs, point)
        if where is None or not fits_area_of_use(crs, point):
            continue
        lon, lat = where
        w, s, e, n = REGION
        if not (w <= lon <= e and s <= lat <= n):
            continue
        out.append(Candidate(f"EPSG:{code}", crs.name, lon, lat))
    if near:

        def distance(c: Candidate) -> float:
            k = math.cos(math.radians(c.lat))
            return min(math.hypot((c.lon - x) * k, c.lat - y) for x, y in near)

        out.sort(key=distance)
    return out


# Six-digit eastings fit every Gauss-Kruger and UTM zone: name the families, not four random zones.
_AMBIGUOUS = (
    "a zone of CGCS2000 3-degree Gauss-Kruger (EPSG:4534–4554, CM 75E–135E) or "
    "WGS 84 / UTM (EPSG:32643–32653): the zone whose central meridian is nearest the site"
)


def _fits_text(fits: Sequence[Candidate], limit: int = 4) -> str:
    shown = [f"{c.code} ({c.name})" for c in fits[:limit]]
    if len(fits) > limit:
        shown.append(f"… +{len(fits) - limit}")
    return ", ".join(shown)


def _area_text(bounds: tuple[float, float, float, float]) -> str:
    """``108°E–114°E, 0°N–84°N``: an area of use in figures, the same in every language."""

    def lon(v: float) -> str:
        return f"{abs(v):g}°{'E' if v >= 0 else 'W'}"

    def lat(v: float) -> str:
        return f"{abs(v):g}°{'N' if v >= 0 else 'S'}"

    w, s, e, n = bounds
    return f"{lon(w)}–{lon(e)}, {lat(s)}–{lat(n)}"


def check_area_of_use(crs: CRS, point: tuple[float, float], what: str) -> None:
    """Refuse data whose centre ``point`` lies outside the declared (or chosen) CRS's area of
    use — EPSG:32649 declared over Web-Mercator metres lands in the Pacific — naming the CRSs
    the coordinates fit instead."""
    if fits_area_of_use(crs, point):
        return
    fits = [c for c in candidates(point) if not _crs(c.code).equals(crs)]
    area = crs.area_of_use
    raise CrsError(
        key="crs.outside_area_of_use" if fits else "crs.outside_area_of_use_no_fit",
        what=what,
        crs=crs_label(crs),
        name=crs.name,
        area=_area_text(area.bounds) if area is not None else "?",
        x=point[0],
        y=point[1],
        fits=_fits_text(fits),
        first=fits[0].code if fits else "",
    )


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
