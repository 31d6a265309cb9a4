"""The synced comparison maps: one page, 2–3 Leaflet maps, L.Map.Sync served locally, titles
escaped, the same per-kind layers as build_map (one GeoJSON layer per kind)."""

from __future__ import annotations

import json
import re

import folium
import pytest

from cocreate_map.io import assets
from cocreate_map.services import OptionMapData
from cocreate_map.ui import maps, option_maps
from tests.ui.test_maps import HOSTILE, _fc, _square
from tests.ui.test_maps import data as data  # noqa: F401 - the MapData fixture

TITLES = ("方案A：草坪改车位", HOSTILE, "方案C")


def _option(data, added: bool) -> OptionMapData:  # noqa: F811
    x, y = 114.3355, 30.5315
    extra = _fc([(_square(x, y, 0.00003), {"kind": "parking_stall", "name": HOSTILE})])
    empty = {"type": "FeatureCollection", "features": []}
    return OptionMapData(data=data, added=extra if added else empty, removed=empty)


@pytest.fixture
def three(data):  # noqa: F811
    return [(t, _option(data, i == 1)) for i, t in enumerate(TITLES)]


def _maps_in(fig) -> list[folium.Map]:
    return [c for c in fig._children.values() if isinstance(c, folium.Map)]


def test_three_maps_in_one_page_synced_with_local_leaflet_sync(three) -> None:
    fig = option_maps.build_synced_maps(three, "zh")
    ms = _maps_in(fig)
    assert len(ms) == 3
    html = fig.render()
    names = [m.get_name() for m in ms]
    assert f"var maps = [{', '.join(names)}];" in html
    assert "if (a !== b) { a.sync(b, {noInitialSync: true}); }" in html  # every pair, both ways
    assert html.index(f"var {names[-1]} = L.map(") < html.index("var maps = [")
    assert html.count('class="folium-map"') == 3
    assert html.count('class="cc-panel"') == 3
    sync_url = assets.url("leaflet-sync", "L.Map.Sync.js")
    assert f'src="{sync_url}"' in html
    # every asset the page loads is vendored: no CDN, nothing remote
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith(assets.URL_PREFIX + "/") for s in srcs), srcs
    assert "http://" not in html and "https://" not in html.replace("https://www.openstreetmap", "")


def test_titles_and_tooltips_are_escaped(three) -> None:
    html = option_maps.build_synced_maps(three, "zh").render()
    assert "<img src=x" not in html and "${alert" not in html and "`x`" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;x&#96;" in html
    assert "方案A：草坪改车位" in html


def test_same_layers_as_build_map_and_one_legend(three, data) -> None:  # noqa: F811
    fig = option_maps.build_synced_maps(three, "en")
    ms = _maps_in(fig)
    single = maps.build_map(data, "en", "none")

    def kinds_of(m: folium.Map) -> list[str]:
        (site,) = [g for g in maps._walk(m) if isinstance(g, maps.SiteLayers)]
        return sorted(kind for kind, _ in site.groups)

    kinds = kinds_of(single)
    assert kinds == sorted(data.layers)
    for m in ms:
        assert kinds_of(m) == kinds
    legends = [el for m in ms for el in maps._walk(m) if isinstance(el, maps.Legend)]
    assert len(legends) == 1


def test_stacks_on_phones_and_lead_map_is_the_highlighted_one(three) -> None:
    highlight = {TITLES[2]: (114.336, 30.532, "R14: <b>lane</b>")}
    fig = option_maps.build_synced_maps(three, "zh", highlight=highlight)
    html = fig.render()
    assert "@media (max-width:599px){.cc-sync{flex-direction:column" in html
    assert "var lead = maps[2];" in html
    assert "&lt;b&gt;lane" in html


def test_same_options_give_the_same_page(three) -> None:
    a = option_maps.build_synced_maps(three, "zh").render()
    b = option_maps.build_synced_maps(three, "zh").render()
    assert a == b  # a rerun must not reload the iframe


def test_two_maps_and_wrong_counts(three) -> None:
    fig = option_maps.build_synced_maps(three[:2], "zh")
    assert len(_maps_in(fig)) == 2
    with pytest.raises(ValueError, match="2 or 3"):
        option_maps.build_synced_maps(three[:1], "zh")


@pytest.mark.parametrize(
    ("lang", "label"), [("zh", "消防通道最窄处 1.75 米"), ("en", "Fire lane narrowest: 1.75 m")]
)
def test_the_narrowest_cross_section_is_drawn_with_its_width(three, lang, label) -> None:
    section = [[114.33551, 30.53151], [114.33555, 30.53151]]
    fig = option_maps.build_synced_maps(
        three, lang, narrowest={TITLES[1]: (section, 1.75), TITLES[2]: (section, 4.0)}
    )
    html = fig.render()
    assert html.count('class=\\"cc-narrowest\\"') == 2  # a DivIcon's html is a JSON string
    assert json.dumps(label)[1:-1] in html and "4.00" in html
    assert "[30.53151, 114.33551], [30.53151, 114.33555]" in html  # lat, lon for Leaflet
