"""Every st.session_state key in one place, and the language/community choice."""

from __future__ import annotations

import streamlit as st

from cocreate_map import config
from cocreate_map.ui.i18n import LANGS, translate

LANG = "lang"
COMMUNITY = "community"
BASEMAP = "basemap"
CUSTOM_TILES = "custom_tiles"
IMPORT_PREVIEW = "import_preview"
MAP_KEY = "community_map"
HEATMAP = "map_heatmap"
HOUSEHOLD = "household"  # {"id", "slug", "building", "unit", "room"} after joining with a code
STAFF = "staff_identity"  # services.staff.StaffIdentity after signing in
HOUSEHOLD_COOKIE = "cocreate_household"  # keeps a household signed in on one phone
HOUSEHOLD_TOKEN = "household_token"  # the household's session token (services/sessions.py)
STAFF_COOKIE = "cocreate_staff"  # keeps a staff member signed in across reloads and tabs
STAFF_TOKEN = "staff_token"  # the staff member's session token


def lang() -> str:
    """Language from ?lang=, else the session's choice, else the configured default."""
    param = st.query_params.get("lang")
    if param in LANGS and st.session_state.get("_lang_param_seen") != param:
        st.session_state[LANG] = param
        st.session_state["_lang_param_seen"] = param
    if st.session_state.get(LANG) not in LANGS:
        st.session_state[LANG] = config.get("default_lang")
    value: str = st.session_state[LANG]
    return value


def t(key: str, **kwargs: object) -> str:
    return translate(lang(), key, **kwargs)
