"""Staff manage works (工程项目): create a work from a ballot that passed, from adopted marks or
for chosen buildings; open a work to start, complete, accept or reopen it, edit it and post
milestones with photos. Building chiefs see the works of their buildings and post milestones."""

from __future__ import annotations

import streamlit as st

from cocreate_map.domain.works import can_post_milestone, yuan_text
from cocreate_map.services import works as work_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import widgets, work_forms
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("works.staff_title"))
who = widgets.staff_gate("works_staff_sign_in")
if not who.may_work_in(community.id):
    st.warning(t("staff.not_for_role"), icon=":material/lock:")
    st.stop()
if who.buildings:
    st.caption(t("works.staff_scope", buildings=", ".join(who.buildings)))
work_forms.notice()

with transaction(engine()) as session:
    works = work_service.list_works(session, slug)
    ballots = work_service.passed_ballots(session, slug)
    marks = work_service.linkable_marks(session, slug)
    buildings = work_service.building_labels(session, slug)
work_forms.create_form(who, slug, ballots, marks, buildings)

mine = [w for w in works if can_post_milestone(who.role, who.buildings, w.buildings)]
st.markdown(f"#### {t('works.manage_list', n=len(mine))}")
labels = {
    w.id: f"#{w.id} {w.title} · {t(f'works.status.{w.status.value}')} · {w.progress_pct}%"
    for w in mine
}
chosen = st.selectbox(
    t("works.pick"), list(labels), format_func=labels.__getitem__, index=None,
    key="works_staff_pick", placeholder=t("works.pick_placeholder"),
) if mine else None  # fmt: skip
for w in mine:
    if chosen is not None:
        break
    st.markdown(
        f"- **{escape_markdown(w.title)}** · {t(f'works.status.{w.status.value}')} · "
        f"{w.progress_pct}% · ¥{yuan_text(w.budget_fen)}"
    )
if chosen is not None:
    with transaction(engine()) as session:
        detail = work_service.work_detail(session, chosen)
    st.page_link(
        "cocreate_map/ui/pages/works.py", label=t("works.open_page"), icon=":material/open_in_new:",
        query_params={"community": slug, "lang": lang(), "work": str(chosen)},
    )  # fmt: skip
    work_forms.work_tools(who, detail)
