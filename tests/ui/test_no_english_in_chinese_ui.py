"""Every page in Chinese, as an anonymous visitor, as a signed-in household and as signed-in
staff (real session tokens, checked by the app on every run like a browser's cookie): no run of
three or more ASCII letters may reach the reader unless it is user data (names, slugs, numbers
people typed or imported), a unit or a code on the small allow-list below (issue 10.9).

What AppTest cannot see (Streamlit's own widget chrome, the map iframes' Leaflet texts) is out of
scope here; the screenshots and the map tests look at those.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import MetaData, select
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.services import sessions
from cocreate_map.services import staff as staff_service
from cocreate_map.storage.db import make_engine, transaction
from tests.ui.pages import ROOT

# Codes, formats, units and names a Chinese reader meets as they are (keep this list small).
ALLOWED = {
    # file formats and codes
    "GeoJSON",
    "CSV",
    "PDF",
    "DXF",
    "CAD",
    "XLSX",
    "Excel",
    "GeoPackage",
    "Shapefile",
    "KML",
    "shp",
    "zip",
    "WebP",
    "GBK",
    "GPS",
    "OSM",
    "PNG",
    "JPEG",
    "QR",
    "ID",
    "XYZ",
    "URL",
    # coordinate reference systems
    "EPSG",
    "WGS",
    "GCJ",
    "CGCS",
    "UTM",
    # units and the time zone of sign-in pauses
    "UTC",
    "km",
    "MB",
    # the language switch names English in English, so an English reader finds it
    "Language",
    "English",
    # proper names of products shown as they are
    "OpenStreetMap",
    "PostGIS",
    "SQLite",
    "PostgreSQL",
}
PAGES: list[tuple[str, dict[str, str]]] = [
    ("map.py", {}),
    ("marks.py", {}),
    ("marks.py", {"mark": "1"}),
    ("works.py", {}),
    ("works.py", {"work": "1"}),
    ("works.py", {"work": "1", "view": "story"}),
    ("evaluate.py", {}),
    ("funds.py", {}),
    ("options.py", {}),
    ("vote.py", {}),
    ("meeting.py", {}),
    ("meeting.py", {"view": "projector", "panel": "options"}),
    ("meeting.py", {"view": "projector", "panel": "ballot"}),
    ("meeting.py", {"view": "projector", "panel": "result"}),
    ("meeting.py", {"view": "projector", "panel": "works"}),
    ("meeting.py", {"view": "projector", "panel": "convention"}),
    ("meeting.py", {"view": "projector", "panel": "story"}),
    ("results.py", {}),
    ("communities.py", {}),
    ("district.py", {}),
    ("ballots.py", {}),
    ("marks_staff.py", {}),
    ("works_staff.py", {}),
    ("funds_staff.py", {}),
    ("evaluate_staff.py", {}),
    ("import_data.py", {}),
    ("staff.py", {}),
]
RUN = re.compile(r"[A-Za-z]{3,}")
# Text fields of Streamlit's element protos that a person reads.
TEXT_FIELDS = {"label", "body", "options", "placeholder", "help", "caption", "default_value"}
# User data: columns (of any table) holding what people typed or imported, and staff names.
DATA_COLUMNS = {
    "slug",
    "name",
    "title",
    "description",
    "building",
    "unit",
    "room",
    "username",
    "actor",
    "author",
    "contractor",
    "donor_name",
    "household_label",
    "note",
    "created_by",
    "recorded_by",
    "approved_by",
    "entered_by",
    "verified_by",
}


def _strings(message: Any, fields: set[str]) -> Iterator[str]:
    """The string values of ``fields`` anywhere in a protobuf message."""
    for desc, value in message.ListFields():
        if desc.type == desc.TYPE_MESSAGE:
            items = value if desc.is_repeated else [value]
            for item in items:
                yield from _strings(item, fields)
        elif desc.type == desc.TYPE_STRING and desc.name in fields:
            if desc.is_repeated:
                yield from value
            else:
                yield value


def _readable(text: str) -> str:
    """What a person reads of markdown/HTML: no style, script, tags, link targets, icons."""
    text = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", text)
    text = re.sub(r"(?s)<!--.*?-->", " ", text)
    text = re.sub(r"(?i)<wbr\s*/?>", "", text)  # a line-break hint inside one address
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)  # markdown link targets
    text = re.sub(r":material/[a-z_]+:", " ", text)
    text = re.sub(r":(?:red|blue|green|orange|violet|gray|grey|rainbow|primary)\[", "[", text)
    text = re.sub(r"`[^`]*`", " ", text)  # inline code: commands, file names
    text = re.sub(r"(?:\./|/)\?\S+", " ", text)  # relative links
    text = re.sub(r"\b[0-9a-f]{8,}\b", " ", text)  # hashes
    text = re.sub(r"\b[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{4}\b", " ", text)  # household codes
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\S+@\S+\.\S+", " ", text)  # e-mail-like
    text = re.sub(r"\b[\w.-]+\.(?:geojson|json|csv|pdf|dxf|xlsx|png|jpg|zip|shp)\b", " ", text)
    text = re.sub(r"\bEPSG:\d+\b", " ", text)
    return html.unescape(text)


def _missing(value: Any) -> bool:
    """An empty cell (None, NaN, NaT, pd.NA), which a table shows blank."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays
        return False


