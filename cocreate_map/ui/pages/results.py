"""Results of a ballot: outcome, both measures (households and area), turnout by building, the
thresholds with the reason a rule was met or missed, and the consultative label (DOMAIN.md R9).
Read straight from the database on every run (never cached); the views are in
ui/result_views.py."""

import streamlit as st

from cocreate_map.services import ballots as ballot_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import result_views as views
from cocreate_map.ui import widgets
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t

community = widgets.current_community()
if community is None:
    st.stop()
st.title(t("results.title"))

with transaction(engine()) as session:
    ballots = ballot_service.ballot_infos(session, community.slug)
ballot = views.pick_ballot(ballots)
if ballot is None:
    st.stop()
st.button(t("results.refresh"), icon=":material/refresh:", key="results_refresh")
if ballot.status == "open" and not ballot.show_running:
    st.info(t("results.hidden"))
    st.stop()

with shown_errors() as seen, transaction(engine()) as session:
    res = ballot_service.tally_ballot(session, ballot.id)
if seen.failed:
    st.stop()

views.outcome(res, community.id)
views.measures(res)
views.checks(res)
views.choice_charts(res)
if res.kind == "ranked":
    views.ranked_rounds(res)
views.turnout_and_notes(res)
