"""Admins: staff accounts paused after wrong passwords, with an unlock button each."""

from __future__ import annotations

import streamlit as st

from cocreate_map.domain.annotations import Role
from cocreate_map.domain.china_time import china_time
from cocreate_map.services import staff as staff_service
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.db import transaction
from cocreate_map.ui import state
from cocreate_map.ui.feedback import act
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t


def unlock_panel(who: StaffIdentity) -> None:
    """Only for admins (the service checks again): who is paused, and a button to lift it."""
    if who.role is not Role.ADMIN:
        return
    done = st.session_state.pop(state.STAFF_UNLOCKED, None)
    with transaction(engine()) as session:
        paused = staff_service.locked_accounts(session)
    with st.expander(t("auth.unlock_title"), icon=":material/lock_open:", expanded=bool(paused)):
        if done:
            st.success(t("auth.unlocked", user=done))
        if not paused:
            st.caption(t("auth.unlock_none"))
        for k, (name, address, until) in enumerate(paused):
            left, right = st.columns([3, 1], vertical_alignment="center")
            local = china_time(until, "%H:%M")
            left.markdown(t("auth.unlock_row", user=name, address=address, until=local))
            if right.button(t("auth.unlock_button", user=name), key=f"staff_unlock_{k}"):
                if act(lambda s, name=name: staff_service.unlock_user(s, name, who)):
                    st.session_state[state.STAFF_UNLOCKED] = name
                    st.rerun()
