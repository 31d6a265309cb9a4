"""Staff forms for works: create (from a passed ballot, adopted marks or chosen buildings), edit,
start / complete / accept / reopen, and post a milestone with photos. Every action runs through
``ui/feedback.act``; the use cases check the signed-in identity (services/access.require_staff),
so a form shown to the wrong person still writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from cocreate_map.domain import works as dom
from cocreate_map.domain.annotations import Role
from cocreate_map.services import works as work_service
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.ui import state
from cocreate_map.ui.feedback import act
from cocreate_map.ui.state import t

NOTICE = state.WORKS_NOTICE


def _yuan(text: str) -> int:
    return dom.parse_yuan(text) if text.strip() else 0


def notice() -> None:
    msg = st.session_state.pop(NOTICE, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def _done(msg: str) -> None:
    st.session_state[NOTICE] = msg
    st.rerun()


def work_tools(who: StaffIdentity, d: work_service.WorkDetail) -> None:
    """The actions a signed-in staff member may take on one work."""
    w = d.work
    manage = dom.can_manage(who.role)
    post = dom.can_post_milestone(who.role, who.buildings, w.buildings)
    if not (manage or post):
        return
    st.markdown(f"#### {t('works.staff_tools')}")
    notice()
    if manage and d.allowed_actions:
        reason = ""
        if dom.Action.REOPEN in d.allowed_actions:
            reason = st.text_input(t("works.reason"), key=f"works_reason_{w.id}", max_chars=300)
        cols = st.columns(len(d.allowed_actions))
        for col, action in zip(cols, d.allowed_actions, strict=True):
            if col.button(
                t(f"works.action.{action.value}"), key=f"works_{action.value}_{w.id}",
                type="primary" if action is not dom.Action.REOPEN else "secondary",
                width="stretch",
            ):  # fmt: skip
                if act(
                    lambda s, a=action: work_service.apply_action(
                        s, w.id, a, who=who, reason=reason or None
                    )
                ):
                    _done(t("works.done"))
    if post and w.status in dom.OPEN_FOR_MILESTONES:
        milestone_form(who, w)
    if manage:
        edit_form(who, w)


def milestone_form(who: StaffIdentity, w: work_service.WorkInfo) -> None:
    with st.expander(t("works.milestone_new"), icon=":material/add_photo_alternate:"):
        with st.form(f"works_milestone_{w.id}", clear_on_submit=True):
            text = st.text_area(t("works.milestone_text"), max_chars=dom.TEXT_MAX_CHARS)
            pct = st.slider(t("works.milestone_progress"), 0, 100, w.progress_pct, step=5)
            day = st.date_input(t("works.milestone_date"), value=date.today())
            files = st.file_uploader(
                t("works.milestone_photos"), type=["jpg", "jpeg", "png", "webp"],
                accept_multiple_files=True,
            )  # fmt: skip
            if st.form_submit_button(t("works.milestone_send"), type="primary"):
                photos = [f.getvalue() for f in files or []]
                if act(
                    lambda s: work_service.post_milestone(
                        s, w.id, text, int(pct), who=who, happened_on=day, photos=photos
                    )
                ):
                    _done(t("works.milestone_done"))


def edit_form(who: StaffIdentity, w: work_service.WorkInfo) -> None:
    with st.expander(t("works.edit"), icon=":material/edit:"):
        with st.form(f"works_edit_{w.id}"):
            title = st.text_input(t("works.field_title"), w.title, max_chars=dom.TITLE_MAX_CHARS)
            classes = {c.value: t(f"works.category.{c.value}") for c in dom.RenovationClass}
            category = st.selectbox(
                t("works.field_category"), list(classes), index=list(classes).index(w.category.value),
                format_func=classes.__getitem__,
            )  # fmt: skip
            budget = st.text_input(t("works.field_budget"), format_yuan_or_empty(w.budget_fen))
            contractor = st.text_input(t("works.field_contractor"), w.contractor)
            c1, c2 = st.columns(2)
            start = c1.date_input(t("works.field_start"), value=w.planned_start)
            end = c2.date_input(t("works.field_end"), value=w.planned_end)
            description = st.text_area(t("works.field_description"), w.description)
            if st.form_submit_button(t("works.save"), type="primary"):
                if act(
                    lambda s: work_service.update_work(
                        s, w.id, who=who, title=title, category=category,
                        budget_fen=_yuan(budget), contractor=contractor,
                        planned_start=_day(start), planned_end=_day(end),
                        description=description,
                    )
                ):  # fmt: skip
                    _done(t("works.done"))


def format_yuan_or_empty(fen: int) -> str:
    return dom.format_yuan(fen) if fen else ""


def _day(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def create_form(
    who: StaffIdentity,
    slug: str,
    ballots: list[tuple[int, str]],
    marks: list[tuple[int, str]],
    buildings: list[str],
) -> None:
    """A new work; ``ballots`` are (id, label) of closed ballots that passed."""
    if who.role is Role.BUILDING_CHIEF:
        st.caption(t("works.chief_only_milestones"))
        return
    with st.expander(t("works.create"), icon=":material/add_circle:", expanded=False):
        bases = {b: t(f"works.create_from.{b}") for b in ("ballot", "marks", "staff")}
        basis = st.radio(
            t("works.create_from"), list(bases), horizontal=True, format_func=bases.__getitem__,
            key="works_create_basis",
        )  # fmt: skip
        with st.form("works_create", clear_on_submit=False):
            title = st.text_input(t("works.field_title"), max_chars=dom.TITLE_MAX_CHARS)
            ballot_id = None
            mark_ids: list[int] = []
            chosen: list[str] = []
            if basis == "ballot":
                if ballots:
                    labels = dict(ballots)
                    ballot_id = st.selectbox(
                        t("works.field_ballot"), list(labels), format_func=labels.__getitem__
                    )
                else:
                    st.caption(t("works.no_passed_ballots"))
            elif basis == "marks":
                labels = dict(marks)
                mark_ids = st.multiselect(
                    t("works.field_marks"),
                    list(labels),
                    format_func=labels.__getitem__,
                    placeholder=t("marks.choose"),
                )
            else:
                chosen = st.multiselect(
                    t("works.field_buildings"), buildings, placeholder=t("marks.choose")
                )
            classes = {"": t("works.category_auto")} | {
                c.value: t(f"works.category.{c.value}") for c in dom.RenovationClass
            }
            category = st.selectbox(
                t("works.field_category"), list(classes), format_func=classes.__getitem__
            )
            budget = st.text_input(t("works.field_budget"), placeholder="3000.00")
            contractor = st.text_input(t("works.field_contractor"))
            c1, c2 = st.columns(2)
            start = c1.date_input(t("works.field_start"), value=None)
            end = c2.date_input(t("works.field_end"), value=None)
            if st.form_submit_button(t("works.create_send"), type="primary"):
                made: list[int] = []

                def create(s: Any) -> None:
                    w = work_service.create_work(
                        s, slug, title, who=who, ballot_id=ballot_id, mark_ids=mark_ids,
                        buildings=chosen, category=category or None, budget_fen=_yuan(budget),
                        contractor=contractor, planned_start=_day(start), planned_end=_day(end),
                    )  # fmt: skip
                    made.append(w.id)

                if act(create):
                    _done(t("works.created", id=made[0]))
