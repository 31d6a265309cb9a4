"""A convention's signing progress on the map: each building shaded by the share of its
households that signed, darker as more sign (lightness steps of one colour, so the bands differ
by more than hue), with "signed/all" written on the building itself — the figure can be read
without telling colours apart. One GeoJSON layer and a label marker per building; every label
goes through ``escape_text``."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import folium
import shapely.geometry

from cocreate_map.domain.evaluation import BuildingProgress
from cocreate_map.services import MapData
from cocreate_map.ui import maps
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.i18n import translate

COLOUR = maps.OKABE_ITO["blue"]
# (lower bound of the signed share, fill opacity, legend key): darker as more households sign
BANDS: tuple[tuple[Fraction, float, str], ...] = (
    (Fraction(0), 0.08, "convention_map.band0"),
    (Fraction(1, 4), 0.3, "convention_map.band1"),
    (Fraction(1, 2), 0.55, "convention_map.band2"),
    (Fraction(3, 4), 0.8, "convention_map.band3"),
)
PANE = "cc_convention"


def band(share: Fraction | None) -> int:
    """The band of a signed share: 0 (under a quarter) … 3 (three quarters or more)."""
    value = share or Fraction(0)
    return max(i for i, (low, _o, _k) in enumerate(BANDS) if value >= low)


def progress_geojson(
    shapes: Sequence[tuple[BuildingProgress, Any]], lang: str, coords: str = "wgs84"
) -> dict[str, Any]:
    features = []
    for b, geom in shapes:
        label = translate(lang, "convention_map.label", b=b.building, signed=b.signed,
                          total=b.households)  # fmt: skip
        features.append(
            {
                "type": "Feature",
                "geometry": maps.display_geometry(shapely.geometry.mapping(geom), coords),
                "properties": {
                    "building": b.building,
                    "band": band(b.share),
                    "tip": escape_text(label),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    opacity = BANDS[int(feature["properties"]["band"])][1]
    return {"color": "#000", "weight": 2, "fillColor": COLOUR, "fillOpacity": opacity}


def add_progress(
    m: folium.Map, shapes: Sequence[tuple[BuildingProgress, Any]], lang: str, coords: str
) -> None:
    folium.map.CustomPane(PANE, z_index=450).add_to(m)
    data = progress_geojson(shapes, lang, coords)
    if not data["features"]:
        return
    folium.GeoJson(data, name="convention", style_function=_style, control=False, pane=PANE).add_to(
        m
    )
    # One label per building, always shown: a permanent tooltip bound to the GeoJSON layer
    # opens for one feature only (Leaflet binds it to the group), so each label is its own
    # marker at a point inside its building, which taps and drags pass through.
    for feature in data["features"]:
        spot = shapely.geometry.shape(feature["geometry"]).representative_point()
        folium.Marker(
            [spot.y, spot.x],
            icon=folium.DivIcon(
                html=f'<div class="cc-sign-label">{feature["properties"]["tip"]}</div>',
                icon_size=(0, 0),
                class_name="cc-sign-anchor",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(m)


def legend_rows(
    lang: str, shapes: Sequence[tuple[BuildingProgress, Any]]
) -> list[tuple[str, str, int]]:
    rows = []
    for i, (_low, opacity, key) in enumerate(BANDS):
        n = sum(1 for b, _g in shapes if band(b.share) == i)
        swatch = (
            f'<i class="cc-sw" style="background:{COLOUR};opacity:{max(opacity, 0.15)};'
            'border:2px solid #000"></i>'
        )
        rows.append((swatch, translate(lang, key), n))
    return rows


LABEL_CSS = (
    "<style>.cc-sign-label{display:inline-block;transform:translate(-50%,-50%);"
    "white-space:nowrap;font:700 16px sans-serif;padding:2px 6px;pointer-events:none;"
    "background:rgba(255,255,255,.92);border:1px solid #000;border-radius:3px}</style>"
)


def build_progress_map(
    data: MapData, shapes: Sequence[tuple[BuildingProgress, Any]], lang: str
) -> folium.Map:
    from branca.element import Element

    m = maps.build_map(
        data, lang, "none", None, lambda fm, coords: add_progress(fm, shapes, lang, coords),
        legend=False,
    )  # fmt: skip
    m.get_root().html.add_child(Element(LABEL_CSS), name="cc_sign_label")
    m.add_child(maps.Legend(translate(lang, "convention_map.legend"), legend_rows(lang, shapes)))
    maps.localize_assets(m)
    return m


def render_progress_map(
    data: MapData,
    shapes: Sequence[tuple[BuildingProgress, Any]],
    lang: str,
    *,
    key: str,
    height: int = 460,
) -> None:
    maps.folium_component(
        lambda: (build_progress_map(data, shapes, lang), None), key=key, height=height
    )
