"""Staff: create and close ballots, enter paper votes one by one or from a CSV, settle
paper/online conflicts, view and edit the household register.

Staff sign in with their account (widgets.staff_gate: argon2, or the bootstrap admin of
COCREATE_ADMIN_PASSWORD); admins and planners of this community use this page. The tabs are in
ui/ballot_views.py.
"""

import streamlit as st

from cocreate_map.services import ballots as ballot_service
from cocreate_map.ui import ballot_views as views
from cocreate_map.ui import staff_accounts, widgets
from cocreate_map.ui.feedback import shown_notes
from cocreate_map.ui.state import t

community = widgets.current_community()
if community is None:
    st.stop()
st.title(t("ballots.title"))

who = widgets.staff_gate()
slug = community.slug
overview = widgets.staff_records(lambda session: ballot_service.staff_overview(session, who, slug))
if overview.read_only:  # a district admin of the community's sub-district: read only
    views.read_only_list(slug, overview)
    st.stop()

desk = views.read_desk(slug, community.name, who, overview)
shown_notes()  # what the last action did, after its commit
tab_list, tab_new, tab_paper, tab_conflicts, tab_register = st.tabs(views.tab_labels(desk))
with tab_list:
    views.ballot_list(desk)
with tab_new:
    views.new_ballot_form(desk)
with tab_paper:
    views.paper_votes(desk)
with tab_conflicts:
    views.conflicts(desk)
with tab_register:
    views.register_tab(desk)

staff_accounts.unlock_panel(who)  # admins: accounts paused after wrong passwords
