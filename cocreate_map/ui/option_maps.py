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
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Draw
from folium.template import Template

from cocreate_map.services import OptionMapData
from cocreate_map.ui import maps
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.i18n import translate

OPTION_MAP_HEIGHT = 430
SYNC_TITLE_HEIGHT = 30
# The same remote URL folium's DualMap loads; assets_manifest.json maps it to the vendored file.
LEAFLET_SYNC_URL = "https://cdn.jsdelivr.net/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js"
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
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=False),
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
        tooltip=folium.Tooltip(escape_text(label), sticky=False),
    ).add_to(m)
    dlat = 35 / 111_320
    dlon = 35 / (111_320 * max(0.2, math.cos(math.radians(lat))))
    m.fit_bounds([[lat - dlat, lon - dlon], [lat + dlat, lon + dlon]])


# The narrowest place of the fire lane: its cross-section ([lon, lat] ends) and clear width in m
Narrowest = tuple[list[list[float]], float]


def _narrowest(m: folium.Map, section: list[list[float]], width_m: float, lang: str) -> None:
    label = translate(lang, "options.narrowest", w=f"{width_m:.2f}")
    line = [[lat, lon] for lon, lat in section]
    folium.PolyLine(line, color="#000000", weight=9, opacity=0.9).add_to(m)
    folium.PolyLine(
        line,
        color=maps.OKABE_ITO["yellow"],
        weight=5,
        dash_array="6 4",
        tooltip=folium.Tooltip(escape_text(label), sticky=False),
    ).add_to(m)
    (lon0, lat0), (lon1, lat1) = section
    folium.Marker(
        [(lat0 + lat1) / 2, (lon0 + lon1) / 2],
        icon=folium.DivIcon(
            html=(
                '<div class="cc-narrowest" style="font:600 16px sans-serif;white-space:nowrap;'
                "background:#FFFFFF;border:2px solid #000;border-radius:4px;padding:1px 5px;"
                f'transform:translate(12px,-50%);display:inline-block">{escape_text(label)}</div>'
            ),
            icon_size=(0, 0),
        ),
    ).add_to(m)


def build_option_map(
    od: OptionMapData,
    lang: str,
    *,
    highlight: tuple[float, float, str] | None = None,
    draw: bool = False,
    narrowest: Narrowest | None = None,
) -> folium.Map:
    """The plan after an option, with its changes outlined; optional violation mark, the fire
    lane's narrowest cross-section, and leaflet-draw polyline tool (no tiles: drawn coordinates
    are WGS-84)."""
    m = maps.build_map(od.data, lang, "none")
    _overlay(m, od.removed, REMOVED_STYLE, lang)
    _overlay(m, od.added, ADDED_STYLE, lang)
    if narrowest is not None:
        _narrowest(m, *narrowest, lang)
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


class SyncMaps(JSCSSMixin, MacroElement):
    """Sync every map with every other (L.Map.Sync), then let ``lead`` (the map with a marked
    violation, else the first) set the common view. Add it to the Figure after the maps."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var maps = [{% for m in this.maps %}{{ m.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}];
          maps.forEach(function (a) {
            maps.forEach(function (b) { if (a !== b) { a.sync(b, {noInitialSync: true}); } });
          });
          var lead = maps[{{ this.lead }}];
          lead.setView(lead.getCenter(), lead.getZoom(), {animate: false});
          window.ccSyncedMaps = maps;
          // the maps fill the iframe: side by side, or stacked below 600 px (CSS)
          function fit() { maps.forEach(function (m) { m.invalidateSize(false); }); }
          window.addEventListener("resize", fit);
          fit();
        })();
        {% endmacro %}
        """
    )

    default_js = [("Leaflet.Sync", LEAFLET_SYNC_URL)]

    def __init__(self, maps_: list[folium.Map], lead: int = 0) -> None:
        super().__init__()
        self._name = "SyncMaps"
        self.maps = maps_
        self.lead = lead


