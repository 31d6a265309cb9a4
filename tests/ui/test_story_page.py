"""AppTest of the decision story page (issue 14.3) on a fresh SQLite database with the demo: the
wall work's page has the button to its story; the story shows the 11栋 mark with its "me too",
the ballot's binding outcome with both measures, the milestones, the money and every receipt
line, in Chinese and in English; the finished first phase shows its ratings; a work of another
community or an unknown id is "not found" in the reader's language; the works map's popup links
to the story; the projector has the story panel."""

from __future__ import annotations

import json

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.domain.works import yuan_text
from cocreate_map.services import evaluation as E
from cocreate_map.services import story as story_service
from cocreate_map.services import works as work_service
from cocreate_map.services.demo.evaluation import PHASE_ONE
from cocreate_map.services.demo.works import WALL_WORK
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from cocreate_map.ui.escape import escape_markdown
from tests.ui.pages import ROOT, open_page, press

WORKS = "cocreate_map/ui/pages/works.py"
MEETING = "cocreate_map/ui/pages/meeting.py"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    services.ensure_demo(migrated_engine(sqlite_url))
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def story_of(url, title):
    with transaction(make_engine(url)) as s:
        wid = next(w.id for w in work_service.list_works(s, services.DEMO_SLUG) if w.title == title)
        return story_service.work_story(s, wid), E.work_ratings(s, wid)


def page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]
    parts += [c.value for c in at.caption] + [s.value for s in at.success]
    return " ".join(parts)


def test_the_wall_story_from_the_work_page(entry, sqlite_url):
    story, _ = story_of(sqlite_url, WALL_WORK)
    at = open_page(entry, WORKS, work=str(story.work.id))
    press(at, "看这件事的来龙去脉")
    assert at.query_params["view"] == ["story"] or at.query_params["view"] == "story"
    assert at.title[0].value == WALL_WORK
    text = page_text(at)
    [mark] = story.marks
    assert escape_markdown(mark.text) in text and f"我也是 {mark.supports} 人" in text
    # the binding outcome is the headline, with both measures beside it
    assert at.success and "胜出：棉花白" in at.success[0].value
    assert "按户数" in text and "按面积" in text
    b = story.ballot
    assert b is not None
    assert f"同意 {b.counts.agreeing_households}，参与 {b.counts.participating_households}" in text
    assert "m²" in text
    # milestones, money and each receipt line
    assert all(escape_markdown(m.text) in text for m in story.milestones)
    money = {m.label: m.value for m in at.metric}
    assert money["预算"] == f"¥{yuan_text(story.money.budget_fen)}"
    assert money["已支出"] == f"¥{yuan_text(story.money.spent_fen)}"
    for r in story.money.receipts:
        assert f'data-entry="{r.entry_id}"' in text and r.receipt_no in text
    assert "待审核" in text and "已冲正" in text
    # back to the work
    press(at, "回到工程项目")
    assert "view" not in at.query_params
    assert any(b.label == "看这件事的来龙去脉" for b in at.button)


def test_the_finished_phase_story_in_english_has_its_ratings(entry, sqlite_url):
    story, ratings = story_of(sqlite_url, PHASE_ONE)
    at = open_page(entry, WORKS, work=str(story.work.id), view="story", lang="en")
    assert not at.exception
    text = page_text(at)
    sm = ratings.summary
    assert "What residents said (0)" in text and "Residents' ratings" in text
    assert f"{sm.satisfied} satisfied (4–5 stars) of {sm.rated} who rated" in text
    assert f"{sm.rated} of {sm.households} households rated" in text
    assert sm.average_text in text
    assert "No spending booked on this work yet." in text
    assert "passed" in at.success[0].value.lower() or "adopted" in at.success[0].value.lower()


@pytest.mark.parametrize(("lang", "words"), [("zh", "没有编号为"), ("en", "There is no work")])
def test_an_unknown_work_story_is_not_found_in_the_readers_language(entry, lang, words):
    at = open_page(entry, WORKS, work="999999", view="story", lang=lang)
    assert at.warning and words in at.warning[0].value


def test_the_works_map_popup_links_to_the_story(entry, sqlite_url):
    story, _ = story_of(sqlite_url, WALL_WORK)
    at = open_page(entry, WORKS)
    found = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    script = json.loads(found[0].proto.json_args)["script"]
    link = f"/works?work={story.work.id}&view=story&community={services.DEMO_SLUG}&lang=zh"
    for form in (link.replace("&", "&amp;"), link.replace("&", "\\u0026amp;")):
        if form in script:
            break
    else:
        pytest.fail(f"no story link {link} in the works layer")
    assert json.dumps("来龙去脉")[1:-1] in script or "来龙去脉" in script


def test_the_projector_story_panel(entry, sqlite_url):
    story, ratings = story_of(sqlite_url, PHASE_ONE)
    at = open_page(
        entry, MEETING, community=services.DEMO_SLUG, view="projector", panel="story",
        work=str(story.work.id),
    )  # fmt: skip
    html = " ".join(h.proto.body for h in at.get("html"))
    assert PHASE_ONE in html and "cc-story-panel" in html
    assert ratings.summary.average_text in html and 'class="cc-fig' in html


def test_anyone_prints_the_story_notice_from_the_page(entry, sqlite_url, tmp_path):
    """The page's 做一张公示单 button makes the same notice-board PDF as `cocreate story ID --out`
    (a visitor may: it shows what the page shows), with the work's title in the text layer."""
    import subprocess

    story, _ = story_of(sqlite_url, WALL_WORK)
    at = open_page(entry, WORKS, work=str(story.work.id), view="story")
    assert not at.get("download_button")  # made on request only
    press(at, "做一张公示单（PDF，可打印贴到公告栏）")
    [download] = [b for b in at.get("download_button") if b.proto.label == "下载公示单 PDF"]
    assert download.proto.url  # the file is served by the media manager
    pdf = at.session_state[f"story_pdf_{story.work.id}"]
    assert pdf.startswith(b"%PDF")
    out = tmp_path / "story.pdf"
    out.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert WALL_WORK in text and "成果共享" in text
