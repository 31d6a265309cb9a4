"""The district map: every community's boundary, shaded by one figure of the overview.

Shades run from light to dark (one hue, so lightness alone tells them apart) and communities
without a figure are hatched grey; names and figures go through ``escape_text``; each area links
to its community's map.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import shapely.geometry
from branca.element import Element, Figure

from cocreate_map.services.district import CommunityFigures
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.maps import NONE_BACKGROUND, MapSetup, localize_assets

# Five steps of one blue, light to dark (lightness L* ≈ 92, 77, 60, 44, 28).
SHADES = ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b")
NO_FIGURE = "#bdbdbd"


def shade(value: float | None, low: float, high: float) -> str:
    if value is None:
        return NO_FIGURE
    if high <= low:
        return SHADES[len(SHADES) // 2]
    step = int((value - low) / (high - low) * len(SHADES))
    return SHADES[min(max(step, 0), len(SHADES) - 1)]


def build_district_map(
    rows: Sequence[CommunityFigures],
    values: dict[str, float | None],
    labels: dict[str, str],
    link: str,
    lang: str = "zh",
) -> folium.Map:
    """``values``: slug → figure; ``labels``: slug → tooltip text; ``link``: the href of a
    community with ``{slug}`` in it."""
    features = []
    known = [v for v in values.values() if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    for c in rows:
        if c.boundary is None or c.boundary.is_empty:
            continue
        value = values.get(c.slug)
        href = escape_text(link.format(slug=c.slug))
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(c.boundary),
                "properties": {
                    "fill": shade(value, low, high),
                    "dash": "4 4" if value is None else None,
                    "tip": f"<b>{escape_text(c.name)}</b><br>{escape_text(labels.get(c.slug, ''))}",
                    "popup": f'<a href="{href}" target="_top">{escape_text(c.name)}</a>',
                },
            }
        )
    m = folium.Map(tiles=None, control_scale=False, zoom_snap=0.25, max_zoom=19)
    m.default_js = [(n, u) for n, u in m.default_js if n == "leaflet"]
    m.default_css = [(n, u) for n, u in m.default_css if n == "leaflet_css"]
    Figure().add_child(m)
    # 44-px zoom buttons with the reader's words, a metric scale, no 12-px "Leaflet" link
    m.add_child(MapSetup(lang))
    m.get_root().header.add_child(
        Element(f"<style>.leaflet-container{{background:{NONE_BACKGROUND}}}</style>"),
        name="cc_background",
    )
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=_style,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    )
    layer.add_to(m)
    if features:
        bounds = shapely.geometry.shape(
            {"type": "GeometryCollection", "geometries": [f["geometry"] for f in features]}
        ).bounds
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(8, 8))
    localize_assets(m)
    return m


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    return {
        "fillColor": p["fill"],
        "fillOpacity": 0.85,
        "color": "#222222",
        "weight": 1.5,
        "dashArray": p["dash"],
    }
