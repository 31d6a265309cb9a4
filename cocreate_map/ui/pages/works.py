"""工程项目 (works, 共建), phone first: every work on the map (hatched while in progress) and as a
list with progress bars; ``?work=ID`` opens one work: its scope, status, money, milestones with
photos, resident supervisors and the residents' marks that follow it. Households volunteer as
supervisors with their code; signed-in staff get the work's actions below it.
``?work=ID&view=story`` is the decision story (成果共享, ui/story_view.py): from the first mark
to the last receipt."""

from __future__ import annotations

import streamlit as st

from cocreate_map.ui import story_view, widgets, work_views

st.html(work_views.PAGE_STYLE)

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
wanted = widgets.id_param("work")
staff = work_views.page_staff(community.id)

if wanted is not None and st.query_params.get("view") == "story":
    story_view.show_story(wanted, community.id, lambda: work_views.open_work(wanted))
elif wanted is not None:
    work_views.show_detail(slug, community.id, staff, wanted)
else:
    work_views.show_list(slug)
