"""What the works page (ui/pages/works.py) shows: every work on the map and as a list, and one
work with its scope, status, money, milestones with photos, resident supervisors and the marks
that follow it. A household volunteers as a supervisor through ``ui/feedback.act``; signed-in
staff get the work's tools (ui/work_forms.py). Every text is escaped."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from cocreate_map import services
from cocreate_map.domain.works import yuan_text
from cocreate_map.errors import NotFound
from cocreate_map.services import works as work_service
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.db import transaction
from cocreate_map.ui import state, widgets, work_forms, work_maps
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import act
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

PAGE_STYLE = """<style>
    .stButton button, .stFormSubmitButton button {min-height: 3rem;}
    .stButton button p, .stFormSubmitButton button p {font-size: 1.15rem;}
    [data-testid="stMarkdownContainer"] p {font-size: 1.08rem;}
    </style>"""


def page_staff(community_id: int) -> StaffIdentity | None:
    """The staff member signed in on this browser, if they may work in this community."""
    staff = st.session_state.get(state.STAFF)
    return staff if isinstance(staff, StaffIdentity) and staff.may_work_in(community_id) else None


def open_work(work_id: int | None) -> None:
    """Open one work (None: back to the list)."""
    st.query_params.pop("view", None)
    if work_id is None:
        st.query_params.pop("work", None)
    else:
        st.query_params["work"] = str(work_id)


def open_story(work_id: int) -> None:
    """Open a work's decision story."""
    st.query_params["work"] = str(work_id)
    st.query_params["view"] = "story"


def status_label(w: work_service.WorkInfo) -> str:
    """The work's status in the reader's language."""
    return t(f"works.status.{w.status.value}")


def money_box(session: Session, w: work_service.WorkInfo) -> None:
    """Budget, spent (approved expenses only), awaiting approval, and volunteer labour in kind
    (services.funds.work_money); the ledger page has the receipts."""
    from cocreate_map.services.funds import work_money

    money = work_money(session, w.id)
    with st.container(border=True):
        cols = st.columns(3)
        cols[0].metric(t("works.budget"), f"¥{yuan_text(money.budget_fen)}")
        cols[1].metric(t("works.spent"), f"¥{yuan_text(money.spent_fen)}")
        cols[2].metric(t("works.in_kind"), f"¥{yuan_text(money.in_kind_fen)}")
        if money.budget_fen:
            share = min(1.0, money.spent_fen / money.budget_fen)
            st.progress(share, text=t("works.spent_share", pct=f"{share * 100:.0f}"))
        if money.pending_fen:
            st.caption(t("works.pending", amount=yuan_text(money.pending_fen)))
        st.caption(t("works.money_caption"))


def facts(w: work_service.WorkInfo) -> list[str]:
    """Where a work comes from, where it is, its plan and its contractor, one line each."""
    out = []
    if w.source.value == "ballot" and w.ballot_id is not None:
        out.append(
            t("works.from_ballot", id=w.ballot_id, option=w.option_name)
            if w.option_name
            else t("works.from_ballot_plain", id=w.ballot_id)
        )
    else:
        out.append(t(f"works.from_{w.source.value}"))
    out.append(
        t("works.buildings", b=t("works.list_sep").join(w.buildings))
        if w.buildings
        else t("works.whole_community")
    )
    plan = t("works.plan_none")
    if w.planned_start or w.planned_end:
        plan = f"{w.planned_start or '?'} – {w.planned_end or '?'}"
    out.append(f"{t('works.plan')}: {plan}")
    out.append(f"{t('works.contractor')}: {w.contractor or t('works.contractor_none')}")
    return out


def author_label(author: str) -> str:
    """Who posted a milestone."""
    name = author.removeprefix("staff:")
    return t("works.staff_author", name=name)


def head(session: Session, w: work_service.WorkInfo) -> None:
    """A work's title, category, status and progress, the story button and its money."""
    st.title(w.title)
    st.markdown(f"**{t(f'works.category.{w.category.value}')}** · **{status_label(w)}**")
    st.progress(w.progress_pct / 100, text=t("works.progress_n", n=w.progress_pct))
    st.button(
        t("story.open"), key=f"works_story_{w.id}", on_click=open_story, args=(w.id,),
        icon=":material/timeline:", type="primary", width="stretch",
    )  # fmt: skip
    money_box(session, w)


