"""Residents' marks on the community map: clustered points, outlines of drawn lines and areas,
a heatmap view, and the picking map of the marking form.

Marks come in as plain values (services.marks.MarkInfo); every resident string goes through
``escape_text`` into the one ``tip`` property the tooltip shows (DESIGN §5: folium escapes
nothing). Points of every mark (lines and areas by a point on them) are clustered; lines and
areas are drawn as outlines too. Both are one GeoJSON layer each, never one object per mark.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import folium
import shapely.geometry
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Draw, HeatMap, MarkerCluster
from folium.template import Template

from cocreate_map.domain.annotations import RenovationClass, Status
from cocreate_map.services import MapData
from cocreate_map.services.marks import MarkInfo
from cocreate_map.ui import maps
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.i18n import translate

TIP_CHARS = 80
CLASS_COLOURS = {
    RenovationClass.BASIC: maps.OKABE_ITO["vermillion"],
    RenovationClass.IMPROVEMENT: maps.OKABE_ITO["blue"],
    RenovationClass.ENHANCEMENT: maps.OKABE_ITO["reddish_purple"],
}
# The classes' colours are close in lightness (L* 46-61): each class has its own pin shape too,
# so the map reads without hue (WCAG 1.4.1): 基础类 a teardrop pin, 完善类 a square, 提升类 a
# diamond. Paper marks are hollow (white inside, a thick outline in the class colour).
CLASS_SHAPES = {
    RenovationClass.BASIC: "pin",
    RenovationClass.IMPROVEMENT: "square",
    RenovationClass.ENHANCEMENT: "diamond",
}
DONE_FILL = maps.OKABE_ITO["bluish_green"]
DONE = frozenset({Status.RESOLVED, Status.EVALUATED})
PICK_COLOUR = "#000000"


def category_label(lang: str, category: str) -> str:
    return translate(lang, f"category.{category}")


def mark_tip(lang: str, m: MarkInfo) -> str:
    """The tooltip of one mark: category, status, supports, the start of its text (escaped)."""
    text = m.text if len(m.text) <= TIP_CHARS else m.text[: TIP_CHARS - 1] + "…"
    head = f"<b>{escape_text(category_label(lang, m.category.value))}</b>"
    if m.safety:
        head += f" · {escape_text(translate(lang, 'marks.safety_tag'))}"
    lines = [
        head,
        escape_text(text),
        escape_text(
            f"{translate(lang, f'mark_status.{m.status.value}')} · "
            f"{translate(lang, 'marks.supports_n', n=m.supports)} · #{m.id}"
        ),
    ]
    return "<br>".join(lines)


# A pin is a 44 × 44 px touch target (WCAG 2.5.5; the visible shape is 32 px inside it), its
# count in 16-px type; clusters likewise. The pin's tip, the others' centre, is the mark's place.
PIN_BOX = 44
_MARK_CSS = """
<style>
.cc-mark span{position:absolute;left:6px;top:6px;display:flex;align-items:center;
  justify-content:center;width:32px;height:32px;box-sizing:border-box;
  border-radius:50% 50% 50% 0;transform:rotate(-45deg);border:2px solid #fff;
  box-shadow:0 1px 4px rgba(0,0,0,.55);font:700 16px/1 sans-serif;color:#fff}
.cc-mark.cc-pin span{top:1px}
.cc-mark span b{transform:rotate(45deg)}
.cc-mark.cc-square span{border-radius:3px;transform:none}
.cc-mark.cc-square span b{transform:none}
.cc-mark.cc-diamond span{border-radius:2px;transform:rotate(45deg) scale(.9)}
.cc-mark.cc-diamond span b{transform:rotate(-45deg)}
.cc-mark.cc-paper span{border-width:4px}
.cc-mark.cc-safety span{border:3px solid #000}
.cc-mark.cc-pending span{opacity:.6;border-style:dashed;border-color:#333}
.marker-cluster div{width:40px;height:40px;margin-left:4px;margin-top:4px;border-radius:20px}
.marker-cluster span{font:700 16px/40px sans-serif}
</style>
"""


class MarksAssets(JSCSSMixin, MacroElement):
    """On the map itself: the marks' pin CSS and the marker-cluster scripts, so the marks layer
    can come and go as a ``feature_group_to_add`` without remounting the map."""

    _template = Template("{% macro header(this, kwargs) %}" + _MARK_CSS + "{% endmacro %}")
    default_js = MarkerCluster.default_js
    default_css = MarkerCluster.default_css

    def __init__(self) -> None:
        super().__init__()
        self._name = "MarksAssets"


class MarksLayer(MacroElement):
    """Residents' marks in one layer group: pins in a ``markerClusterGroup``, line and area
    marks outlined too, a legend and an entry in the layer control (replacing the previous
    marks layer's). Marks travel as compact rows ``[lat, lon, style, supports, id, category,
    status, safety, text]`` with the labels once; each tooltip is built when it opens, the
    labels escaped there (``esc`` = ``escape_text``'s characters as numeric references), the
    resident's text escaped on the server already (it never reaches the page raw)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var group = {{ this._parent.get_name() }};
          var d = {{ this.data }};
          function esc(s) {
            return String(s).replace(/[&<>"'`$\\{}\\\\]/g, function (c) {
              return "&#" + c.charCodeAt(0) + ";";
            });
          }
          function tip(r) {
            var head = "<b>" + esc(d.cats[r[5]]) + "</b>";
            if (r[7]) { head += " · " + esc(d.safety); }
            return [head, r[8], esc(d.status[r[6]] + " · "
              + d.supports.split("{n}").join(String(r[3])) + " · #" + r[4])].join("<br>");
          }
          function bind(layer, r) {
            layer.bindTooltip(function () { return tip(r); }, {sticky: window.ccHover});
          }
          if (d.shapes.length) {
            L.geoJson({type: "FeatureCollection", features: d.shapes.map(function (x) {
              return {type: "Feature", geometry: x[0], properties: {r: x[1]}};
            })}, {
              style: function (f) {
                return Object.assign({}, d.styles[d.rows[f.properties.r][2]], {fillOpacity: 0.15});
              },
              onEachFeature: function (f, layer) { bind(layer, d.rows[f.properties.r]); }
            }).addTo(group);
          }
          if (d.rows.length) {
            var box = d.box;
            var cluster = L.markerClusterGroup(Object.assign({}, d.cluster, {
              iconCreateFunction: function (c) {
                var n = c.getChildCount();
                var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
                return L.divIcon({html: "<div><span>" + n + "</span></div>",
                  className: "marker-cluster marker-cluster-" + size,
                  iconSize: L.point(box + 4, box + 4)});
              }
            }));
            cluster.addLayers(d.rows.map(function (r) {
              var st = d.styles[r[2]];
              var span = document.createElement("span");
              span.style.background = st.paper ? "#fff" : st.fillColor;
              if (st.paper) {
                span.style.borderColor = st.fillColor;
                span.style.color = st.fillColor;
              }
              var b = document.createElement("b");
              b.textContent = r[3] > 0 ? String(r[3]) : "";
              span.appendChild(b);
              var pin = st.shape === "pin";
              var marker = L.marker([r[0], r[1]], {icon: L.divIcon({
                className: "cc-mark cc-" + st.shape + (st.paper ? " cc-paper" : "")
                  + (st.weight >= 3 ? " cc-safety" : "")
                  + (st.dashArray ? " cc-pending" : ""),
                html: span, iconSize: [box, box], iconAnchor: [box / 2, pin ? box - 5 : box / 2],
                tooltipAnchor: [0, pin ? -box + 8 : -box / 2]})});
              marker.feature = {type: "Feature", properties: {id: r[4]}};
              bind(marker, r);
              return marker;
            }));
            cluster.addTo(group);
          }
          var control = window.__ccLayerControl, old = window.__ccMarks;
          if (old) {
            if (control) { control.removeLayer(old.group); }
            if (old.legend) { old.legend.remove(); }
          }
          var mine = window.__ccMarks = {group: group, legend: null, data: d};
          if (control) { control.addOverlay(group, d.label); }
          group.once("add", function () {
            if (!d.legend || window.__ccMarks !== mine) { return; }
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
              var div = L.DomUtil.create("div", "cc-legend");
              div.innerHTML = d.legend;
              var det = div.querySelector("details");
              if (det && window.innerWidth >= 600) { det.open = true; }
              L.DomEvent.disableClickPropagation(div);
              L.DomEvent.disableScrollPropagation(div);
              return div;
            };
            legend.addTo(group._map);
            mine.legend = legend;
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "MarksLayer"
        self.payload = data
        self.data = maps.script_json(data)


_SWATCH_SHAPES = {
    "pin": "border-radius:50% 50% 50% 0",
    "square": "border-radius:2px",
    "diamond": "border-radius:1px;transform:rotate(45deg) scale(.85)",
}


def _pin(colour: str, shape: str = "pin", *, hollow: bool = False) -> str:
    inside = "#fff" if hollow else colour
    edge = f"3px solid {colour}" if hollow else "2px solid #fff"
    return (
        f'<i class="cc-sw" style="background:{inside};border:{edge};'
        f'{_SWATCH_SHAPES[shape]};box-shadow:0 0 0 1px #555"></i>'
    )


def _style(m: MarkInfo) -> dict[str, Any]:
    colour = CLASS_COLOURS[m.renovation_class]
    style: dict[str, Any] = {
        "color": "#000000" if m.safety else colour,
        "weight": 3 if m.safety else 2,
        "fillColor": DONE_FILL if m.status in DONE else colour,
        "fillOpacity": 0.85,
        "fill": True,
        "opacity": 1,
        "shape": CLASS_SHAPES[m.renovation_class],
    }
    if m.source == "paper":
        style.update({"paper": True, "fillOpacity": 0.0, "weight": 4})
    if m.status is Status.SUBMITTED:
        style.update({"dashArray": "4 3", "fillOpacity": 0.35, "color": "#555555"})
    return style


def _point(m: MarkInfo) -> Any:
    g = m.geometry
    return g if g.geom_type == "Point" else g.representative_point()


def marks_geojson(
    marks: Sequence[MarkInfo],
    lang: str,
    coords: str = "wgs84",
    *,
    points: bool = True,
    styles: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Points (``points``) or the line/area outlines of the marks, with escaped tips and an
    index ``s`` into ``styles`` (filled here) only. (The mark's own page and tests; the map
    sends ``marks_rows``.)"""
    styles = [] if styles is None else styles
    index: dict[str, int] = {json.dumps(x, sort_keys=True): i for i, x in enumerate(styles)}
    features = []
    for m in marks:
        if points:
            geom = shapely.geometry.mapping(_point(m))
        elif m.geometry.geom_type == "Point":
            continue
        else:
            geom = shapely.geometry.mapping(m.geometry)
        features.append(
            {
                "type": "Feature",
                "geometry": maps.display_geometry(geom, coords),
                "properties": {
                    "id": m.id,
                    "tip": mark_tip(lang, m),
                    "s": _style_index(_style(m), styles, index),
                    "n": m.supports,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _style_index(style: dict[str, Any], styles: list[dict[str, Any]], index: dict[str, int]) -> int:
    key = json.dumps(style, sort_keys=True)
    if key not in index:
        index[key] = len(styles)
        styles.append(style)
    return index[key]


def _legend_rows(marks: Sequence[MarkInfo], lang: str) -> list[tuple[str, str, int]]:
    rows = []
    for cls, colour in CLASS_COLOURS.items():
        n = sum(1 for x in marks if x.renovation_class is cls)
        if n:
            rows.append((_pin(colour, CLASS_SHAPES[cls]), translate(lang, f"class.{cls.value}"), n))
    done = sum(1 for x in marks if x.status in DONE)
    if done:
        rows.append((_pin(DONE_FILL), translate(lang, "marks.legend_done"), done))
    paper = sum(1 for x in marks if x.source == "paper")
    if paper:
        rows.append((_pin("#555555", hollow=True), translate(lang, "marks.legend_paper"), paper))
    return rows


def marks_rows(
    marks: Sequence[MarkInfo], lang: str, coords: str = "wgs84", *, legend: bool = True
) -> dict[str, Any]:
    """What ``MarksLayer`` draws: one compact row per mark, outlines of line and area marks
    (by row index), each label once (``mark_tip`` is rebuilt from these in the browser), the
    layer name, and the legend's HTML (escaped; "" without a legend)."""
    styles: list[dict[str, Any]] = []
    style_index: dict[str, int] = {}
    cats: list[str] = []
    cat_index: dict[str, int] = {}
    states: list[str] = []
    state_index: dict[str, int] = {}
    rows: list[list[Any]] = []
    shapes: list[list[Any]] = []
    for m in marks:
        if m.category.value not in cat_index:
            cat_index[m.category.value] = len(cats)
            cats.append(category_label(lang, m.category.value))
        if m.status.value not in state_index:
            state_index[m.status.value] = len(states)
            states.append(translate(lang, f"mark_status.{m.status.value}"))
        point = shapely.geometry.shape(
            maps.display_geometry(shapely.geometry.mapping(_point(m)), coords)
        )
        text = m.text if len(m.text) <= TIP_CHARS else m.text[: TIP_CHARS - 1] + "…"
        if m.geometry.geom_type != "Point":
            geom = maps.display_geometry(shapely.geometry.mapping(m.geometry), coords)
            shapes.append([geom, len(rows)])
        rows.append(
            [
                round(point.y, 6),
                round(point.x, 6),
                _style_index(_style(m), styles, style_index),
                m.supports,
                m.id,
                cat_index[m.category.value],
                state_index[m.status.value],
                1 if m.safety else 0,
                escape_text(text),
            ]
        )
    legend_html = ""
    if legend and marks:
        legend_html = maps.legend_body(translate(lang, "marks.legend"), _legend_rows(marks, lang))
    return {
        "rows": rows,
        "shapes": shapes,
        "styles": styles,
        "cats": cats,
        "status": states,
        "safety": translate(lang, "marks.safety_tag"),
        "supports": translate(lang, "marks.supports_n", n="{n}"),
        "label": escape_text(translate(lang, "marks.layer", n=len(marks))),
        "legend": legend_html,
        "cluster": {"maxClusterRadius": 48, "disableClusteringAtZoom": 19},
        "box": PIN_BOX,
    }


def marks_group(
    marks: Sequence[MarkInfo], lang: str, coords: str = "wgs84", *, legend: bool = True
) -> folium.FeatureGroup:
    """The marks layer group handed to st_folium as ``feature_group_to_add``: a new mark
    changes it without remounting the map (and without resending the community's layers)."""
    group = folium.FeatureGroup(name=escape_text(translate(lang, "marks.layer", n=len(marks))))
    group.add_child(MarksLayer(marks_rows(marks, lang, coords, legend=legend)))
    return group


def add_heat(m: folium.Map, marks: Sequence[MarkInfo], lang: str, coords: str = "wgs84") -> None:
    """A heatmap of the marks weighted by "me too"."""
    pts = []
    for mark in marks:
        p = shapely.geometry.shape(
            maps.display_geometry(shapely.geometry.mapping(_point(mark)), coords)
        )
        pts.append([round(p.y, 6), round(p.x, 6), 1 + mark.supports])
    group = folium.FeatureGroup(name=escape_text(translate(lang, "marks.heat_layer")))
    if pts:
        top = max(w for _, _, w in pts)
        HeatMap(pts, radius=28, blur=22, min_opacity=0.35, max_zoom=18, max=float(top)).add_to(
            group
        )
    group.add_to(m)


def build_marks_map(
    data: MapData,
    marks: Sequence[MarkInfo],
    lang: str,
    basemap: str = "none",
    custom_url: str | None = None,
    *,
    heat: bool = False,
    draw: str | None = None,
    focus: Any = None,
    legends: bool = True,
    version: str | None = None,
    also: Callable[[folium.Map, str], None] | None = None,
) -> folium.Map:
    """The community map for the marks (their layer comes separately: ``marks_group``, or the
    heatmap with ``heat``); ``draw`` = "line" or "polygon" adds the drawing tool; ``focus`` (a
    WGS-84 geometry) zooms to it; ``also(map, coords)`` adds further layers (the works)."""

    def overlays(fm: folium.Map, coords: str) -> None:
        if also is not None:
            also(fm, coords)
        fm.add_child(MarksAssets())
        if heat:
            add_heat(fm, marks, lang, coords)

    m = maps.build_map(
        data, lang, basemap, custom_url, overlays, legend=legends, version=version,
        extra_features=0 if heat else len(marks),
    )  # fmt: skip
    if draw in ("line", "polygon"):
        shape = {"color": PICK_COLOUR, "weight": 4}
        Draw(
            export=False,
            position="topleft",
            draw_options={
                "polyline": {"shapeOptions": shape} if draw == "line" else False,
                "polygon": {"shapeOptions": shape, "allowIntersection": False}
                if draw == "polygon"
                else False,
                "rectangle": False,
                "circle": False,
                "marker": False,
                "circlemarker": False,
            },
            edit_options={"edit": False, "remove": False},
        ).add_to(m)
    if focus is not None:
        coords = "gcj02" if basemap == "amap" else "wgs84"
        g = shapely.geometry.shape(maps.display_geometry(shapely.geometry.mapping(focus), coords))
        minx, miny, maxx, maxy = g.buffer(0.0004).bounds  # about 40 m around it
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    maps.localize_assets(m)
    return m


def picked_layer(geometry: dict[str, Any] | None, lang: str) -> folium.FeatureGroup:
    """The place the resident picked (passed to st_folium as a changing layer: no remount)."""
    group = folium.FeatureGroup(name=escape_text(translate(lang, "marks.picked")))
    if geometry:
        if geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            folium.CircleMarker(
                [lat, lon], radius=12, color=PICK_COLOUR, weight=4, fill=True,
                fill_color="#FFFFFF", fill_opacity=0.9,
            ).add_to(group)  # fmt: skip
        else:
            folium.GeoJson(
                {"type": "Feature", "geometry": geometry, "properties": {}},
                style_function=lambda _f: {"color": PICK_COLOUR, "weight": 4, "fillOpacity": 0.1},
            ).add_to(group)
    maps.localize_assets(group)
    return group


def marks_key(marks: Sequence[MarkInfo]) -> str:
    """Changes whenever anything the marks layer shows changes."""
    h = hashlib.sha256()
    for m in marks:
        h.update(
            repr((m.id, m.category.value, m.safety, m.text, m.status.value, m.supports)).encode(
                "utf-8"
            )
        )
        h.update(m.geometry.wkb)
    return h.hexdigest()[:16]


def render_marks_map(
    data: MapData | Callable[[], MapData],
    marks: Sequence[MarkInfo],
    lang: str,
    *,
    key: str,
    basemap: str = "none",
    custom_url: str | None = None,
    heat: bool = False,
    pick: str | None = None,
    picked: dict[str, Any] | None = None,
    focus: Any = None,
    legends: bool = True,
    height: int = maps.MAP_HEIGHT,
    version: str | None = None,
    also: Callable[[folium.Map, str], None] | None = None,
    also_key: str = "",
    taps: bool = False,
) -> dict[str, Any]:
    """Draw the map with ``st_folium``. ``pick`` = "point" returns the last tap, "line" or
    "polygon" the last drawing; ``taps`` the place of the last tap on a pin (or another object:
    :func:`tapped_mark` tells which mark it was); the picked place travels as a separate layer, and so do the
    marks (no remount when they change). With the community's data ``version`` (then ``data``
    may be a loader, called only when the map must be built) the site layers are a static file
    and the component's arguments are reused while nothing they show has changed."""
    coords = "gcj02" if basemap == "amap" else "wgs84"
    returned: list[str] = []
    if pick == "point":
        returned.append("last_clicked")
    elif pick in ("line", "polygon"):
        returned.append("last_active_drawing")
    if taps:
        returned.append("last_object_clicked")  # a tap on a pin: see tapped_mark

    def build() -> tuple[folium.Map, list[folium.FeatureGroup]]:
        loaded = data() if callable(data) else data
        m = build_marks_map(
            loaded, marks, lang, basemap, custom_url, heat=heat,
            draw=pick if pick != "point" else None, focus=focus, legends=legends,
            version=version, also=also,
        )  # fmt: skip
        groups = [] if heat else [marks_group(marks, lang, coords, legend=legends)]
        if pick is not None:
            groups.append(picked_layer(picked, lang))
        return m, groups

    cache_key = None
    if version is not None:
        slug = data.slug if isinstance(data, MapData) else None
        cache_key = (
            "marks_map", slug, version, lang, basemap, custom_url, heat, pick,
            json.dumps(picked, sort_keys=True), None if focus is None else focus.wkb_hex,
            legends, marks_key(marks), also_key, taps,
        )  # fmt: skip
    result = maps.folium_component(
        build, key=key, cache_key=cache_key, height=height, returned=returned
    )
    return maps.map_events(result, key, returned)


def tapped_mark(
    events: dict[str, Any], marks: Sequence[MarkInfo], coords: str = "wgs84"
) -> int | None:
    """The mark whose pin was tapped: st_folium's ``last_object_clicked`` is the tapped pin's
    own position (a tap on a building or an area is where the finger was, which matches no pin
    exactly). None for anything else."""
    clicked = events.get("last_object_clicked") or {}
    if not isinstance(clicked, dict) or "lat" not in clicked or "lng" not in clicked:
        return None
    lat, lng = float(clicked["lat"]), float(clicked["lng"])
    for m in marks:
        p = shapely.geometry.shape(
            maps.display_geometry(shapely.geometry.mapping(_point(m)), coords)
        )
        if abs(round(p.y, 6) - lat) < 5e-7 and abs(round(p.x, 6) - lng) < 5e-7:
            return m.id
    return None