def texts(at: AppTest) -> Iterator[tuple[str, str]]:
    """(element type, readable text) of everything AppTest shows, code blocks excepted."""

    def walk(node: Any) -> Iterator[tuple[str, str]]:
        kind = getattr(node, "type", type(node).__name__)
        if kind in ("code", "json", "exception"):
            return
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            for s in _strings(proto, TEXT_FIELDS):
                yield kind, _readable(s)
        if kind in ("dataframe", "table"):
            df = node.value
            config = json.loads(getattr(proto, "columns", "") or "{}")
            order = list(getattr(proto, "column_order", []) or [])
            for col in df.columns:  # the header a person sees: the column config's label
                shown = config.get(str(col), {})
                if shown.get("hidden") or (order and str(col) not in order):
                    continue
                yield kind, str(shown.get("label") or col)
                if df[col].dtype != bool:  # booleans show as ticks
                    for value in df[col].tolist():  # (astype(str) keeps NaN in pandas 3)
                        shown_value = "" if _missing(value) else str(value)
                        yield kind, _readable(shown_value)
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    yield from walk(at._tree)


def user_words(url: str) -> set[str]:
    eng = make_engine(url)
    meta = MetaData()
    meta.reflect(eng)
    words: set[str] = set()
    with eng.connect() as conn:
        for table in meta.tables.values():
            present = [c for c in table.c if c.name in DATA_COLUMNS]
            if not present:
                continue
            for row in conn.execute(select(*present)):
                for value in row:
                    words |= set(RUN.findall(str(value or "")))
    eng.dispose()
    return words


def leaks(at: AppTest, allowed: set[str]) -> list[str]:
    out = []
    for kind, text in texts(at):
        bad = [w for w in RUN.findall(text) if w not in allowed]
        if bad:
            out.append(f"{kind}: {bad} in {text.strip()[:160]!r}")
    return out


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", "s3cret-staff-pw")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()
    st.cache_data.clear()


def _sign_in(at: AppTest, url: str, who: str) -> None:
    with transaction(make_engine(url)) as s:
        if who == "household":
            hid = services.list_households(s, services.DEMO_SLUG)[0].id
            at.session_state["household_token"] = sessions.open_household_session(s, hid)
        elif who == "staff":
            user = staff_service.add_user(s, "zhang.planner", "long enough secret", "admin")
            at.session_state["staff_token"] = sessions.open_staff_session(s, user)


@pytest.mark.parametrize("who", ["anonymous", "household", "staff"])
def test_every_page_in_chinese_has_no_english(entry, sqlite_url, who):
    at = AppTest.from_file(str(entry), default_timeout=180)
    at.run()  # first start loads the demo
    assert not at.exception, at.exception
    _sign_in(at, sqlite_url, who)
    allowed = ALLOWED | user_words(sqlite_url)
    found: list[str] = []
    for page, params in PAGES:
        for key in list(at.query_params):
            del at.query_params[key]
        for k, v in params.items():
            at.query_params[k] = v
        at.switch_page(f"cocreate_map/ui/pages/{page}")
        at.run()
        assert not at.exception, (page, params, at.exception)
        found += [f"{page}{params or ''}: {leak}" for leak in leaks(at, allowed)]
    assert not found, "\n".join(dict.fromkeys(found))


def _press_everything(at: AppTest, allowed: set[str], where: str) -> tuple[int, list[str]]:
    """Press the page's buttons with empty or blank fields (the errors people meet first), then
    with a one-character answer; the leaks of every page state reached."""
    found: list[str] = []
    pressed = 0
    for fill in ("", "x"):
        for box in [*at.text_input, *at.text_area]:
            if not box.disabled and getattr(box, "type", "") != "password":
                box.set_value(fill)
        i = 0
        while i < len(at.button) and i < 12:
            button = at.button[i]
            i += 1
            if button.disabled or "sign_out" in str(button.key) or "exit" in str(button.key):
                continue
            button.click().run()
            pressed += 1
            assert not at.exception, (where, button.label, at.exception)
            found += [f"{where} after {button.label!r}: {leak}" for leak in leaks(at, allowed)]
    return pressed, found


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_error_texts_in_chinese_have_no_english(entry, sqlite_url, who):
    """The messages people trigger (an empty description, a wrong code, a missing name, a file
    that is not one) are Chinese as well."""
    at = AppTest.from_file(str(entry), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    _sign_in(at, sqlite_url, who)
    allowed = ALLOWED | user_words(sqlite_url)
    found: list[str] = []
    pressed = errors = 0
    for page, params in PAGES:
        if params.get("view") == "projector":
            continue
        for key in list(at.query_params):
            del at.query_params[key]
        for k, v in params.items():
            at.query_params[k] = v
        at.switch_page(f"cocreate_map/ui/pages/{page}")
        at.run()
        for uploader in at.file_uploader:  # a "GeoJSON" that is not one
            uploader.set_value(("broken.geojson", b"{not json", "application/geo+json"))
        at.run()
        n, leaked = _press_everything(at, allowed, f"{page}{params or ''}")
        pressed += n
        errors += len(at.error)
        found += leaked
    assert pressed > 20 and errors > 0, (pressed, errors)
    assert not found, "\n".join(dict.fromkeys(found))
