"""The resident's ballot page, phone first: join by code (or ?code= from the slip's QR), tap a
choice, confirm, see the receipt; change the vote until the ballot closes. The screens are in
ui/vote_views.py."""

import streamlit as st

from cocreate_map.services import ballots as ballot_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import state, widgets
from cocreate_map.ui import vote_views as views
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t

st.html(views.BIG_BUTTONS_CSS)

community = widgets.current_community()
if community is None:
    st.stop()
st.title(t("vote.title"))


me = widgets.household_gate(community.slug, form_key="vote_join")
assert me is not None
top_left, top_right = st.columns([3, 1], vertical_alignment="center")
top_left.markdown(f"**{escape_markdown(t('vote.joined_as', label=widgets.household_label(me)))}**")
if top_right.button(t("vote.leave"), key="vote_leave"):
    for key in (state.VOTE_PENDING, state.VOTE_RECEIPT):
        st.session_state.pop(key, None)
    widgets.leave_household()
    st.rerun()

receipt = st.session_state.get(state.VOTE_RECEIPT)
if receipt is not None:
    views.receipt_screen(receipt)
    st.stop()
pending = st.session_state.get(state.VOTE_PENDING)
if pending is not None:
    views.confirm_screen(pending, me["id"])
    st.stop()

# ---------------------------------------------------------------- ballots of this household
with shown_errors(icon=None, page=False) as seen, transaction(engine()) as session:
    ballots = ballot_service.household_ballot_infos(session, me["id"])
    mine = {b.id: ballot_service.my_vote(session, b.id, me["id"]) for b in ballots}
if seen.failed:
    st.session_state.pop(state.HOUSEHOLD, None)
    st.stop()

if not ballots:
    st.info(t("vote.no_ballots"))
for b in ballots:
    views.ballot_card(b, mine[b.id], community.slug)
