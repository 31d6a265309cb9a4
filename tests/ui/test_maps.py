"""folium builders: one layer per kind, legend, local assets only, escaping, GCJ-02 display copy."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import folium
import pytest
from folium.plugins import Draw, DualMap, Fullscreen, MarkerCluster

from cocreate_map.domain.elements import Kind
from cocreate_map.errors import InvalidInput
from cocreate_map.io import assets
from cocreate_map.io.china_coords import wgs84_to_gcj02
from cocreate_map.services import MapData
from cocreate_map.ui import map_files, maps
from cocreate_map.ui.i18n import translate

HOSTILE = "<img src=x onerror=alert(1)>${alert(2)}`x`"


def _square(x: float, y: float, d: float = 0.0002) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
    }


def _fc(features: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": i, "geometry": g, "properties": {"id": i, **p}}
            for i, (g, p) in enumerate(features)
        ],
    }


@pytest.fixture
def data() -> MapData:
    x, y = 114.335, 30.531
    layers = {
        "boundary": _fc([(_square(x, y, 0.003), {"kind": "boundary", "name": "边界"})]),
        "building": _fc(
            [
                (
                    _square(x + 0.0005, y + 0.0005),
                    {"kind": "building", "name": HOSTILE, "floors": 6},
                ),
                (
                    _square(x + 0.001, y + 0.0005),
                    {"kind": "building", "name": "2栋", "households": 24},
                ),
            ]
        ),
        "fire_lane": _fc(
            [
                (
                    {"type": "LineString", "coordinates": [[x, y + 0.001], [x + 0.003, y + 0.001]]},
                    {"kind": "fire_lane", "width_m": 4.0},
                )
            ]
        ),
        "green_belt": _fc([(_square(x + 0.002, y + 0.002), {"kind": "green_belt"})]),
        "facility": _fc(
            [
                (
                    {"type": "Point", "coordinates": [x + 0.0015, y + 0.0015]},
                    {"kind": "facility", "facility_type": "seating", "name": "座椅"},
                )
            ]
        ),
    }
    return MapData(
        slug="t",
        name="测试小区",
        bounds=((y, x), (y + 0.003, x + 0.003)),
        boundary=_square(x, y, 0.003),
        layers=layers,
        counts={k: len(v["features"]) for k, v in layers.items()},
    )


def _layers(m: folium.Map) -> dict[str, dict[str, Any]]:
    """{kind: FeatureCollection} the browser draws: embedded, or in the served static file."""
    (site,) = [el for el in maps._walk(m) if isinstance(el, maps.SiteLayers)]
    return site.payload if site.url is None else map_files.read(site.url)


def _all_links(m: Any) -> list[str]:
    links = []
    for el in maps._walk(m):
        links += [u for _, u in getattr(el, "default_js", [])]
        links += [u for _, u in getattr(el, "default_css", [])]
    return links


def test_one_geojson_layer_per_kind(data: MapData) -> None:
    m = maps.build_map(data, "zh")
    groups = [el for el in m._children.values() if isinstance(el, folium.FeatureGroup)]
    assert len(groups) == len(data.layers)
    layers = _layers(m)
    assert sorted(layers) == sorted(data.layers)
    for kind, collection in layers.items():
        assert len(collection["features"]) == data.counts[kind]


def test_kinds_look_different(data: MapData) -> None:
    signatures = {
        (s["color"], s.get("fillColor"), s.get("dashArray"), s.get("fill"))
        for s in maps.STYLES.values()
    }
    assert len(signatures) == len(maps.STYLES)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legend_has_localised_labels(data: MapData, lang: str) -> None:
    m = maps.build_map(data, lang)
    legends = [el for el in maps._walk(m) if isinstance(el, maps.Legend)]
    assert len(legends) == 1
    for kind in data.layers:
        assert translate(lang, f"kind.{kind}") in legends[0].body
    assert translate(lang, "map.legend") in legends[0].body
    assert any(isinstance(el, folium.LayerControl) for el in m._children.values())


@pytest.mark.parametrize("basemap", ["none", "osm", "amap"])
def test_every_asset_is_local(data: MapData, basemap: str) -> None:
    m = maps.build_map(data, "zh", basemap)
    links = _all_links(m)
    assert links, "no assets collected"
    for link in links:
        assert link.startswith("/app/static/vendor/"), link
        assert "cdn" not in link and "http" not in link
    html = m.get_root().render()
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert ref.startswith("/app/static/vendor/") or ref.startswith("https://www.openstreetmap")
    assert f'L.Icon.Default.imagePath = "{assets.url("leaflet", "dist/images/")}"' in html


def test_plugins_and_dualmap_are_localised_too() -> None:
    dual = DualMap(location=[30.5, 114.3], tiles=None)
    MarkerCluster().add_to(dual.m1)
    Draw().add_to(dual.m2)
    Fullscreen().add_to(dual.m1)
    maps.localize_assets(dual)
    links = _all_links(dual) + _all_links(dual.m1) + _all_links(dual.m2)
    assert any("leaflet-sync@" in u for u in links)
    assert any("leaflet-draw@1.0.4" in u for u in links)
    assert any("markercluster@" in u for u in links)
    for link in links:
        assert link.startswith("/app/static/vendor/"), link


def test_unknown_remote_asset_fails_loudly() -> None:
    with pytest.raises(KeyError, match="assets_manifest.json"):
        assets.local_url("https://cdn.example.org/some-plugin.js")


def test_dropped_assets_are_documented() -> None:
    css = dict(folium.Map.default_css)
    assert assets.local_url(css["glyphicons_css"]) is None  # Bootstrap 3 glyphicons
    assert assets.local_url(css["awesome_rotate_css"]) is None


def test_hostile_name_is_escaped_before_the_geojson(data: MapData) -> None:
    m = maps.build_map(data, "en")
    building = _layers(m)["building"]
    tips = [f["properties"]["tip"] for f in building["features"]]
    joined = json.dumps(tips)
    assert "<img" not in joined and "${" not in joined and "`" not in joined
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;x&#96;" in tips[0]
    assert "Floors: 6" in tips[0]
    # Only id and the escaped tooltip reach the page; raw attributes stay on the server.
    assert set(building["features"][0]["properties"]) == {"id", "tip"}
    rendered = m.get_root().render()
    assert "<img" not in rendered and "${alert" not in rendered and "`x`" not in rendered


def test_tooltip_localises_values(data: MapData) -> None:
    tip = maps.tooltip_html("zh", "facility", {"name": "座椅", "facility_type": "seating"})
    assert "休息座椅" in tip and "设施类型" in tip


def test_amap_shifts_a_display_copy_only(data: MapData) -> None:
    before = copy.deepcopy(data)
    m = maps.build_map(data, "zh", "amap")
    assert data == before, "MapData must not change"
    shown = _layers(m)["facility"]["features"][0]["geometry"]["coordinates"]
    lon, lat = data.layers["facility"]["features"][0]["geometry"]["coordinates"]
    gx, gy = wgs84_to_gcj02(lon, lat)
    assert shown == pytest.approx([float(gx), float(gy)], abs=2e-6)
    assert abs(shown[0] - lon) > 1e-3  # the GCJ-02 offset in Wuhan is hundreds of metres
    wgs = _layers(maps.build_map(data, "zh"))["facility"]
    assert wgs["features"][0]["geometry"]["coordinates"] == [lon, lat]


def test_osm_attribution(data: MapData) -> None:
    html = maps.build_map(data, "zh", "osm").get_root().render()
    assert maps.OSM_ATTRIBUTION == (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    assert (
        "openstreetmap.org/copyright" in html
        and "OpenStreetMap\\u003c/a\\u003e contributors" in html
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.org/{z}/{x}/{y}.png",
        "https://x.org/tiles.png",
        "javascript:alert(1)//{z}{x}{y}",
        "",
    ],
)
def test_custom_tiles_need_http_and_xyz(data: MapData, url: str) -> None:
    with pytest.raises(InvalidInput):
        maps.build_map(data, "zh", "custom", url)


def test_custom_tiles_accepted(data: MapData) -> None:
    m = maps.build_map(data, "zh", "custom", "https://tiles.example.org/{z}/{x}/{y}.png")
    assert any(isinstance(el, folium.TileLayer) for el in m._children.values())


def test_unknown_basemap(data: MapData) -> None:
    with pytest.raises(InvalidInput, match="none, osm, amap, custom"):
        maps.build_map(data, "zh", "baidu")


def test_asset_cli_without_npm_exits_2(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(assets, "vendor_dir", lambda: tmp_path / "vendor")
    monkeypatch.setattr(assets.shutil, "which", lambda _name: None)
    assert assets.missing(tmp_path / "vendor")
    assert assets.main() == 2
    assert capsys.readouterr().err.strip() == assets.NPM_MISSING


def test_installed_assets_are_complete() -> None:
    assert assets.missing() == [], "run python -m cocreate_map.io.assets"
    assert (
        assets.url("leaflet", "dist/leaflet.js")
        == "/app/static/vendor/leaflet@1.9.3/dist/leaflet.js"
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_words_scale_and_tooltips(data: MapData, lang: str) -> None:
    """Metric-only scale bar, zoom and draw words in the reader's language, tooltips that only
    follow a pointer where there is one (issue 10: 9, 12)."""
    html = maps.build_map(data, lang).get_root().render()
    assert "L.control.scale({metric: true, imperial: false})" in html
    assert "L.control.scale()" not in html
    assert "sticky: true" not in html and "{sticky: window.ccHover}" in html
    words = maps.map_texts(lang)
    assert words["zoom_in"] == ("放大" if lang == "zh" else "Zoom in")
    assert json.dumps(words["draw.line_end"]) in html or words["draw.line_end"] in html


def test_no_double_tap_instructions() -> None:
    from cocreate_map.i18n import catalog

    for lang in ("zh", "en"):
        said = [k for k, v in catalog(lang).items() if "双击" in v or "double-tap" in v.lower()]
        assert not said, said


def _lightness_over(hex_colour: str, opacity: float, under: str = maps.NONE_BACKGROUND) -> float:
    """CIE L* of a fill of ``opacity`` over the map's background."""
    fg = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    bg = [int(under[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    rgb = [opacity * f + (1 - opacity) * b for f, b in zip(fg, bg, strict=True)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 116 * (y ** (1 / 3) if y > 0.008856 else 7.787 * y + 16 / 116) - 16


def test_kinds_differ_without_hue() -> None:
    """Issue 10.13: any two kinds differ by the outline's dash pattern, by its width (≥ 1 px) or
    by the fill's lightness (ΔL* ≥ 25) — never by hue alone."""
    from itertools import combinations

    def fill_l(s: dict) -> float:
        if not s.get("fill", True) or not s.get("fillOpacity"):
            return _lightness_over(maps.NONE_BACKGROUND, 1.0)
        return _lightness_over(s["fillColor"], float(s["fillOpacity"]))

    alike = []
    for (a, sa), (b, sb) in combinations(maps.STYLES.items(), 2):
        if sa.get("dashArray") != sb.get("dashArray"):
            continue
        if abs(float(sa["weight"]) - float(sb["weight"])) >= 1:
            continue
        if abs(fill_l(sa) - fill_l(sb)) >= 25:
            continue
        alike.append((a.value, b.value))
    assert alike == []


def test_legend_draws_each_kind_as_the_map_does(data: MapData) -> None:
    for kind, style in maps.STYLES.items():
        swatch = maps._swatch(style, kind is Kind.FACILITY)
        assert f'stroke-width="{float(style["weight"]):g}"' in swatch
        if style.get("dashArray"):
            assert f'stroke-dasharray="{style["dashArray"]}"' in swatch
        else:
            assert "stroke-dasharray" not in swatch
    m = maps.build_map(data, "zh")
    html = m.get_root().render()
    assert "stroke-dasharray=" in html  # the legend on the map carries the patterns


def test_every_building_of_a_signing_map_carries_its_own_label() -> None:
    """A permanent tooltip bound to the GeoJSON layer opened for one building only (the
    projector showed "1栋 18/24" and nothing else); each building now has its own label, which
    taps pass through, with the building's name escaped."""
    import shapely.geometry

    from cocreate_map.domain.evaluation import BuildingProgress
    from cocreate_map.ui import convention_maps

    shapes = [
        (BuildingProgress(b, 24, s), shapely.geometry.shape(_square(114.3 + i * 0.001, 30.5)))
        for i, (b, s) in enumerate([("1", 18), ("2", 24), (HOSTILE, 0)])
    ]
    m = folium.Map(location=[30.5, 114.3], zoom_start=17)
    convention_maps.add_progress(m, shapes, "zh", "wgs84")
    page = m.get_root().render()
    icons = [json.loads(h) for h in re.findall(r'"html": ("(?:[^"\\]|\\.)*")', page)]
    labels = [re.fullmatch(r'<div class="cc-sign-label">(.*)</div>', h) for h in icons]
    texts = [m.group(1) for m in labels if m]
    assert texts[:2] == ["1栋 18/24", "2栋 24/24"] and len(texts) == 3, icons
    assert "<img" not in texts[2] and "&lt;img" in texts[2]
    assert page.count('"interactive": false') == 3
