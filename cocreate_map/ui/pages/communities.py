"""All communities in this database, with element counts and a link to each map."""

import streamlit as st

from cocreate_map.ui import widgets
from cocreate_map.ui.state import lang, t

st.title(t("communities.title"))
rows = widgets.communities()
if not rows:
    st.info(t("community.none"))
for c in rows:
    total = sum(c.element_counts.values())
    with st.container(border=True):
        st.markdown(f"**{c.name}** · `{c.slug}` · {t('map.elements', n=total)}")
        kinds = " · ".join(f"{t('kind.' + k)} {n}" for k, n in sorted(c.element_counts.items()))
        st.caption(kinds)
        st.page_link(
            "cocreate_map/ui/pages/map.py",
            label=t("common.open_map"),
            icon=":material/map:",
            query_params={"community": c.slug, "lang": lang()},
        )
