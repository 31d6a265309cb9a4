"""A community: a named site with a boundary and the metric CRS its measurements use."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from cocreate_map.errors import InvalidInput

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS-84 UTM zone that holds (lon, lat).

    >>> utm_epsg(121.47, 31.23)   # Shanghai: zone 51N
    32651
    >>> utm_epsg(114.30, 30.59)   # Wuhan: zone 50N
    32650
    >>> utm_epsg(-70.6, -33.4)    # Santiago: zone 19S
    32719
    """
    if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 84.0):
        raise InvalidInput(key="community.longitude_latitude_inside_utm", lon=lon, lat=lat)
    zone = min(int(math.floor((lon + 180.0) / 6.0)) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def check_slug(slug: str) -> str:
    """A slug is lower-case ASCII letters, digits and dashes, 1–64 characters."""
    if not _SLUG.match(slug):
        raise InvalidInput(key="community.community_slug_valid_use", slug=slug)
    return slug


def slugify(name: str) -> str:
    """A slug for a name, ASCII only; Chinese names fall back to 'community'.

    >>> slugify("Cotton Compound")
    'cotton-compound'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug or "community"


@dataclass(frozen=True)
class CommunityInfo:
    id: int
    slug: str
    name: str
    metric_epsg: int
    element_counts: dict[str, int]
