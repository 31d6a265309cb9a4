"""Works (工程项目) as a layer of the community map: each work's scope, hatched while in
progress, with its progress in the tooltip and a popup that links to the work's page.

The hatch is an SVG ``<pattern>`` defined once in the page; Leaflet's SVG renderer writes
``fillColor`` into the path's ``fill`` attribute, so ``fillColor: "url(#cc-hatch)"`` fills the
area with diagonal stripes (no plugin, no CDN asset). Every string from a person goes through
``escape_text`` (DESIGN §5); the whole layer is one GeoJSON, never one object per work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import folium
import shapely.geometry
from branca.element import Element

from cocreate_map.domain.works import Status
from cocreate_map.services import MapData
from cocreate_map.services.works import WorkInfo
from cocreate_map.ui import maps
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.i18n import translate

PAGE_PATH = "/works"
HATCH_ID = "cc-hatch"
PANE = "cc_works"
WORK_COLOUR = maps.OKABE_ITO["orange"]
DONE_COLOUR = maps.OKABE_ITO["bluish_green"]
HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    f'<pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="8" height="8" '
    'patternTransform="rotate(45)">'
    f'<rect width="8" height="8" fill="{WORK_COLOUR}" fill-opacity="0.18"/>'
    f'<rect width="3.5" height="8" fill="{WORK_COLOUR}" fill-opacity="0.85"/>'
    "</pattern></defs></svg>"
)

STYLES: dict[Status, dict[str, Any]] = {
    Status.PLANNED: {
        "color": WORK_COLOUR, "weight": 3, "dashArray": "2 6", "fill": True,
        "fillColor": WORK_COLOUR, "fillOpacity": 0.12, "opacity": 1,
    },
    Status.IN_PROGRESS: {
        "color": WORK_COLOUR, "weight": 3, "dashArray": "8 5", "fill": True,
        "fillColor": f"url(#{HATCH_ID})", "fillOpacity": 1, "opacity": 1,
    },
    Status.COMPLETED: {
        "color": DONE_COLOUR, "weight": 3, "fill": True, "fillColor": DONE_COLOUR,
        "fillOpacity": 0.35, "opacity": 1,
    },
    Status.ACCEPTED: {
        "color": DONE_COLOUR, "weight": 3, "fill": True, "fillColor": DONE_COLOUR,
        "fillOpacity": 0.55, "opacity": 1,
    },
}  # fmt: skip


def works_key(works: Sequence[WorkInfo]) -> str:
    """Changes whenever anything the works layer shows changes (a cache key part)."""
    h = hashlib.sha256()
    for w in works:
        h.update(repr((w.id, w.title, w.status.value, w.progress_pct)).encode("utf-8"))
        h.update(b"" if w.scope is None else w.scope.wkb)
    return h.hexdigest()[:16]


def page_url(work_id: int, slug: str, lang: str) -> str:
    return f"{PAGE_PATH}?{urlencode({'work': work_id, 'community': slug, 'lang': lang})}"


def story_url(work_id: int, slug: str, lang: str) -> str:
    """The decision story of the work (成果共享)."""
    query = {"work": work_id, "view": "story", "community": slug, "lang": lang}
    return f"{PAGE_PATH}?{urlencode(query)}"


def _bar(pct: int) -> str:
    return (
        '<span style="display:inline-block;width:120px;height:10px;background:#ddd;'
        'border-radius:5px;vertical-align:middle;overflow:hidden">'
        f'<span style="display:block;height:10px;width:{int(pct)}%;background:{WORK_COLOUR}">'
        "</span></span>"
    )


def work_tip(lang: str, w: WorkInfo) -> str:
    status = translate(lang, f"works.status.{w.status.value}")
    return "<br>".join(
        [
            f"<b>{escape_text(w.title)}</b>",
            escape_text(f"{status} · {translate(lang, 'works.progress_n', n=w.progress_pct)}"),
        ]
    )


def work_popup(lang: str, w: WorkInfo, slug: str) -> str:
    link = escape_text(page_url(w.id, slug, lang))
    return (
        f'<div class="cc-work-pop" style="font-size:15px;line-height:1.5">{work_tip(lang, w)}'
        f"<br>{_bar(w.progress_pct)}<br>"
        f'<a href="{link}" target="_blank" rel="noopener" style="display:inline-block;margin-top:6px;'
        "padding:6px 10px;background:#0072B2;color:#fff;border-radius:6px;"
        f'text-decoration:none">{escape_text(translate(lang, "works.open_page"))}</a> '
        f'<a class="cc-story-link" href="{escape_text(story_url(w.id, slug, lang))}" '
        'target="_blank" rel="noopener" style="display:inline-block;margin-top:6px;'
        "padding:6px 10px;background:#fff;color:#0072B2;border:2px solid #0072B2;"
        f'border-radius:6px;text-decoration:none">{escape_text(translate(lang, "story.open_short"))}'
        "</a></div>"
    )


def works_geojson(
    works: Sequence[WorkInfo], lang: str, slug: str, coords: str = "wgs84"
) -> dict[str, Any]:
    features = []
    for w in works:
        if w.scope is None or w.scope.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": maps.display_geometry(shapely.geometry.mapping(w.scope), coords),
                "properties": {
                    "id": w.id,
                    "status": w.status.value,
                    "tip": work_tip(lang, w),
                    "pop": work_popup(lang, w, slug),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def add_works(
    m: folium.Map, works: Sequence[WorkInfo], lang: str, slug: str, coords: str = "wgs84"
) -> None:
    """The works layer (drawn above the base map and below the marks)."""
    m.get_root().html.add_child(Element(HATCH_SVG), name="cc_hatch")
    # its own pane above the site layers (they arrive later, from a fetched file, and would be
    # drawn over the works) and below the marks' pins
    folium.map.CustomPane(PANE, z_index=450).add_to(m)
    data = works_geojson(works, lang, slug, coords)
    label = translate(lang, "works.layer", n=len(data["features"]))
    group = folium.FeatureGroup(name=escape_text(label), show=True)
    group.add_to(m)
    if not data["features"]:
        return
    folium.GeoJson(
        data,
        name="works",
        style_function=lambda f: STYLES[Status(f["properties"]["status"])],
        highlight_function=lambda _f: {"weight": 5},
        marker=folium.CircleMarker(radius=9),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(fields=["pop"], labels=False, max_width=260),
        control=False,
        pane=PANE,
    ).add_to(group)


def legend_rows(lang: str, works: Sequence[WorkInfo]) -> list[tuple[str, str, int]]:
    rows = []
    for status in Status:
        n = sum(1 for w in works if w.status is status and w.scope is not None)
        if not n:
            continue
        st = STYLES[status]
        fill = st["fillColor"] if status is not Status.IN_PROGRESS else WORK_COLOUR
        pattern = (
            f"repeating-linear-gradient(45deg,{WORK_COLOUR} 0 3px,transparent 3px 7px)"
            if status is Status.IN_PROGRESS
            else fill
        )
        swatch = (
            f'<i class="cc-sw" style="background:{pattern};opacity:.9;'
            f'border:2px {"dashed" if "dashArray" in st else "solid"} {st["color"]}"></i>'
        )
        rows.append((swatch, translate(lang, f"works.status.{status.value}"), n))
    return rows


def build_works_map(
    data: MapData,
    works: Sequence[WorkInfo],
    lang: str,
    slug: str,
    *,
    focus: Any = None,
    legend: bool = True,
) -> folium.Map:
    m = maps.build_map(
        data, lang, "none", None, lambda fm, coords: add_works(fm, works, lang, slug, coords),
        legend=False,
    )  # fmt: skip
    if legend and works:
        m.add_child(maps.Legend(translate(lang, "works.legend"), legend_rows(lang, works)))
    if focus is not None and not focus.is_empty:
        minx, miny, maxx, maxy = focus.buffer(0.0003).bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    maps.localize_assets(m)
    return m


def render_works_map(
    data: MapData,
    works: Sequence[WorkInfo],
    lang: str,
    slug: str,
    *,
    key: str,
    focus: Any = None,
    legend: bool = True,
    height: int = 420,
    tap: bool = False,
) -> dict[str, Any]:
    """Draw the map; with ``tap`` the answer carries ``last_object_clicked`` (the place of the
    last tap on a work), which :func:`tapped_work` turns into the work."""
    returned = ["last_object_clicked"] if tap else []
    result = maps.folium_component(
        lambda: (build_works_map(data, works, lang, slug, focus=focus, legend=legend), None),
        key=key, height=height, returned=returned,
    )  # fmt: skip
    return maps.map_events(result, key, returned)


def tapped_work(
    events: dict[str, Any], works: Sequence[WorkInfo], coords: str = "wgs84"
) -> int | None:
    """The work whose scope is nearest to the tapped place (within about 10 m), or None."""
    clicked = events.get("last_object_clicked") or {}
    if not isinstance(clicked, dict) or "lat" not in clicked or "lng" not in clicked:
        return None
    point = shapely.geometry.Point(float(clicked["lng"]), float(clicked["lat"]))
    best: tuple[float, int] | None = None
    for w in works:
        if w.scope is None or w.scope.is_empty:
            continue
        shown = shapely.geometry.shape(
            maps.display_geometry(shapely.geometry.mapping(w.scope), coords)
        )
        d = float(shown.distance(point))
        if d <= 1e-4 and (best is None or d < best[0]):
            best = (d, w.id)
    return None if best is None else best[1]
