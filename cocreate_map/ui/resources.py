"""Process-wide resources, created once per server process."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from cocreate_map import services
from cocreate_map.storage import scope
from cocreate_map.storage.db import migrated_engine


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The database engine, migrated to head, with the demo loaded on first start."""
    with scope.within(None):  # the demo loader creates communities: no page's scope applies
        eng = migrated_engine()
        services.ensure_demo(eng)
    return eng
