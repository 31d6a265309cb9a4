"""Residents' marks on the community map: clustered points, outlines of drawn lines and areas,
a heatmap view, and the picking map of the marking form.

Marks come in as plain values (services.marks.MarkInfo); every resident string goes through
``escape_text`` into the one ``tip`` property the tooltip shows (DESIGN §5: folium escapes
nothing). Points of every mark (lines and areas by a point on them) are clustered; lines and
areas are drawn as outlines too. Both are one GeoJSON layer each, never one object per mark.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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


class ClusteredMarks(JSCSSMixin, MacroElement):
    """Mark points in one ``L.geoJson`` added to a ``markerClusterGroup`` *with* its data.

    folium's ``GeoJson`` inside ``MarkerCluster`` adds an empty layer first and its data later,
    which the cluster group never sees (and Leaflet throws on ``setZIndex``). Styles travel once,
    as a table; each feature carries only its style index ``s`` and its escaped ``tip``.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .cc-mark span{display:flex;align-items:center;justify-content:center;width:26px;
          height:26px;box-sizing:border-box;border-radius:50% 50% 50% 0;transform:rotate(-45deg);
          border:2px solid #fff;box-shadow:0 1px 4px rgba(0,0,0,.55);font:700 12px/1 sans-serif;
          color:#fff}
        .cc-mark span b{transform:rotate(45deg)}
        .cc-mark.cc-safety span{border:3px solid #000}
        .cc-mark.cc-pending span{opacity:.6;border-style:dashed;border-color:#333}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
          var styles = {{ this.styles|tojson }};
          var cluster = L.markerClusterGroup({{ this.options|tojson }});
          cluster.addLayer(L.geoJson({{ this.data|tojson }}, {
            pointToLayer: function (f, latlng) {
              var st = styles[f.properties.s];
              var cls = "cc-mark" + (st.weight >= 3 ? " cc-safety" : "")
                + (st.dashArray ? " cc-pending" : "");
              var n = parseInt(f.properties.n, 10) || 0;
              var span = document.createElement("span");
              span.style.background = st.fillColor;
              var b = document.createElement("b");
              b.textContent = n > 0 ? String(n) : "";
              span.appendChild(b);
              return L.marker(latlng, {icon: L.divIcon({
                className: cls, html: span, iconSize: [26, 26], iconAnchor: [13, 26],
                tooltipAnchor: [0, -20]})});
            },
            onEachFeature: function (f, layer) {
              layer.bindTooltip(f.properties.tip, {sticky: true});
            }
          }));
          cluster.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )
    default_js = MarkerCluster.default_js
    default_css = MarkerCluster.default_css

    def __init__(
        self, data: dict[str, Any], styles: list[dict[str, Any]], options: dict[str, Any]
    ) -> None:
        super().__init__()
        self._name = "ClusteredMarks"
        self.data = data
        self.styles = styles
        self.options = options


def _pin(colour: str) -> str:
    return (
        f'<i class="cc-sw" style="background:{colour};border:2px solid #fff;'
        'border-radius:50% 50% 50% 0;box-shadow:0 0 0 1px #555"></i>'
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
    }
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
    index ``s`` into ``styles`` (filled here) only."""
    styles = [] if styles is None else styles
    index: dict[str, int] = {json.dumps(x, sort_keys=True): i for i, x in enumerate(styles)}
    features = []

    def _style_index(m: MarkInfo) -> int:
        style = _style(m)
        key = json.dumps(style, sort_keys=True)
        if key not in index:
            index[key] = len(styles)
            styles.append(style)
        return index[key]

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
                    "s": _style_index(m),
                    "n": m.supports,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def add_marks(
    m: folium.Map,
    marks: Sequence[MarkInfo],
    lang: str,
    coords: str = "wgs84",
    *,
    heat: bool = False,
    legend: bool = True,
) -> None:
    """The marks layer (clustered) or, with ``heat``, a heatmap weighted by "me too"."""
    label = translate(lang, "marks.layer", n=len(marks))
    if heat:
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
        return
    group = folium.FeatureGroup(name=escape_text(label), show=True)
    group.add_to(m)
    if not marks:
        return
    styles: list[dict[str, Any]] = []
    outlines = marks_geojson(marks, lang, coords, points=False, styles=styles)
    if outlines["features"]:
        folium.GeoJson(
            outlines,
            name="mark_outlines",
            style_function=lambda f: {**styles[f["properties"]["s"]], "fillOpacity": 0.15},
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
            control=False,
        ).add_to(group)
    rows = []
    for cls, colour in CLASS_COLOURS.items():
        n = sum(1 for x in marks if x.renovation_class is cls)
        if n:
            rows.append((_pin(colour), translate(lang, f"class.{cls.value}"), n))
    done = sum(1 for x in marks if x.status in DONE)
    if done:
        rows.append((_pin(DONE_FILL), translate(lang, "marks.legend_done"), done))
    if legend:
        m.add_child(maps.Legend(translate(lang, "marks.legend"), rows))
    points = marks_geojson(marks, lang, coords, styles=styles)
    ClusteredMarks(points, styles, {"maxClusterRadius": 40, "disableClusteringAtZoom": 19}).add_to(
        group
    )


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
) -> folium.Map:
    """The community map with the marks; ``draw`` = "line" or "polygon" adds the drawing tool;
    ``focus`` (a WGS-84 geometry) zooms to it."""
    m = maps.build_map(
        data,
        lang,
        basemap,
        custom_url,
        lambda fm, coords: add_marks(fm, marks, lang, coords, heat=heat, legend=legends),
        legend=legends,
    )
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


def render_marks_map(
    data: MapData,
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
) -> dict[str, Any]:
    """Draw the map with ``st_folium``. ``pick`` = "point" returns the last tap, "line" or
    "polygon" the last drawing; the picked place travels as a separate layer."""
    from streamlit_folium import st_folium

    m = build_marks_map(
        data, marks, lang, basemap, custom_url, heat=heat,
        draw=pick if pick != "point" else None, focus=focus, legends=legends,
    )  # fmt: skip
    returned: list[str] = []
    if pick == "point":
        returned.append("last_clicked")
    elif pick in ("line", "polygon"):
        returned.append("last_active_drawing")
    kwargs: dict[str, Any] = {}
    if pick is not None:
        kwargs["feature_group_to_add"] = picked_layer(picked, lang)
    result = st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=returned,
        **kwargs,
    )
    return maps.map_events(result, key, returned)
