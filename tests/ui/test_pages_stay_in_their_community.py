"""AppTest: a link that names community A and carries an id of community B (``?community=A&
work=<B's work>``, ``&mark=<B's mark>``) finds nothing: the page confines its transactions to A
(widgets.current_community → storage/scope.py), so B's row is "not found" on A's page and
opens normally on B's."""

from __future__ import annotations

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.services import marks as mark_service
from cocreate_map.services import works as work_service
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from tests.ui.pages import ROOT, open_page

A, B = services.DEMO_SLUG, "second-estate"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    engine = migrated_engine(sqlite_url)
    services.ensure_demo(engine)
    with transaction(engine) as s:
        services.load_demo(s, B)
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def b_ids(url):
    with transaction(make_engine(url)) as s:
        work = work_service.list_works(s, B)[0]
        mark = next(iter(mark_service.list_marks(s, B, staff=local_admin())))
        return work, mark


def shown(at) -> str:
    return " ".join(
        [m.value for m in at.markdown]
        + [e.value for e in at.warning]
        + [e.value for e in at.error]
        + [e.value for e in at.info]
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_work_of_b_is_not_found_on_a_page(entry, sqlite_url, lang):
    work, _mark = b_ids(sqlite_url)
    at = open_page(
        entry, "cocreate_map/ui/pages/works.py", community=A, work=str(work.id), lang=lang
    )
    text = shown(at)
    if lang == "zh":
        assert f"没有编号为 {work.id} 的工程项目" in text and "别的社区" in text
    else:
        assert f"There is no work {work.id} here" in text and "another community" in text
    assert work.title not in [t.value for t in at.title]
    # the same link under B's own name opens the work
    at = open_page(
        entry, "cocreate_map/ui/pages/works.py", community=B, work=str(work.id), lang=lang
    )
    assert work.title in " ".join(h.value for h in [*at.header, *at.subheader, *at.title])


def test_a_mark_of_b_is_not_found_on_a_page(entry, sqlite_url):
    _work, mark = b_ids(sqlite_url)
    at = open_page(entry, "cocreate_map/ui/pages/marks.py", community=A, mark=str(mark.id))
    text = shown(at)
    assert mark.text not in text
    at = open_page(entry, "cocreate_map/ui/pages/marks.py", community=B, mark=str(mark.id))
    assert mark.text in shown(at)
