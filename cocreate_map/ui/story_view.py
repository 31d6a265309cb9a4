"""The decision story page (成果共享, issue 14.3): ``/works?work=ID&view=story``.

One adopted decision from the first mark to the last receipt, phone first (one column on a
phone, two at a desk or a projector): the residents' marks with their "me too", the options and
their metrics, the ballot's binding result with both measures, the work with its milestones and
photos, the money with every receipt line, and the households' ratings. Everything comes from
:func:`cocreate_map.services.story.work_story` in one transaction; every resident-supplied string
is escaped (DESIGN §5).
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import streamlit as st

from cocreate_map import decision_text
from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.evaluation import percent_text
from cocreate_map.domain.voting import percent
from cocreate_map.domain.works import yuan_text
from cocreate_map.errors import CocreateError, NotFound
from cocreate_map.io.limits import heavy_job
from cocreate_map.io.reports_story import story_notice
from cocreate_map.services import funds as funds_service
from cocreate_map.services import story as story_service
from cocreate_map.services import works as work_service
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow
from cocreate_map.ui.address import page_address
from cocreate_map.ui.escape import escape_markdown, escape_text
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

#: milestone photos shown on the page (the others are on the work's own page)
MAX_PHOTOS = 2

CSS = """<style>
.cc-story-steps {display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 12px 0;}
.cc-story-step {border: 2px solid #333; border-radius: 22px; padding: 6px 14px; font-size: 17px;
  background: #fff; color: #111; min-height: 44px; display: inline-flex; align-items: center;}
.cc-story-step.done {background: #E3F2EA; border-color: #007A4D;}
.cc-story-step.none {border-style: dashed; color: #555;}
.cc-story-fig {font-size: 30px; font-weight: 800; line-height: 1.15; color: #000;}
.cc-story-sub {font-size: 17px; color: #333;}
.cc-story-receipt {display: flex; justify-content: space-between; gap: 12px; font-size: 17px;
  border-bottom: 1px solid #bbb; padding: 8px 0; min-height: 44px; align-items: center;}
.cc-story-receipt .amt {font-weight: 800; white-space: nowrap;}
.cc-story-receipt.off {color: #666; text-decoration: line-through;}
</style>"""


def _pct(x: Fraction) -> str:
    return f"{percent(x)} %"


def _choice(choice: str) -> str:
    return t(f"choice.{choice}") if choice in ("yes", "no", "abstain") else choice


def _area(x: Fraction) -> str:
    return f"{float(x):,.2f} m²"


def _stars(avg: Fraction | None) -> str:
    if avg is None:
        return "—"
    full = int(avg + Fraction(1, 2))
    return "★" * full + "☆" * (5 - full)


def _steps(s: story_service.Story) -> str:
    """The path of the decision as six labelled steps; a step that did not happen is dashed."""
    r = s.ratings.summary
    done = s.work.status.value in ("completed", "accepted")
    steps = [
        ("marks", bool(s.marks), t("story.step.marks", n=len(s.marks))),
        ("options", bool(s.options), t("story.step.options", n=len(s.options))),
        ("ballot", s.ballot is not None, t("story.step.ballot")),
        ("work", True, t(f"works.status.{s.work.status.value}")),
        ("money", bool(s.money.receipts), t("story.step.money", n=len(s.money.receipts))),
        ("ratings", done and r.rated > 0, t("story.step.ratings", n=r.rated)),
    ]
    chips = "".join(
        f'<span class="cc-story-step {"done" if ok else "none"}" data-step="{key}">'
        f"{i}. {escape_text(text)}</span>"
        for i, (key, ok, text) in enumerate(steps, 1)
    )
    return f'<div class="cc-story-steps">{chips}</div>'


def marks_section(s: story_service.Story) -> None:
    st.markdown(f"### {t('story.marks', n=len(s.marks))}")
    if not s.marks:
        st.caption(t(f"story.marks_none.{s.work.source.value}"))
        return
    st.caption(t("story.marks_total", supports=s.supports))
    for m in s.marks:
        with st.container(border=True):
            where = t("story.building", b=m.building) if m.building else ""
            st.markdown(
                f"**{t(f'category.{m.category.value}')}** · {t(f'mark_status.{m.status.value}')}"
                + (f" · {escape_markdown(where)}" if where else "")
            )
            st.markdown(escape_markdown(m.text))
            st.markdown(f":material/thumb_up: **{t('story.supports', n=m.supports)}**")


def options_section(s: story_service.Story) -> None:
    if not s.options:
        return
    st.markdown(f"### {t('story.options', n=len(s.options))}")
    for o in s.options:
        with st.container(border=True):
            flag = f" · :material/check_circle: **{t('story.adopted')}**" if o.adopted else ""
            st.markdown(f"**{escape_markdown(o.name)}**{flag}")
            if o.description:
                st.caption(escape_markdown(o.description))
            lines = []
            for m in o.metrics:
                if m.value is None:
                    continue
                shown = (
                    f"{m.value:,.1f}"
                    if m.key == "fire_lane_min_clear_width_m"
                    else f"{m.value:,.0f}"
                )
                delta = ""
                if m.before is not None and abs(m.value - m.before) > 1e-9:
                    d = m.value - m.before
                    delta = (
                        f" ({d:+,.1f})"
                        if m.key == "fire_lane_min_clear_width_m"
                        else f" ({d:+,.0f})"
                    )
                lines.append(f"- {t(f'story.metric.{m.key}')}: **{shown}**{delta}")
            st.markdown("\n".join(lines))


def ballot_section(s: story_service.Story) -> None:
    st.markdown(f"### {t('story.ballot')}")
    b = s.ballot
    if b is None:
        st.caption(t(f"story.ballot_none.{s.work.source.value}"))
        return
    st.markdown(f"**#{b.id} {escape_markdown(b.title)}**")
    st.caption(
        t(
            "results.voting_period",
            opens=china_time(b.opens_at) or "—",
            closes=china_time(b.closed_at) or "—",
        )
    )
    d = b.decision
    box = {"passed": st.success, "rejected": st.error, "invalid": st.warning}[d.outcome]
    box(f"**{escape_markdown(decision_text.headline(lang(), d, _choice))}**")
    consultation = decision_text.consultation_text(lang(), d)
    if consultation:
        st.info(escape_markdown(consultation), icon=":material/forum:")
    c = b.counts
    heads, area = st.columns(2)
    with heads, st.container(border=True):
        st.markdown(f"**{t('story.by_households')}**")
        st.html(
            f'<div class="cc-story-fig">{_pct(b.approval_households)}</div>'
            f'<div class="cc-story-sub">{escape_text(t("story.agree_of", n=c.agreeing_households, of=c.participating_households))}</div>'
            f'<div class="cc-story-sub">{escape_text(t("story.took_part", n=c.participating_households, of=c.households, pct=_pct(b.participation_households)))}</div>'
        )
    with area, st.container(border=True):
        st.markdown(f"**{t('story.by_area')}**")
        st.html(
            f'<div class="cc-story-fig">{_pct(b.approval_area)}</div>'
            f'<div class="cc-story-sub">{escape_text(t("story.agree_of", n=_area(c.agreeing_area_m2), of=_area(c.participating_area_m2)))}</div>'
            f'<div class="cc-story-sub">{escape_text(t("story.took_part", n=_area(c.participating_area_m2), of=_area(c.area_m2), pct=_pct(b.participation_area)))}</div>'
        )
    rows = [
        f"- {escape_markdown(_choice(x.choice))}: **{t('results.n_households', n=x.households)}** · "
        f"{_area(x.area_m2)}" + (" :material/check_circle:" if x.choice == d.winner else "")
        for x in b.choices
        if x.households or x.choice != "abstain"
    ]
    st.markdown("\n".join(rows))
    if b.adopted:
        st.caption(t("story.adopted_choice", choice=escape_markdown(_choice(b.adopted))))
    st.page_link(
        "cocreate_map/ui/pages/results.py", label=t("story.to_results"), icon=":material/bar_chart:",
        query_params={"community": s.slug, "lang": lang(), "ballot": str(b.id)},
    )  # fmt: skip


def work_section(s: story_service.Story, photos: dict[int, list[bytes]]) -> None:
    w = s.work
    st.markdown(f"### {t('story.work')}")
    st.markdown(
        f"**{t(f'works.category.{w.category.value}')}** · **{t(f'works.status.{w.status.value}')}**"
    )
    st.progress(w.progress_pct / 100, text=t("works.progress_n", n=w.progress_pct))
    if w.reopen_reason and w.status.value == "in_progress":
        st.info(
            f"{t('works.reopened')} {escape_markdown(w.reopen_reason)}", icon=":material/build:"
        )
    if w.contractor:
        st.caption(f"{t('works.contractor')}: {escape_markdown(w.contractor)}")
    if not s.milestones:
        st.caption(t("works.no_milestones"))
    shown = 0
    for m in reversed(s.milestones):
        with st.container(border=True):
            st.caption(f"{m.happened_on.isoformat()} · {t('works.progress_n', n=m.progress_pct)}")
            st.markdown(escape_markdown(m.text))
            for data in photos.get(m.id, []):
                if shown < MAX_PHOTOS:
                    st.image(data, width="stretch")
                    shown += 1
    if s.photos > shown:
        st.caption(t("story.more_photos", n=s.photos - shown))


def money_section(s: story_service.Story, receipt_photos: dict[int, list[bytes]]) -> None:
    money = s.money
    st.markdown(f"### {t('story.money')}")
    cols = st.columns(3)
    cols[0].metric(t("works.budget"), f"¥{yuan_text(money.budget_fen)}")
    cols[1].metric(t("works.spent"), f"¥{yuan_text(money.spent_fen)}")
    cols[2].metric(t("works.in_kind"), f"¥{yuan_text(money.in_kind_fen)}")
    share = money.spent_share
    if share is not None:
        st.progress(
            float(min(share, 1)), text=t("works.spent_share", pct=f"{float(share) * 100:.0f}")
        )
    if money.pending_fen:
        st.caption(t("works.pending", amount=yuan_text(money.pending_fen)))
    if money.verified_quarters:
        st.caption(t("story.in_kind_hours", h=f"{money.verified_quarters / 4:g}"))
    st.markdown(f"**{t('story.receipts', n=len(money.receipts))}**")
    if not money.receipts:
        st.caption(t("story.receipts_none"))
    lines = []
    for r in money.receipts:
        sign = "+" if r.status == "reversal" else ""
        state = t(f"funds.status.{r.status}") if r.status != "counted" else ""
        who = escape_text(r.payee or "—")
        no = escape_text(r.receipt_no) if r.receipt_no else t("story.no_receipt_no")
        cls = "off" if r.status in ("reversed", "reversal") else r.status
        lines.append(
            f'<div class="cc-story-receipt {cls}" data-entry="{r.entry_id}">'
            f"<span>{r.occurred_on or '—'} · {who} · {t('story.receipt_no', no=no)}"
            + (f" · {escape_text(state)}" if state else "")
            + (f"<br><small>{escape_text(r.note)}</small>" if r.note else "")
            + f'</span><span class="amt">{sign}¥{yuan_text(r.amount_fen)}</span></div>'
        )
    if lines:
        st.html("".join(lines))
    with_photos = [r for r in money.receipts if receipt_photos.get(r.entry_id)]
    if with_photos:
        with st.expander(t("story.receipt_photos", n=len(with_photos))):
            for r in with_photos:
                st.caption(f"{escape_markdown(r.receipt_no or '—')} · ¥{yuan_text(r.amount_fen)}")
                for data in receipt_photos[r.entry_id]:
                    st.image(data, width="stretch")
    st.page_link(
        "cocreate_map/ui/pages/funds.py", label=t("story.to_funds"),
        icon=":material/account_balance_wallet:", query_params={"community": s.slug, "lang": lang()},
    )  # fmt: skip


def ratings_section(s: story_service.Story) -> None:
    r = s.ratings
    sm = r.summary
    st.markdown(f"### {t('story.ratings')}")
    if s.work.status.value not in ("completed", "accepted") or not sm.rated:
        key = (
            "story.ratings_later"
            if s.work.status.value not in ("completed", "accepted")
            else "story.ratings_none"
        )
        st.caption(t(key, n=sm.households))
        return
    left, right = st.columns(2)
    avg = sm.average
    with left, st.container(border=True):
        st.html(
            f'<div class="cc-story-fig" aria-label="{sm.average_text}">{_stars(avg)} {sm.average_text}</div>'
            f'<div class="cc-story-sub">{escape_text(t("story.average", n=sm.rated))}</div>'
        )
    with right, st.container(border=True):
        sat = sm.satisfaction
        st.html(
            f'<div class="cc-story-fig">{percent_text(sat) or "—"} %</div>'
            f'<div class="cc-story-sub">{escape_text(t("story.satisfied", n=sm.satisfied, of=sm.rated))}</div>'
            f'<div class="cc-story-sub">{escape_text(t("story.responded", n=sm.rated, of=sm.households, pct=(percent_text(sm.response) or "—")))}</div>'
        )
    rows = [
        f"- {t('story.building', b=g.key)}: {t('story.building_rated', n=g.rated, of=g.households)}"
        + (f" · ★ {g.average_text}" if g.average_text else "")
        for g in sm.by_building
    ]
    st.markdown("\n".join(rows))
    if r.contests:
        st.caption(t("story.contests", n=r.contests))
    for c in r.comments[:5]:
        st.markdown(
            f"> {'★' * c.stars} {escape_markdown(c.text)} — {t('story.building', b=c.building)}"
        )


def print_section(s: Any) -> None:
    """A notice-board PDF of the story (the same one as ``cocreate story ID --out``): anyone may
    print what the page shows. Its QR code links to the address phones can open."""
    key = f"story_pdf_{s.work.id}"
    if st.button(t("story.make_pdf"), icon=":material/print:", key=f"{key}_make"):
        address = page_address()
        try:
            # a visitor may make one too: it takes one of the process's heavy-job slots
            with heavy_job(t("story.pdf_name")), tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "story.pdf"
                story_notice(s, address.url, out, utcnow())
                st.session_state[key] = out.read_bytes()
        except CocreateError as exc:
            st.warning(exc.render(lang()), icon=":material/hourglass_top:")
        if address.loopback:
            st.warning(t("story.pdf_loopback"), icon=":material/info:")
    if st.session_state.get(key):
        st.download_button(
            t("story.download_pdf"), st.session_state[key], file_name=f"work-{s.work.id}-story.pdf",
            mime="application/pdf", icon=":material/download:", key=f"{key}_download",
        )  # fmt: skip


def show_story(work_id: int, community_id: int, back: Any) -> None:
    """The story page of ``work_id`` (a work of the community shown, else "not found")."""
    st.html(CSS)
    st.button(t("story.back"), icon=":material/arrow_back:", on_click=back, key="story_back")
    try:
        with transaction(engine()) as session:
            s = story_service.work_story(session, work_id)
            if s.work.community_id != community_id:
                raise NotFound(key="works.not_found", id=work_id)
            photos = {
                m.id: [work_service.photo(session, p).data for p in m.photo_ids]
                for m in s.milestones
            }
            receipt_photos = {
                r.entry_id: [funds_service.photo(session, p).data for p in r.photo_ids]
                for r in s.money.receipts
            }
    except CocreateError as exc:
        st.warning(exc.render(lang()), icon=":material/info:")
        return
    st.caption(t("story.kicker"))
    st.title(s.work.title)
    st.html(_steps(s))
    if s.work.description:
        st.markdown(escape_markdown(s.work.description))
    marks_section(s)
    options_section(s)
    ballot_section(s)
    left, right = st.columns(2)
    with left:
        work_section(s, photos)
    with right:
        money_section(s, receipt_photos)
    ratings_section(s)
    print_section(s)
