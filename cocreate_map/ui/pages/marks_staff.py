"""Staff work on residents' marks: the queue of new marks, status changes one by one or in bulk
with a reason and an official reply (from templates), the summary the seeds report (opinions by
category and building, resolution and response rates, satisfaction), exports, and the import of
opinions collected on paper. Building chiefs see and act on the marks of their buildings only."""

from __future__ import annotations

import streamlit as st

from cocreate_map.ui import mark_staff_views as views
from cocreate_map.ui import widgets
from cocreate_map.ui.state import t

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("marks_staff.title"))
who = widgets.staff_gate("marks_staff_sign_in")
if not who.may_work_in(community.id):
    st.warning(t("staff.not_for_role"), icon=":material/lock:")
    st.stop()
if who.buildings:
    st.caption(t("marks_staff.scope", buildings=", ".join(who.buildings)))
views.notice()

tab_queue, tab_all, tab_summary, tab_io, tab_templates = st.tabs(
    [
        t("marks_staff.tab_queue"),
        t("marks_staff.tab_all"),
        t("marks_staff.tab_summary"),
        t("marks_staff.tab_io"),
        t("marks_staff.tab_templates"),
    ],
    key="marks_staff_tab",  # stays on the tab the staff member works in after an action
    on_change="rerun",
)
with tab_queue:
    views.queue_tab(who, slug)
with tab_all:
    views.all_tab(who, slug)
with tab_summary:
    views.summary_tab(who, slug)
with tab_io:
    views.io_tab(who, slug)
with tab_templates:
    views.templates_tab(who, slug)
