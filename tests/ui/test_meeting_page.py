"""AppTest of the meeting page through app.py: the projector
view renders with big figures and the QR join link, panels switch, Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.services.access import local_admin
from cocreate_map.services.address import lan_ip
from cocreate_map.storage.db import make_engine, transaction

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "app.py"


@pytest.fixture
def app(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    yield sqlite_url
    st.cache_resource.clear()


def run(**params):
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("cocreate_map/ui/pages/meeting.py")
    at.run()
    assert not at.exception, at.exception
    return at


def html_text(at) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


def make_ballot(url: str) -> int:
    with transaction(make_engine(url)) as s:
        return services.create_ballot(
            s,
            services.DEMO_SLUG,
            "是否采纳方案B？",
            "co-creation-two-thirds",
            who=local_admin("test"),
        ).id


def test_projector_ballot_panel_shows_both_measures_and_qr(app):
    run()  # first start loads the demo
    bid = make_ballot(app)
    at = run(community=services.DEMO_SLUG, view="projector", panel="ballot", ballot=str(bid))
    body = html_text(at)
    # no COCREATE_PUBLIC_URL: this machine's LAN address, never localhost (issue 10.4)
    lan = f"http://{lan_ip()}:8501" if lan_ip() else "http://localhost:8501"
    assert f'data-join-link="{lan}/vote?community=' in body
    assert 'data-measure="households"' in body and 'data-measure="area"' in body
    assert "门槛" in body  # the threshold line is labelled
    assert "参与户数" in body
    assert any(b.key == "meeting_next" for b in at.button)


def test_panels_switch_with_buttons_and_links(app):
    run()
    bid = make_ballot(app)
    at = run(community=services.DEMO_SLUG, view="projector", panel="ballot", ballot=str(bid))
    next(b for b in at.button if b.key == "meeting_next").click().run()
    assert not at.exception, at.exception
    assert at.query_params["panel"] == "result"
    assert "表决尚未结束" in html_text(at)
    with transaction(make_engine(app)) as s:
        services.close_ballot(s, bid, who=local_admin("test"))
    at = run(community=services.DEMO_SLUG, view="projector", panel="result", ballot=str(bid))
    assert 'data-outcome="invalid"' in html_text(at)
    assert "通过与否的理由" in html_text(at)
    next(b for b in at.button if b.key == "meeting_go_map").click().run()
    assert not at.exception, at.exception
    assert at.query_params["panel"] == "map"
    text = html_text(at)
    assert "居民标注的问题 15 处" in text and "违章建筑" in text  # the marks, by category
    [args] = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    assert "heatLayer" in args.proto.json_args


def test_english_and_normal_view(app):
    run()
    make_ballot(app)
    at = run(community=services.DEMO_SLUG, lang="en", panel="ballot")
    assert "Scan to vote" in html_text(at)
    assert any(b.label == "Projector view (full screen)" for b in at.button)
    next(b for b in at.button if b.key == "meeting_projector").click().run()
    assert at.query_params["view"] == "projector"


# ---------------------------------------------------------------- the join address (issue 10.4)


def join_address(body: str) -> str:
    found = re.findall(r'class="cc-join" data-join-address="([^"]*)">(.*?)</div>', body)
    assert len(found) == 1, body[-2000:]
    return found[0][0]


def test_the_projector_shows_the_join_address_big_and_the_demo_ballot(app):
    run()  # first start loads the demo, with its open ballot on the options (issue 10.5)
    at = run(community=services.DEMO_SLUG, view="projector", panel="ballot")
    body = html_text(at)
    assert "停车和绿地怎么改" in body  # the demo's live ballot is the default
    ip = lan_ip()
    assert ip is not None  # the test machine has a network address
    assert join_address(body) == f"http://{ip}:8501"
    shown = f">http://{ip}:8501<wbr>/vote?<wbr>community={services.DEMO_SLUG}</div>"
    assert shown in body
    assert "或在手机浏览器里输入" in body and "data-address-warning" not in body
    assert "方案B：保留绿地" in body  # the running tally of the demo votes
    assert re.search(r'data-measure="households">([1-9][0-9]*\.[0-9])%', body)


def test_a_server_for_this_computer_only_says_what_to_do(app, monkeypatch):
    from streamlit import config as st_config

    run()
    old = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")  # cocreate serve without --address
    try:
        for lang, words in (
            ("zh", "cocreate serve --address 0.0.0.0"),
            ("en", "answers this computer only"),
        ):
            at = run(community=services.DEMO_SLUG, view="projector", panel="ballot", lang=lang)
            body = html_text(at)
            assert 'data-address-warning="local-only"' in body and words in body
            assert join_address(body) == "http://localhost:8501"
    finally:
        st_config.set_option("server.address", old)
    monkeypatch.setenv("COCREATE_PUBLIC_URL", "http://192.168.1.20:8501")
    at = run(community=services.DEMO_SLUG, view="projector", panel="ballot")
    assert join_address(html_text(at)) == "http://192.168.1.20:8501"