class _Markup(MacroElement):
    """Literal (already escaped) HTML placed into the Figure's body in render order."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "Markup"
        self.markup = markup


def _sync_css(n: int) -> str:
    return (
        "<style>"
        "html,body{height:100%;overflow:hidden}"
        ".cc-sync{display:flex;flex-direction:row;gap:8px;width:100%;box-sizing:border-box}"
        f".cc-panel{{flex:1 1 0;min-width:0;width:{100 / n:.4f}%}}"
        f".cc-title{{height:{SYNC_TITLE_HEIGHT}px;line-height:{SYNC_TITLE_HEIGHT}px;"
        "font:600 16px/30px 'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Microsoft YaHei',"
        "sans-serif;color:#222;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}"
        f".cc-panel .folium-map{{height:calc(100vh - {SYNC_TITLE_HEIGHT + 4}px)!important;"
        "width:100%!important;"
        "position:relative!important;border:1px solid #d0d7de;box-sizing:border-box}"
        "@media (max-width:599px){.cc-sync{flex-direction:column;gap:10px}"
        ".cc-panel{width:100%}"
        f".cc-panel .folium-map{{height:calc((100vh - {n * (SYNC_TITLE_HEIGHT + 10)}px) / {n})"
        "!important}}"
        "</style>"
    )


def synced_height(n: int) -> int:
    """The iframe height: maps side by side on a wide screen, stacked (each ≥ 190 px) on a
    phone; the CSS sizes the maps to fill it either way."""
    return {2: 560, 3: 690}.get(n, 690)


def build_synced_maps(
    options: list[tuple[str, OptionMapData]],
    lang: str,
    *,
    highlight: dict[str, tuple[float, float, str]] | None = None,
    narrowest: dict[str, Narrowest] | None = None,
) -> Figure:
    """ONE page holding 2–3 option maps side by side (stacked below 600 px), each under its
    escaped title, kept on the same view by L.Map.Sync (served locally). Each map is
    ``build_option_map``: the same per-kind layers, styles and escaped tooltips as ``build_map``;
    only the first keeps the legend."""
    if not 2 <= len(options) <= 3:
        raise ValueError(f"synced maps compare 2 or 3 options, got {len(options)}")
    highlight = highlight or {}
    narrowest = narrowest or {}
    fig = Figure()
    fig.header.add_child(Element(_sync_css(len(options))), name="cc_sync_css")
    fig.header.add_child(
        Element(f"<style>.cc-sync .leaflet-container{{background:{maps.NONE_BACKGROUND}}}</style>"),
        name="cc_background",
    )
    fig.add_child(_Markup('<div class="cc-sync">'), name="cc_sync_open")
    built: list[folium.Map] = []
    lead = 0
    for i, (title, od) in enumerate(options):
        m = build_option_map(
            od, lang, highlight=highlight.get(title), narrowest=narrowest.get(title)
        )
        if i > 0:  # one legend is enough for maps that share styles
            for key, child in list(m._children.items()):
                if isinstance(child, maps.Legend):
                    del m._children[key]
        if title in highlight:
            lead = i
        fig.add_child(
            _Markup(
                f'<div class="cc-panel"><div class="cc-title" title="{escape_text(title)}">'
                f"{escape_text(title)}</div>"
            ),
            name=f"cc_panel_open_{i}",
        )
        fig.add_child(m, name=m.get_name())
        fig.add_child(_Markup("</div>"), name=f"cc_panel_close_{i}")
        built.append(m)
    fig.add_child(_Markup("</div>"), name="cc_sync_close")
    fig.add_child(SyncMaps(built, lead))
    maps.localize_assets(fig)
    # Stable element ids: the same options give the same page, so a rerun does not reload the
    # iframe (and reset the view the planner panned to); folium's ids are random per build.
    for n, el in enumerate(maps._walk(fig)):
        el._id = f"{n:08x}"
    return fig


def render_synced_maps(
    options: list[tuple[str, OptionMapData]],
    lang: str,
    *,
    highlight: dict[str, tuple[float, float, str]] | None = None,
    narrowest: dict[str, Narrowest] | None = None,
) -> None:
    """Draw the synced maps as one static component iframe (nothing comes back)."""
    import streamlit.components.v1 as components

    fig = build_synced_maps(options, lang, highlight=highlight, narrowest=narrowest)
    components.html(fig.render(), height=synced_height(len(options)), scrolling=False)


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
    narrowest: Narrowest | None = None,
) -> dict[str, Any]:
    """Draw an option map with ``st_folium``; returns only what the caller asked for
    (the last drawn line, or the last clicked point)."""
    from streamlit_folium import st_folium

    m = build_option_map(od, lang, highlight=highlight, draw=draw, narrowest=narrowest)
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
    return maps.map_events(result, key, returned)
