"""共评 (co-evaluation and conventions), phone first: the community's 共评 figures with their
denominators; each finished work with its results (average, satisfaction, response rate, by
building and by how households voted) where a signed-in household taps one of five big star
buttons to rate it — one tap saves — adds a comment or photo, changes its rating until the
evaluation closes, or says "not done / not right"; and the community's conventions, which a
household signs or withdraws its signature from. ``?work=ID`` puts one work first."""

from __future__ import annotations

import streamlit as st

from cocreate_map.ui import evaluation_forms as forms
from cocreate_map.ui import evaluation_views as views
from cocreate_map.ui import widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.state import t

st.html(forms.PAGE_STYLE)

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("evaluate.title"))
st.caption(t("evaluate.intro"))

# ---------------------------------------------------------------- who is here
me = widgets.household_gate(
    slug, form_key="evaluate_join", required=False, compact=True,
    expander_label=t("evaluate.join_expander"),
)  # fmt: skip
if me is not None:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f"**{escape_markdown(t('vote.joined_as', label=widgets.household_label(me)))}**")
    if right.button(t("vote.leave"), key="evaluate_leave"):
        widgets.leave_household()
        st.rerun()
else:
    st.caption(t("evaluate.join_to_rate"))

data = forms.read_or_stop(slug, me)
views.summary_block(data.summary)
wanted = st.query_params.get("work")
forms.works_section(data, me, slug, int(wanted) if wanted and str(wanted).isdigit() else None)
forms.conventions_section(data, me)
