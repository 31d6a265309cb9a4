"""Staff edit one household of the register (住户名册 → 修改住户信息): pick the household,
change its values, see what will change (before → after), then confirm.

The household picker sits outside the form and the form is keyed by the household, so the
fields always show the picked household's own values (a picker inside ``st.form`` kept the
previous household's values and saved them onto the next one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from cocreate_map.services import households as household_service
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.db import transaction
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import act, shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t

PENDING = "register_edit_pending"  # {"id", "area_m2", "owner_id", "residents"} awaiting "confirm"
FLASH = "register_edit_flash"


FIELDS = {
    "area_m2": "register.field.area_m2",
    "owner_id": "register.field.owner_id",
    "residents": "register.field.residents",
}


def _show(field: str, value: Any) -> str:
    if value is None or value == "":
        return t("register.empty")
    return f"{value} m²" if field == "area_m2" else str(value)


def register_editor(register: Sequence[HouseholdRow], who: StaffIdentity) -> None:
    labels = {h.id: h.label for h in register}
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    st.markdown(t("ballots.edit_household"))
    hid = st.selectbox(
        t("ballots.household"),
        [h.id for h in register],
        format_func=lambda i: labels[i],
        key="edit_household_id",
    )
    row = next(h for h in register if h.id == hid)
    pending = st.session_state.get(PENDING)
    if pending is not None and pending["id"] != hid:
        st.session_state.pop(PENDING, None)
        pending = None
    with st.form(f"edit_household_{hid}"):
        area = st.text_input(t("ballots.area"), value=row.area_m2, key=f"edit_area_{hid}")
        owner = st.text_input(t("ballots.owner"), value=row.owner_id or "", key=f"edit_owner_{hid}")
        residents = st.number_input(
            t("ballots.residents"), 0, 50, value=row.residents or 0, key=f"edit_residents_{hid}"
        )
        if st.form_submit_button(t("register.review"), icon=":material/difference:"):
            st.session_state[PENDING] = pending = {
                "id": hid,
                "area_m2": area,
                "owner_id": owner,
                "residents": int(residents),
            }
    if pending is None:
        return
    change = None
    with shown_errors(), transaction(engine()) as session:
        change = household_service.preview_household_change(
            session,
            hid,
            area_m2=pending["area_m2"],
            owner_id=pending["owner_id"],
            residents=pending["residents"],
        )
    if change is None:
        return
    if not change.changes:
        st.info(t("register.no_change", label=change.label))
        st.session_state.pop(PENDING, None)
        return
    with st.container(border=True):
        st.markdown(t("register.will_change", label=escape_markdown(change.label)))
        st.table(
            pd.DataFrame(
                [
                    {
                        t("register.col.field"): t(FIELDS[field]),
                        t("register.col.before"): _show(field, before),
                        t("register.col.after"): _show(field, after),
                    }
                    for field, before, after in change.changes
                ]
            ).set_index(t("register.col.field"))
        )
        ok, cancel = st.columns(2)
        if ok.button(t("register.confirm"), type="primary", key="register_confirm"):
            values = dict(pending)
            if act(
                lambda s: household_service.update_household(
                    s,
                    hid,
                    area_m2=values["area_m2"],
                    owner_id=values["owner_id"],
                    residents=values["residents"],
                    who=who,
                )
            ):
                st.session_state.pop(PENDING, None)
                st.session_state[FLASH] = t("register.saved", label=change.label)
                st.rerun()
        if cancel.button(t("register.cancel"), key="register_cancel"):
            st.session_state.pop(PENDING, None)
            st.rerun()
