"""Residents mark problems on the map (决策共谋), phone first: join with the household code,
tap the map (or draw a line or an area), pick a category, say what is wrong, add a photo, submit.
Marks of the same kind within 30 m are offered first ("is it one of these? say 'me too'").
The list shows the community's marks with filters and sorting; ``?mark=ID`` opens one mark with
its "me too", comments, history and — once resolved — the residents' rating."""

from __future__ import annotations

import streamlit as st

from cocreate_map.ui import mark_form, state, widgets
from cocreate_map.ui import mark_views as views
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.state import t

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("marks.title"))
mark_form.keep_form_values()

wanted = widgets.id_param("mark")
me = widgets.household_gate(
    slug,
    form_key="marks_join",
    required=False,
    compact=bool(wanted) or st.session_state.get(state.MARKS_VIEW) == "list",
)
if me is not None:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f"**{escape_markdown(t('vote.joined_as', label=widgets.household_label(me)))}**")
    if right.button(t("vote.leave"), key="marks_leave"):
        widgets.leave_household()
        st.rerun()
elif not wanted:
    st.caption(t("marks.join_hint"))
my_id = me["id"] if me else None
viewer = views.Viewer(slug, community.id, my_id)

if wanted is not None:
    views.show_detail(viewer, wanted)
    st.stop()

if my_id is not None and not st.session_state.get(state.MARKS_VIEW_JOINED):
    st.session_state[state.MARKS_VIEW_JOINED] = True  # just joined: go to marking
    st.session_state[state.MARKS_VIEW] = "mark"
st.session_state.setdefault(state.MARKS_VIEW, "list")
view = st.segmented_control(
    t("marks.view"), ["mark", "list"], format_func=lambda v: t(f"marks.tab_{v}"),
    key=state.MARKS_VIEW, width="stretch", required=True,
) or "list"  # fmt: skip
if view == "mark":
    mark_form.mark_tab(viewer)
else:
    views.list_tab(viewer)
