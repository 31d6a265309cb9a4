"""Compare layout options: side-by-side maps, the metrics table (changes against today, best
value of each row in bold), problems shown on the map, before/after, downloads, and a planner
section to create, duplicate and edit options by drawing (url_path "options"). The views are in
ui/option_views.py."""

from __future__ import annotations

import streamlit as st

from cocreate_map.ui import option_views as views
from cocreate_map.ui import widgets
from cocreate_map.ui.feedback import shown_notes
from cocreate_map.ui.state import t

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("options.title"))
st.caption(f"{community.name} · {t('options.intro')}")

views.show_pending()
shown_notes()  # what the last change did, after its commit

infos = views.list_options(slug)
all_names = [o.name for o in infos]
stamp = views.stamp_of(slug)

if not all_names:
    st.info(t("options.none"))
elif picked := views.picked_options(all_names):
    views.comparison(slug, picked, stamp)
    views.before_after(slug, picked, stamp)
    views.downloads(slug, picked, stamp)
if widgets.may_edit(community.id):
    views.planner(slug, infos, stamp)
else:
    widgets.staff_entry()
