"""The app's CSS puts Streamlit's uploader words in the reader's language as CSS strings: they
must reach the page as the words themselves (a JSON ``\\uXXXX`` escape is no CSS escape: the
phone showed "u9009u62e9u6587u4ef6" on the photo button)."""

from __future__ import annotations

import streamlit as st

from cocreate_map import services
from cocreate_map.storage.db import migrated_engine
from cocreate_map.ui.i18n import translate
from tests.ui.pages import ROOT, open_page


def test_uploader_words_are_real_words_in_the_css(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    services.ensure_demo(migrated_engine(sqlite_url))  # the app finds it loaded
    st.cache_resource.clear()
    at = open_page(ROOT / "app.py", "cocreate_map/ui/pages/marks.py")
    css = " ".join(e.proto.body for e in at.get("html") if "<style>" in e.proto.body)
    for key in ("upload.browse", "upload.drop"):
        assert f'"{translate("zh", key)}"' in css, key
    assert "\\u" not in css
