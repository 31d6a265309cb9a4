"""共评 for staff: enter paper self-evaluation forms (ratings) and paper signatures; draft a
convention (title, numbered articles, scope) and publish a changed text as a new version; follow
the signing by building as a table and as shading on the map; building chiefs see the
households of their buildings that have not signed, to visit them; print the signature sheet per
building and the works' rating forms. Every action goes through the services, which check the
role again (admins and planners draft conventions; building chiefs enter their buildings' paper)."""

from __future__ import annotations

import streamlit as st

from cocreate_map.ui import evaluation_staff_tabs as tabs
from cocreate_map.ui import widgets
from cocreate_map.ui.state import t

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("evaluate_staff.title"))
who = widgets.staff_gate("evaluate_staff_sign_in")
if not who.may_work_in(community.id):
    st.warning(t("staff.not_for_role"), icon=":material/lock:")
    st.stop()
if who.buildings:
    st.caption(t("works.staff_scope", buildings=", ".join(who.buildings)))
tabs.notice()
desk = tabs.read(who, slug)

tab_paper, tab_signatures, tab_progress, tab_draft, tab_print = st.tabs(
    [
        t("evaluate_staff.tab_ratings"),
        t("evaluate_staff.tab_signatures"),
        t("evaluate_staff.tab_progress"),
        t("evaluate_staff.tab_draft"),
        t("evaluate_staff.tab_print"),
    ]
)
with tab_paper:
    tabs.paper_ratings_tab(desk)
with tab_signatures:
    tabs.paper_signatures_tab(desk)
with tab_progress:
    tabs.progress_tab(desk)
with tab_draft:
    tabs.draft_tab(desk)
with tab_print:
    tabs.print_tab(desk)