def show_detail(slug: str, community_id: int, staff: StaffIdentity | None, work_id: int) -> None:
    """One work: scope, status, money, milestones with photos, supervisors, the marks that
    follow it, and the signed-in staff member's tools."""
    st.button(t("works.back"), icon=":material/arrow_back:", on_click=open_work, args=(None,))
    found: list[tuple[work_service.WorkDetail, Any, dict[int, list[bytes]]]] = []

    def read(session: Session) -> None:
        d = work_service.work_detail(session, work_id)
        if d.work.community_id != community_id:
            raise NotFound(key="works.not_found", id=work_id)
        base = services.map_data(session, slug)
        photos = {
            m.id: [work_service.photo(session, p).data for p in m.photo_ids] for m in d.milestones
        }
        head(session, d.work)
        found.append((d, base, photos))

    if not act(
        read, refused=lambda exc: st.warning(exc.render(lang(), page=True), icon=":material/info:")
    ):
        return
    d, base, photos = found[0]
    w = d.work
    if w.status.value in ("completed", "accepted") or w.reopen_reason:
        st.page_link(
            "cocreate_map/ui/pages/evaluate.py", label=t("works.rate_link"),
            icon=":material/reviews:",
            query_params={"community": slug, "lang": lang(), "work": str(w.id)},
        )  # fmt: skip
    if w.reopen_reason and w.status.value == "in_progress":
        st.info(
            f"{t('works.reopened')} {escape_markdown(w.reopen_reason)}", icon=":material/build:"
        )
    if w.description:
        st.markdown(escape_markdown(w.description))
    for line in facts(w):
        st.markdown(f"- {escape_markdown(line)}")
    if w.scope is not None:
        work_maps.render_works_map(
            base, [w], lang(), slug, key=f"works_detail_map_{w.id}", focus=w.scope,
            legend=False, height=300,
        )  # fmt: skip
    else:
        st.caption(t("works.not_on_map"))
    st.markdown(f"#### {t('works.milestones', n=len(d.milestones))}")
    if not d.milestones:
        st.caption(t("works.no_milestones"))
    for m in reversed(d.milestones):
        with st.container(border=True):
            st.caption(
                t("works.milestone_by", who=escape_markdown(author_label(m.author)),
                  day=m.happened_on.isoformat(), n=m.progress_pct)
            )  # fmt: skip
            st.markdown(escape_markdown(m.text))
            for data in photos.get(m.id, []):
                st.image(data, width="stretch")
    supervisors_block(slug, d)
    marks_block(slug, d)
    if staff is not None:
        work_forms.work_tools(staff, d)
    else:
        st.page_link(
            "cocreate_map/ui/pages/works_staff.py", label=t("works.staff_link"),
            icon=":material/engineering:", query_params={"community": slug, "lang": lang()},
        )  # fmt: skip


def supervisors_block(slug: str, d: work_service.WorkDetail) -> None:
    """The work's resident supervisors; a signed-in household may volunteer."""
    st.markdown(f"#### {t('works.supervisors', n=len(d.supervisors))}")
    if d.supervisors:
        names = [
            escape_markdown(s.public_name)
            if s.public_name
            else t("works.supervisor_anon", b=s.building)
            for s in d.supervisors
        ]
        st.markdown(t("works.list_sep").join(names))
    else:
        st.caption(t("works.no_supervisors"))
    if d.work.status.value not in ("planned", "in_progress"):
        return
    me = widgets.household_gate(slug, form_key="works_join", required=False, compact=True)
    if me is None:
        st.caption(t("works.join_to_volunteer"))
        return
    if any(s.household_id == me["id"] for s in d.supervisors):
        st.success(t("works.you_supervise"), icon=":material/visibility:")
        return
    with st.form(f"works_volunteer_{d.work.id}"):
        name = st.text_input(t("works.volunteer_name"), max_chars=30)
        if st.form_submit_button(t("works.volunteer"), type="primary", width="stretch"):
            if act(lambda s: work_service.volunteer(s, d.work.id, me["id"], public_name=name)):
                st.toast(t("works.volunteered"))
                st.rerun()


def marks_block(slug: str, d: work_service.WorkDetail) -> None:
    """Links to the residents' marks the work follows."""
    if not d.marks:
        return
    st.markdown(f"#### {t('works.marks', n=len(d.marks))}")
    for m in d.marks:
        text = m.text if len(m.text) <= 60 else m.text[:59] + "…"
        st.page_link(
            "cocreate_map/ui/pages/marks.py",
            label=f"{t(f'category.{m.category.value}')} · {t(f'mark_status.{m.status.value}')} · {text}",
            icon=":material/location_on:",
            query_params={"community": slug, "lang": lang(), "mark": str(m.id)},
        )


def show_list(slug: str) -> None:
    """Every work on the map and as a list with progress bars."""
    st.title(t("works.title"))
    st.caption(t("works.intro"))
    with transaction(engine()) as session:
        works = work_service.list_works(session, slug)
        base = services.map_data(session, slug)
    if not works:
        st.info(t("works.none"), icon=":material/construction:")
    events = work_maps.render_works_map(
        base, works, lang(), slug, key="works_map", height=440, tap=True
    )
    tapped = work_maps.tapped_work(events, works)
    seen = repr(events.get("last_object_clicked"))
    if tapped is not None and st.session_state.get(state.WORKS_MAP_TAPPED) != seen:
        st.session_state[state.WORKS_MAP_TAPPED] = (
            seen  # st_folium repeats its last answer on every rerun
        )
        open_work(tapped)
        st.rerun()
    st.session_state[state.WORKS_MAP_TAPPED] = seen
    st.caption(t("works.tap_hint"))
    if works:
        st.markdown(f"#### {t('works.list', n=len(works))}")
    for w in works:
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(w.title)}**")
            st.caption(
                f"{t(f'works.category.{w.category.value}')} · {status_label(w)} · "
                f"{t('works.budget')} ¥{yuan_text(w.budget_fen)}"
            )
            st.progress(w.progress_pct / 100, text=t("works.progress_n", n=w.progress_pct))
            st.button(
                t("works.open"), key=f"works_open_{w.id}", on_click=open_work, args=(w.id,),
                icon=":material/chevron_right:", width="stretch",
            )  # fmt: skip
    st.page_link(
        "cocreate_map/ui/pages/works_staff.py", label=t("works.staff_link"),
        icon=":material/engineering:", query_params={"community": slug, "lang": lang()},
    )  # fmt: skip
