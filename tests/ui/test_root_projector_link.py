"""``/?view=projector`` (the README's path-less shared links) opens the meeting page in projector
view, not the map (issue 10 item 6)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from tests.ui.pages import ROOT


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def html_text(at: AppTest) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


def test_root_address_with_view_projector_opens_the_meeting_page(entry):
    at = AppTest.from_file(str(entry), default_timeout=120)
    at.query_params["community"] = services.DEMO_SLUG
    at.query_params["view"] = "projector"
    at.query_params["panel"] = "map"
    at.run()
    assert not at.exception, at.exception
    assert any(b.key == "meeting_next" for b in at.button)  # the projector's panel stepper
    assert at.query_params["view"] == ["projector"] or at.query_params["view"] == "projector"


def test_root_address_without_view_stays_on_the_map(entry):
    at = AppTest.from_file(str(entry), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert not any(b.key == "meeting_next" for b in at.button)
