"""folium builders for the option comparison page, on top of ``ui.maps.build_map``.

An option's map is the community map of the plan after the option, with what the option adds or
changes outlined thick in blue and what it removes drawn dashed in vermillion; a violation picked
in the list is marked and the map centred on it. The planner's map adds leaflet-draw (polyline
only) or returns the clicked point. Every asset goes through ``maps.localize_assets``; every
user string through ``escape_text`` (via ``maps.display_features`` / ``tooltip_html``).
"""

from __future__ import annotations

import math
from typing import Any

import folium
from folium.plugins import Draw

from cocreate_map.services import OptionMapData
from cocreate_map.ui import maps
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.i18n import translate

OPTION_MAP_HEIGHT = 430
ADDED_STYLE = {
    "color": "#0B3C8C",
    "weight": 3,
    "fill": True,
    "fillColor": maps.OKABE_ITO["sky_blue"],
    "fillOpacity": 0.35,
}
REMOVED_STYLE = {
    "color": maps.OKABE_ITO["vermillion"],
    "weight": 2.5,
    "dashArray": "5 4",
    "fill": True,
    "fillColor": "#FFFFFF",
    "fillOpacity": 0.55,
}


def _overlay(m: folium.Map, collection: dict[str, Any], style: dict[str, Any], lang: str) -> None:
    if not collection.get("features"):
        return
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for f in collection["features"]:
        by_kind.setdefault(str(f["properties"].get("kind")), []).append(f)
    for kind, feats in by_kind.items():
        shown = maps.display_features({"features": feats}, lang, kind)
        points = any(f["geometry"]["type"] in ("Point", "MultiPoint") for f in feats)
        folium.GeoJson(
            shown,
            style_function=lambda _f, s=style: s,
            marker=folium.CircleMarker(radius=maps.POINT_RADIUS + 2) if points else None,
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
            control=False,
        ).add_to(m)


def _highlight(m: folium.Map, lon: float, lat: float, label: str) -> None:
    folium.CircleMarker(
        location=[lat, lon],
        radius=16,
        color="#000000",
        weight=3,
        fill=True,
        fill_color=maps.OKABE_ITO["yellow"],
        fill_opacity=0.6,
        tooltip=folium.Tooltip(escape_text(label), sticky=True),
    ).add_to(m)
    dlat = 35 / 111_320
    dlon = 35 / (111_320 * max(0.2, math.cos(math.radians(lat))))
    m.fit_bounds([[lat - dlat, lon - dlon], [lat + dlat, lon + dlon]])


def build_option_map(
    od: OptionMapData,
    lang: str,
    *,
    highlight: tuple[float, float, str] | None = None,
    draw: bool = False,
) -> folium.Map:
    """The plan after an option, with its changes outlined; optional violation mark and
    leaflet-draw polyline tool (no tiles: drawn coordinates are WGS-84)."""
    m = maps.build_map(od.data, lang, "none")
    _overlay(m, od.removed, REMOVED_STYLE, lang)
    _overlay(m, od.added, ADDED_STYLE, lang)
    if highlight is not None:
        _highlight(m, *highlight)
    if draw:
        Draw(
            export=False,
            position="topleft",
            draw_options={
                "polyline": {"shapeOptions": {"color": "#0B3C8C", "weight": 4}},
                "polygon": False,
                "rectangle": False,
                "circle": False,
                "marker": False,
                "circlemarker": False,
            },
            edit_options={"edit": False, "remove": False},
        ).add_to(m)
    maps.localize_assets(m)
    return m


def legend_caption(lang: str) -> str:
    return (
        f":blue[**▬**] {translate(lang, 'options.legend.added')} · "
        f":orange[**┅**] {translate(lang, 'options.legend.removed')}"
    )


def render_option_map(
    od: OptionMapData,
    lang: str,
    *,
    key: str,
    highlight: tuple[float, float, str] | None = None,
    draw: bool = False,
    clicks: bool = False,
    height: int = OPTION_MAP_HEIGHT,
) -> dict[str, Any]:
    """Draw an option map with ``st_folium``; returns only what the caller asked for
    (the last drawn line, or the last clicked point)."""
    import streamlit as st
    from streamlit_folium import st_folium

    m = build_option_map(od, lang, highlight=highlight, draw=draw)
    returned: list[str] = []
    if draw:
        returned.append("last_active_drawing")
    if clicks:
        returned.append("last_clicked")
    result = st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=returned,
    )
    out = dict(result) if isinstance(result, dict) else {}
    # st_folium mirrors the latest value under ``key`` (its on_change); AppTest injects there.
    mirrored = st.session_state.get(key)
    if isinstance(mirrored, dict):
        for name in returned:
            if not out.get(name) and mirrored.get(name):
                out[name] = mirrored[name]
    return out
