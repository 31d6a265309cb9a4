"""folium builders for the community map, and the one place that calls ``st_folium``.

Rules (DESIGN.md §5): the site's elements never become one folium object each — every kind is one
layer group, filled in the browser by ``SiteLayers`` from one static, gzip-compressed JSON file
per data version and language (``ui/map_files.py``; embedded once when there is no file), styles
sent once per kind; above a few hundred features Leaflet draws on a canvas. Each feature carries
its id and a tooltip made here by ``tooltip_html``, where every string from a resident or a file
goes through ``escape_text`` (Leaflet's tooltips assign ``innerHTML``). Every JS/CSS file is
served from ``/app/static/vendor/`` (``localize_assets``), so the map draws offline and where
CDNs are blocked.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import folium
import shapely.geometry
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from cocreate_map.domain.elements import Kind
from cocreate_map.errors import InvalidInput
from cocreate_map.io import assets
from cocreate_map.io.china_coords import convert_geometry
from cocreate_map.services import MapData
from cocreate_map.ui import map_files
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.i18n import translate

BASEMAPS = ("none", "osm", "amap", "custom")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
AMAP_TILES = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
AMAP_ATTRIBUTION = "&copy; 高德地图 AutoNavi"
NONE_BACKGROUND = "#f6f4ef"
MAP_HEIGHT = 680
CANVAS_ABOVE = 300  # features; fewer are drawn as SVG (crisper, and what the e2e tests count)

# Okabe–Ito colours (colour-blind safe) plus a dash/fill pattern per kind, so kinds stay apart
# for every reader and in grey-scale print: outline colour, dash, weight, fill colour, opacity.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
# Each kind's outline has its own dash pattern or a line width 1 px apart, or its fill a
# lightness far from the others' (WCAG 1.4.1: told apart without hue, in grey-scale print too);
# the legend draws the same outline and fill (``_swatch``).
STYLES: dict[str, dict[str, Any]] = {
    Kind.BOUNDARY: {
        "color": "#000000",
        "weight": 3,
        "dashArray": "10 5 2 5",
        "fill": False,
        "fillOpacity": 0,
    },
    Kind.BUILDING: {
        "color": "#3E5368",
        "weight": 2,
        "fillColor": "#8DA2B8",
        "fillOpacity": 0.75,
    },
    Kind.ROAD: {"color": "#8C8C8C", "weight": 0.8, "fillColor": "#D4D4D4", "fillOpacity": 0.9},
    Kind.FIRE_LANE: {
        "color": OKABE_ITO["vermillion"],
        "weight": 3.5,
        "dashArray": "10 6",
        "fillColor": OKABE_ITO["vermillion"],
        "fillOpacity": 0.08,
    },
    Kind.FOOTPATH: {
        "color": OKABE_ITO["orange"],
        "weight": 2,
        "dashArray": "4 4",
        "fillColor": OKABE_ITO["orange"],
        "fillOpacity": 0.3,
    },
    Kind.PARKING_STALL: {
        "color": OKABE_ITO["blue"],
        "weight": 1.5,
        "dashArray": "1 3",
        "fillColor": OKABE_ITO["sky_blue"],
        "fillOpacity": 0.55,
    },
    Kind.PARKING_LOT: {
        "color": OKABE_ITO["blue"],
        "weight": 2,
        "dashArray": "6 3",
        "fillColor": OKABE_ITO["sky_blue"],
        "fillOpacity": 0.18,
    },
    Kind.BIKE_PARKING: {
        "color": "#7A3E63",
        "weight": 1.5,
        "dashArray": "8 3 1 3",
        "fillColor": OKABE_ITO["reddish_purple"],
        "fillOpacity": 0.55,
    },
    Kind.GREEN_BELT: {
        "color": "#006B4E",
        "weight": 1.5,
        "dashArray": "12 4",
        "fillColor": OKABE_ITO["bluish_green"],
        "fillOpacity": 0.5,
    },
    Kind.ILLEGAL_STRUCTURE: {
        "color": "#000000",
        "weight": 2.5,
        "dashArray": "2 3",
        "fillColor": OKABE_ITO["vermillion"],
        "fillOpacity": 0.7,
    },
    Kind.FACILITY: {
        "color": "#000000",
        "weight": 3,
        "fillColor": OKABE_ITO["yellow"],
        "fillOpacity": 0.95,
    },
    Kind.OTHER: {
        "color": "#555555",
        "weight": 1,
        "dashArray": "2 4",
        "fillColor": "#AAAAAA",
        "fillOpacity": 0.4,
    },
}
for _style in STYLES.values():
    _style.setdefault("fill", True)  # CircleMarkers default to no fill
POINT_RADIUS = 7

# Attributes shown in tooltips, in this order, with how their values are localised.
_ATTR_ORDER = (
    "facility_type",
    "status",
    "floors",
    "households",
    "height_m",
    "width_m",
    "stall_count",
)
_VALUE_PREFIX = {"facility_type": "facility.", "status": "status."}
_HIDDEN = {"id", "kind", "name", "style"}


# ---------------------------------------------------------------- assets


def _walk(element: Any) -> Iterator[Any]:
    """Every element under ``element``: children, a Figure's header/html/script, DualMap m1/m2."""
    yield element
    for attr in ("m1", "m2", "header", "html", "script"):
        sub = getattr(element, attr, None)
        if isinstance(sub, Element) and sub is not element:
            yield from _walk(sub)
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def _localized(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, remote in links:
        local = assets.local_url(remote)
        if local is not None:
            out.append((name, local))
    return out


def localize_assets(element: Any) -> None:
    """Point every ``default_js``/``default_css`` (and rendered link) under ``element`` at
    ``/app/static/vendor/…``; assets the manifest drops are removed. Walks from the root Figure."""
    root = element
    if hasattr(element, "get_root"):
        root = element.get_root()
    for start in {id(root): root, id(element): element}.values():
        for el in _walk(start):
            if "default_js" in dir(el):
                el.default_js = _localized(list(el.default_js))
            if "default_css" in dir(el):
                el.default_css = _localized(list(el.default_css))
            url = getattr(el, "url", None)
            if isinstance(url, str) and el.__class__.__name__ in ("JavascriptLink", "CssLink"):
                el.url = assets.local_url(url) or ""


DRAW_LOCAL_KEYS = (
    "actions_title", "actions_text", "finish_title", "finish_text", "undo_title", "undo_text",
    "polyline", "polygon", "marker", "line_start", "line_cont", "line_end", "polygon_start",
    "polygon_cont", "polygon_end", "marker_start", "error",
)  # fmt: skip


def map_texts(lang: str) -> dict[str, str]:
    """The map's own words in ``lang``: zoom buttons and Leaflet.draw's toolbar and tips."""
    keys = ("zoom_in", "zoom_out", *(f"draw.{k}" for k in DRAW_LOCAL_KEYS))
    return {k: translate(lang, f"map.{k}") for k in keys}


class MapSetup(MacroElement):
    """Local Leaflet images (else default markers 404); a metric-only scale bar; the zoom
    buttons' and Leaflet.draw's words in the reader's language; ``window.ccHover``: tooltips
    follow the pointer only where there is one; on a touch screen a tooltip a tap opened closes
    after 4 s or when the map moves (issue 10.12: no sticky tooltips)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .leaflet-bar a, .leaflet-touch .leaflet-bar a, .leaflet-draw-toolbar a,
        .leaflet-touch .leaflet-draw-toolbar a {width: 44px; height: 44px; line-height: 44px;
          font-size: 22px}
        .leaflet-draw-toolbar a {background-position-y: 8px}
        .leaflet-draw-actions a {height: 44px; line-height: 44px; font-size: 16px}
        .leaflet-control-layers-toggle, .leaflet-touch .leaflet-control-layers-toggle {
          width: 48px; height: 48px}
        .leaflet-control-layers label {font-size: 16px; min-height: 44px; display: flex;
          align-items: center}
        .leaflet-control-scale-line {font-size: 16px}
        .leaflet-tooltip, .leaflet-popup-content {font-size: 16px}
        .leaflet-control-attribution {font-size: 16px}
        .leaflet-control-attribution a, .leaflet-popup-content a {display: inline-block;
          min-height: 44px; min-width: 44px; line-height: 44px}
        .leaflet-popup-close-button, .leaflet-container a.leaflet-popup-close-button {
          width: 44px; height: 44px; font: 28px/44px sans-serif}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        L.Icon.Default.imagePath = {{ this.path|tojson }};
        (function () {
          var map = {{ this._parent.get_name() }}, w = {{ this.texts|tojson }};
          window.ccHover = !!(window.matchMedia && window.matchMedia("(hover: hover)").matches);
          if (!window.ccHover) {
            // a touch screen has no pointer to move away: a tooltip a tap opened closes by
            // itself after a few seconds, and at once when the map is moved or tapped again
            map.on("tooltipopen", function (e) {
              var tip = e.tooltip;
              setTimeout(function () { map.closeTooltip(tip); }, 4000);
            });
            map.on("movestart", function () {
              var open = [];
              map.eachLayer(function (l) { if (l instanceof L.Tooltip) { open.push(l); } });
              open.forEach(function (tip) { map.closeTooltip(tip); });
            });
          }
          L.control.scale({metric: true, imperial: false}).addTo(map);
          // no "Leaflet" link (a 12-px target); tile sources keep their attribution
          if (map.attributionControl) { map.attributionControl.setPrefix(false); }
          if (map.zoomControl) {
            map.zoomControl._zoomInButton.title = w.zoom_in;
            map.zoomControl._zoomInButton.setAttribute("aria-label", w.zoom_in);
            map.zoomControl._zoomOutButton.title = w.zoom_out;
            map.zoomControl._zoomOutButton.setAttribute("aria-label", w.zoom_out);
          }
          var d = L.drawLocal;
          if (d) {
            var t = d.draw.toolbar;
            t.actions = {title: w["draw.actions_title"], text: w["draw.actions_text"]};
            t.finish = {title: w["draw.finish_title"], text: w["draw.finish_text"]};
            t.undo = {title: w["draw.undo_title"], text: w["draw.undo_text"]};
            t.buttons.polyline = w["draw.polyline"];
            t.buttons.polygon = w["draw.polygon"];
            t.buttons.marker = w["draw.marker"];
            var h = d.draw.handlers;
            h.polyline.tooltip = {start: w["draw.line_start"], cont: w["draw.line_cont"],
                                  end: w["draw.line_end"]};
            h.polyline.error = w["draw.error"];
            h.polygon.tooltip = {start: w["draw.polygon_start"], cont: w["draw.polygon_cont"],
                                 end: w["draw.polygon_end"]};
            h.marker.tooltip = {start: w["draw.marker_start"]};
          }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, lang: str) -> None:
        super().__init__()
        self._name = "MapSetup"
        self.path = assets.url("leaflet", "dist/images/")
        self.texts = map_texts(lang)


# ---------------------------------------------------------------- legend


def _swatch(style: Mapping[str, Any], point: bool) -> str:
    """A small picture of the kind as the map draws it: the same outline colour, width and dash
    pattern, the same fill and opacity (a circle for point kinds)."""
    stroke = style["color"]
    width = float(style.get("weight", 1))
    dash = style.get("dashArray")
    fill = style.get("fillColor", "none") if style.get("fill", True) else "none"
    opacity = style.get("fillOpacity", 0) if fill != "none" else 0
    paint = f'fill="{fill}" fill-opacity="{opacity}" stroke="{stroke}" stroke-width="{width:g}"' + (
        f' stroke-dasharray="{dash}"' if dash else ""
    )
    if point:
        shape = f'<circle cx="12" cy="8" r="{max(2.0, 7 - width / 2):g}" {paint}/>'
    else:
        h = width / 2
        shape = (
            f'<rect x="{h:g}" y="{h:g}" width="{24 - width:g}" height="{16 - width:g}" {paint}/>'
        )
    return (
        '<svg class="cc-sw" width="24" height="16" viewBox="0 0 24 16" aria-hidden="true">'
        f"{shape}</svg>"
    )


class Legend(MacroElement):
    """A Leaflet control listing the kinds on the map; open on wide screens, folded on phones."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .cc-legend{background:rgba(255,255,255,.94);padding:6px 10px;border-radius:6px;
          box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.5 "Noto Sans CJK SC","Noto Sans SC",
          "PingFang SC","Microsoft YaHei",sans-serif;color:#222;max-height:60vh;overflow:auto;
          font-size:16px}
        .cc-legend summary{font-weight:600;cursor:pointer;min-height:44px;min-width:44px;
          line-height:44px}
        .cc-legend .cc-row{display:flex;align-items:center;gap:6px;white-space:nowrap}
        .cc-legend .cc-sw{display:inline-block;width:24px;height:16px;box-sizing:border-box;flex:none}
        .cc-legend .cc-n{color:#555;margin-left:auto;padding-left:8px}
        @media (min-width:1200px){.cc-legend{font-size:17px}}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
          var legend = L.control({position: "bottomleft"});
          legend.onAdd = function (map) {
            var div = L.DomUtil.create("div", "cc-legend");
            div.innerHTML = {{ this.body|tojson }};
            var d = div.querySelector("details");
            // open on a large map only: on a phone, a short map or one of three maps side by
            // side the open legend would cover the map and its tools (a tap on 图例 opens it);
            // never taller than the map below the zoom and drawing buttons
            var box = map.getContainer();
            div.style.maxHeight = Math.max(120, box.clientHeight - 190) + "px";
            if (d && box.clientWidth >= 600 && box.clientHeight >= 560) { d.open = true; }
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, rows: Sequence[tuple[str, str, int | str]]) -> None:
        super().__init__()
        self._name = "Legend"
        self.body = legend_body(title, rows)


def legend_count(data: MapData, kind: Kind, lang: str) -> str:
    """What a legend row counts: features, or for car parking the car places (the options
    table's 机动车位 is their sum)."""
    n = data.counts.get(kind.value, len(data.layers.get(kind.value, {}).get("features", [])))
    places = data.places.get(kind.value)
    if places is None:
        return str(n)
    if kind is Kind.PARKING_STALL and places == n:
        return translate(lang, "map.legend.places", n=places)
    return translate(lang, "map.legend.places_in", n=places, features=n)


def legend_body(title: str, rows: Sequence[tuple[str, str, int | str]]) -> str:
    """The legend's HTML: a folding title, then a swatch, label and count per row (escaped)."""
    items = "".join(
        f'<div class="cc-row">{swatch}<span>{escape_text(label)}</span>'
        f'<span class="cc-n">{escape_text(str(count))}</span></div>'
        for swatch, label, count in rows
    )
    return f"<details><summary>{escape_text(title)}</summary>{items}</details>"


# ---------------------------------------------------------------- features


def _format_value(lang: str, key: str, value: Any) -> str:
    prefix = _VALUE_PREFIX.get(key)
    if prefix is not None:
        return translate(lang, f"{prefix}{value}")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def tooltip_html(lang: str, kind: str, props: Mapping[str, Any]) -> str:
    """The tooltip of one feature: escaped name, kind and attributes (user text escaped)."""
    kind_label = translate(lang, f"kind.{kind}")
    name = props.get("name")
    head = (
        f"<b>{escape_text(name)}</b> · {escape_text(kind_label)}"
        if name
        else (f"<b>{escape_text(kind_label)}</b>")
    )
    lines = [head]
    keys = [k for k in _ATTR_ORDER if k in props]
    keys += sorted(k for k in props if k not in _HIDDEN and k not in _ATTR_ORDER)
    for key in keys[:8]:
        value = props[key]
        if value is None or value == "":
            continue
        label = translate(lang, f"attr.{key}")
        if label == f"attr.{key}":
            label = key
        lines.append(f"{escape_text(label)}: {escape_text(_format_value(lang, key, value))}")
    return "<br>".join(lines)


def _round6(coords: Any) -> Any:
    import numpy as np

    return np.round(coords, 6)


def display_geometry(geometry: Mapping[str, Any], coords: str) -> dict[str, Any]:
    """A copy of a GeoJSON geometry in the display coordinate system (WGS-84 or GCJ-02)."""
    if coords == "wgs84":
        return copy.deepcopy(dict(geometry))
    geom = convert_geometry(shapely.geometry.shape(geometry), "wgs84", "gcj02")
    geom = shapely.transform(geom, _round6)
    return dict(shapely.geometry.mapping(geom))


def display_features(
    collection: Mapping[str, Any], lang: str, kind: str, coords: str = "wgs84"
) -> dict[str, Any]:
    """The FeatureCollection the browser gets: display geometry + id + escaped tooltip only.

    Raw attribute values never reach the page; MapData itself is not modified.
    """
    features = []
    for feat in collection["features"]:
        props = feat.get("properties") or {}
        features.append(
            {
                "type": "Feature",
                "geometry": display_geometry(feat["geometry"], coords),
                "properties": {"id": props.get("id"), "tip": tooltip_html(lang, kind, props)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def site_payload(
    layers: Mapping[str, Mapping[str, Any]], lang: str, coords: str
) -> dict[str, dict[str, Any]]:
    """{kind: FeatureCollection the browser draws} (``display_features``), in Kind order."""
    out: dict[str, dict[str, Any]] = {}
    for kind in Kind:
        collection = layers.get(kind.value)
        if collection and collection.get("features"):
            out[kind.value] = display_features(collection, lang, kind.value, coords)
    return out


def script_json(payload: Any) -> str:
    """Compact UTF-8 JSON that is safe inside a ``<script>`` element."""
    return (
        map_files.compact_json(payload)
        .replace("</", "<\\/")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class SiteLayers(MacroElement):
    """Every kind's features into its layer group, from one fetched static file (``url``) or
    from JSON embedded once (``inline``); styles travel once per kind, each feature carries its
    id and escaped tooltip only. The data is emitted as JSON text, not through Jinja."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var groups = { {%- for kind, g in this.groups -%}
            {{ kind|tojson }}: {{ g.get_name() }}{{ "," if not loop.last }}
          {%- endfor -%} };
          var styles = {{ this.styles }};
          function draw(layers) {
            Object.keys(layers).forEach(function (kind) {
              var group = groups[kind], st = styles[kind];
              if (!group) { return; }
              L.geoJson(layers[kind], {
                style: function () { return st; },
                pointToLayer: function (f, latlng) {
                  return L.circleMarker(latlng, Object.assign({radius: {{ this.radius }}}, st));
                },
                onEachFeature: function (f, layer) {
                  if (f.properties && f.properties.tip) {
                    layer.bindTooltip(f.properties.tip, {sticky: window.ccHover});
                  }
                },
                smoothFactor: 0.5
              }).addTo(group);
            });
          }
          {%- if this.url %}
          var url = {{ this.url|tojson }};
          var cache = window.__ccLayers = window.__ccLayers || {};
          (cache[url] = cache[url] || fetch(url).then(function (r) {
            if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
            return new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).json();
          })).then(draw).catch(function (e) { delete cache[url]; console.error(e); });
          {%- else %}
          draw({{ this.inline }});
          {%- endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        groups: list[tuple[str, folium.FeatureGroup]],
        *,
        url: str | None = None,
        inline: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._name = "SiteLayers"
        self.groups = groups
        self.url = url
        self.payload = inline
        self.inline = script_json(inline) if inline is not None else "{}"
        self.styles = script_json({kind: STYLES[kind] for kind, _ in groups})
        self.radius = POINT_RADIUS


class _ExposeLayerControl(MacroElement):
    """``window.__ccLayerControl``: layers added later (the marks) list themselves in it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.__ccLayerControl = {{ this.control.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl) -> None:
        super().__init__()
        self._name = "ExposeLayerControl"
        self.control = control


def _shift_bounds(
    bounds: tuple[tuple[float, float], tuple[float, float]], coords: str
) -> list[list[float]]:
    (south, west), (north, east) = bounds
    if coords == "wgs84":
        return [[south, west], [north, east]]
    box = convert_geometry(shapely.geometry.box(west, south, east, north), "wgs84", "gcj02")
    minx, miny, maxx, maxy = box.bounds
    return [[miny, minx], [maxy, maxx]]


def check_custom_url(custom_url: str | None) -> str:
    """An XYZ tile URL: http(s), a host, and {z}, {x}, {y}; else InvalidInput saying so."""
    raw = (custom_url or "").strip()
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(
            f"a tile URL must start with http:// or https://, got {raw[:80]!r}; "
            "e.g. https://tiles.example.org/{z}/{x}/{y}.png"
        )
    absent = [p for p in ("{z}", "{x}", "{y}") if p not in raw]
    if absent:
        raise InvalidInput(
            f"the tile URL lacks {', '.join(absent)}; XYZ tiles need {{z}}, {{x}} and {{y}}, "
            "e.g. https://tiles.example.org/{z}/{x}/{y}.png"
        )
    return raw


# ---------------------------------------------------------------- map


def build_map(
    data: MapData,
    lang: str,
    basemap: str = "none",
    custom_url: str | None = None,
    overlays: Callable[[folium.Map, str], None] | None = None,
    legend: bool = True,
    *,
    version: str | None = None,
    extra_features: int = 0,
) -> folium.Map:
    """The community map: one layer group per kind, legend, layer control, local assets.

    ``overlays(map, coords)`` adds further layers (residents' marks) before the layer control,
    which must come after every layer it lists; ``coords`` is "wgs84" or "gcj02" (AMap).
    With the community's data ``version`` the features travel as a static file the browser
    fetches once (``map_files``); without it (previews, option maps) they are embedded as
    compact JSON. Above ``CANVAS_ABOVE`` features (``extra_features``: marks drawn too) Leaflet
    draws on a canvas, below it as SVG."""
    if basemap not in BASEMAPS:
        raise InvalidInput(f"unknown base map {basemap!r}; use one of: {', '.join(BASEMAPS)}")
    coords = "gcj02" if basemap == "amap" else "wgs84"
    bounds = _shift_bounds(data.bounds, coords)
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(
        location=center,
        zoom_start=17,
        tiles=None,
        max_zoom=21,
        control_scale=False,  # folium's scale bar shows feet and miles too: MapSetup's
        zoom_control=True,
        zoom_snap=0.25,  # fit_bounds fills the frame instead of jumping a whole zoom level
        zoom_delta=0.5,
        prefer_canvas=sum(data.counts.values()) + extra_features > CANVAS_ABOVE,
    )
    # folium's jQuery, Bootstrap, Font Awesome and awesome-markers: nothing here uses them
    m.default_js = [(n, u) for n, u in m.default_js if n == "leaflet"]
    m.default_css = [(n, u) for n, u in m.default_css if n == "leaflet_css"]
    m.options["maxZoom"] = 21  # the map's own limit (max_zoom only reaches tile layers); the
    # marker cluster needs it when there are no tiles
    Figure().add_child(m)  # the root the header/css are collected from
    m.add_child(MapSetup(lang))
    if basemap == "none":
        m.get_root().header.add_child(
            Element(f"<style>.leaflet-container{{background:{NONE_BACKGROUND}}}</style>"),
            name="cc_background",
        )
    elif basemap == "osm":
        folium.TileLayer(
            OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=21, max_native_zoom=19
        ).add_to(m)
    elif basemap == "amap":
        folium.TileLayer(
            AMAP_TILES,
            attr=AMAP_ATTRIBUTION,
            name=translate(lang, "map.basemap.amap"),
            subdomains="1234",
            max_zoom=21,
            max_native_zoom=18,
        ).add_to(m)
    else:
        url = check_custom_url(custom_url)
        host = escape_text(urlparse(url).netloc)
        folium.TileLayer(url, attr=host, name=host, max_zoom=21, max_native_zoom=19).add_to(m)

    layers = dict(data.layers)
    if Kind.BOUNDARY.value not in layers and data.boundary is not None:
        layers[Kind.BOUNDARY.value] = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": data.boundary, "properties": {}}],
        }
    legend_rows: list[tuple[str, str, str]] = []
    groups: list[tuple[str, folium.FeatureGroup]] = []
    for kind in Kind:
        collection = layers.get(kind.value)
        if not collection or not collection.get("features"):
            continue
        label = translate(lang, f"kind.{kind.value}")
        count = len(collection["features"])
        style = STYLES[kind]
        group = folium.FeatureGroup(name=f"{escape_text(label)} ({count})", show=True)
        points = any(
            f["geometry"]["type"] in ("Point", "MultiPoint") for f in collection["features"]
        )
        group.add_to(m)
        groups.append((kind.value, group))
        legend_rows.append(
            (
                _swatch(style, points and kind is Kind.FACILITY),
                label,
                legend_count(data, kind, lang),
            )
        )
    if groups:
        if version is not None:
            url = map_files.publish(
                map_files.file_name(data.slug, version, lang, coords),
                lambda: site_payload(layers, lang, coords),
            )
            m.add_child(SiteLayers(groups, url=url))
        else:
            m.add_child(SiteLayers(groups, inline=site_payload(layers, lang, coords)))
    if legend:  # small maps (a mark's page) go without: it would cover them
        m.add_child(Legend(translate(lang, "map.legend"), legend_rows))
    if overlays is not None:
        overlays(m, coords)
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    m.add_child(_ExposeLayerControl(control))
    m.fit_bounds(bounds, padding=(8, 8))
    localize_assets(m)
    return m


def map_events(result: object, key: str, returned: list[str]) -> dict[str, Any]:
    """What ``st_folium`` returned for ``returned`` (e.g. ``last_clicked``). st_folium also
    mirrors its latest value under its ``key`` in session state, which is where AppTest injects
    a click or a drawing; a value there fills what the component did not return."""
    import streamlit as st

    out = dict(result) if isinstance(result, dict) else {}
    mirrored = st.session_state.get(key)
    if isinstance(mirrored, dict):
        for name in returned:
            if not out.get(name) and mirrored.get(name):
                out[name] = mirrored[name]
    return out


# Component arguments of maps already built, shared by every session: an unchanged map is
# neither rebuilt nor re-rendered, and Streamlit sends a message it has sent this browser
# before as a reference to it (its hash), so such a rerun carries no map bytes.
_ARGS: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_ARGS_KEEP = 64
_COMPONENT = threading.Lock()  # the capture swaps streamlit_folium's component function


def folium_component(
    build: Callable[[], tuple[folium.Map, list[folium.FeatureGroup] | None]],
    *,
    key: str,
    cache_key: tuple[Any, ...] | None = None,
    height: int = MAP_HEIGHT,
    returned: list[str] | None = None,
) -> object:
    """The one call of the st_folium component. ``build`` makes the map and the layer groups
    that change without a remount (``feature_group_to_add``); with a ``cache_key`` the
    arguments are made once and reused while the key is the same."""
    import streamlit_folium

    returned = list(returned or [])
    full_key = None if cache_key is None else (*cache_key, key, height, tuple(returned))
    args = _ARGS.get(full_key) if full_key is not None else None
    with _COMPONENT:
        if args is None:
            m, groups = build()
            captured: dict[str, Any] = {}

            def record(**kwargs: Any) -> None:
                captured.update(kwargs)

            original = streamlit_folium._component_func
            streamlit_folium._component_func = record
            try:
                streamlit_folium.st_folium(
                    m, key=key, height=height, use_container_width=True,
                    returned_objects=returned, feature_group_to_add=groups or None,
                )  # fmt: skip
            finally:
                streamlit_folium._component_func = original
            args = captured
            if full_key is not None:
                _ARGS[full_key] = args
                while len(_ARGS) > _ARGS_KEEP:
                    _ARGS.popitem(last=False)
        elif full_key is not None:
            _ARGS.move_to_end(full_key)
        return streamlit_folium._component_func(**args)


def render_map(
    data: MapData,
    lang: str,
    basemap: str = "none",
    custom_url: str | None = None,
    *,
    key: str = "community_map",
    height: int = MAP_HEIGHT,
) -> None:
    """Draw the map with ``st_folium``: stable key, nothing returned, full container width."""
    folium_component(
        lambda: (build_map(data, lang, basemap, custom_url), None), key=key, height=height
    )
