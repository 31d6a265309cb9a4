"""WGS-84 ↔ GCJ-02 ↔ BD-09 with the iterative inverse (DOMAIN.md §4).

The forward GCJ-02 offset is the public formula (Krasovsky a = 6378245, ee = 0.00669342162296594323).
The inverse is solved by fixed-point iteration until the forward image matches to 1e-10°, which
is below a millimetre; the one-step inverse is off by 0.5–2.3 m and is not used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

CoordSystem = Literal["wgs84", "gcj02", "bd09"]
COORD_SYSTEMS: tuple[CoordSystem, ...] = ("wgs84", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

Array = NDArray[np.float64]


def in_china(lng: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """The crude rectangle the public formula applies to; outside it coordinates are unchanged."""
    lng_a = np.asarray(lng, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    return (lng_a > 73.66) & (lng_a < 135.05) & (lat_a > 3.86) & (lat_a < 53.55)


def _transform_lat(x: Array, y: Array) -> Array:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: Array, y: Array) -> Array:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Forward GCJ-02 obfuscation.

    >>> x, y = wgs84_to_gcj02(116.404, 39.915)
    >>> round(float(x), 8), round(float(y), 8)
    (116.4102445, 39.91640428)
    """
    lng_a = np.asarray(lng, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    dlat = _transform_lat(lng_a - 105.0, lat_a - 35.0)
    dlng = _transform_lng(lng_a - 105.0, lat_a - 35.0)
    radlat = lat_a / 180.0 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    inside = in_china(lng_a, lat_a)
    return np.where(inside, lng_a + dlng, lng_a), np.where(inside, lat_a + dlat, lat_a)


def _invert(
    forward: Callable[[ArrayLike, ArrayLike], tuple[Array, Array]],
    lng: ArrayLike,
    lat: ArrayLike,
    tol: float,
) -> tuple[Array, Array]:
    """Fixed-point inverse of a small offset ``forward``: x ← x − (forward(x) − target)."""
    target_x = np.asarray(lng, dtype=float)
    target_y = np.asarray(lat, dtype=float)
    x, y = target_x.copy(), target_y.copy()
    for _ in range(30):
        fx, fy = forward(x, y)
        dx, dy = fx - target_x, fy - target_y
        x, y = x - dx, y - dy
        worst = max(float(np.max(np.abs(dx), initial=0.0)), float(np.max(np.abs(dy), initial=0.0)))
        if worst < tol:
            break
    return x, y


def gcj02_to_wgs84(lng: ArrayLike, lat: ArrayLike, tol: float = 1e-10) -> tuple[Array, Array]:
    """Iterative inverse: find the WGS-84 point whose GCJ-02 image is (lng, lat).

    >>> x, y = gcj02_to_wgs84(116.41024450, 39.91640428)
    >>> round(float(x), 7), round(float(y), 7)
    (116.404, 39.915)
    """
    return _invert(wgs84_to_gcj02, lng, lat, tol)


def gcj02_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → BD-09.

    >>> x, y = gcj02_to_bd09(116.404, 39.915)
    >>> round(float(x), 8), round(float(y), 8)
    (116.41036949, 39.92133699)
    """
    x = np.asarray(lng, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 → GCJ-02 (the published closed form).

    >>> x, y = bd09_to_gcj02(116.404, 39.915)
    >>> round(float(x), 8), round(float(y), 8)
    (116.39762729, 39.90865674)
    """
    x = np.asarray(lng, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def wgs84_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


def bd09_to_wgs84(lng: ArrayLike, lat: ArrayLike, tol: float = 1e-10) -> tuple[Array, Array]:
    """Iterative inverse of the whole WGS-84 → BD-09 chain (the closed-form BD step is ~0.1 m off).

    >>> x, y = bd09_to_wgs84(116.41662724, 39.92269955)
    >>> round(float(x), 6), round(float(y), 6)
    (116.404, 39.915)
    """
    return _invert(wgs84_to_bd09, lng, lat, tol)


_CONVERTERS: dict[tuple[str, str], Callable[[ArrayLike, ArrayLike], tuple[Array, Array]]] = {
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("bd09", "wgs84"): bd09_to_wgs84,
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
}


def converter(
    source: CoordSystem, target: CoordSystem
) -> Callable[[ArrayLike, ArrayLike], tuple[Array, Array]] | None:
    """The function converting ``source`` to ``target`` coordinates; None when they are equal."""
    if source == target:
        return None
    return _CONVERTERS[(source, target)]


def convert_geometry(geom, source: CoordSystem, target: CoordSystem):  # type: ignore[no-untyped-def]
    """Convert every vertex of a shapely geometry (lon/lat) between coordinate systems."""
    import shapely

    fn = converter(source, target)
    if fn is None:
        return geom

    def _apply(coords: Array) -> Array:
        x, y = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _apply)
