"""Widgets shared by pages: the sidebar (language, community picker)."""

from __future__ import annotations

import streamlit as st

from cocreate_map import services
from cocreate_map.domain.community import CommunityInfo
from cocreate_map.storage.db import transaction
from cocreate_map.ui import state
from cocreate_map.ui.i18n import LANGS
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t

LANG_LABELS = {"zh": "中文", "en": "English"}


def _on_lang_change() -> None:
    st.query_params["lang"] = st.session_state[state.LANG]
    st.session_state["_lang_param_seen"] = st.session_state[state.LANG]


def sidebar() -> None:
    state.lang()
    with st.sidebar:
        st.radio(
            t("lang.label"),
            LANGS,
            key=state.LANG,
            format_func=LANG_LABELS.__getitem__,
            horizontal=True,
            on_change=_on_lang_change,
        )


def communities() -> list[CommunityInfo]:
    with transaction(engine()) as session:
        return services.list_communities(session)


def current_community() -> CommunityInfo | None:
    """The community named by ?community=SLUG, else the first; a picker when there are several."""
    known = communities()
    if not known:
        st.info(t("community.none"))
        return None
    slugs = [c.slug for c in known]
    wanted = st.query_params.get("community")
    if wanted and wanted not in slugs:
        st.warning(t("community.unknown", slug=wanted, name=known[0].name))
        wanted = None
    current = wanted or st.session_state.get(state.COMMUNITY) or slugs[0]
    if current not in slugs:
        current = slugs[0]
    if len(known) > 1:
        by_slug = {c.slug: c for c in known}
        current = st.sidebar.selectbox(
            t("community.label"),
            slugs,
            index=slugs.index(current),
            format_func=lambda s: f"{by_slug[s].name} ({s})",
        )
    st.session_state[state.COMMUNITY] = current
    if st.query_params.get("community") != current:
        st.query_params["community"] = current
    return next(c for c in known if c.slug == current)
