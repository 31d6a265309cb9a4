"""Staff sign-in (工作人员登录): the one visible entry to the staff pages, which stay out of
residents' navigation until a staff member has signed in."""

import streamlit as st

from cocreate_map.ui import widgets
from cocreate_map.ui.state import lang, t

st.title(t("staff.title"))
who = widgets.staff_gate("staff_page_sign_in")
st.success(t("staff.signed_in_as", name=who.username, role=t(f"role.{who.role}")))
st.markdown(t("staff.pages_intro"))
for path, key, icon in (
    ("ballots.py", "nav.ballots", "ballot"),
    ("marks_staff.py", "nav.marks_staff", "fact_check"),
    ("import_data.py", "nav.import", "upload_file"),
    ("options.py", "nav.options_planner", "compare"),
):
    st.page_link(
        f"cocreate_map/ui/pages/{path}",
        label=t(key),
        icon=f":material/{icon}:",
        query_params={"lang": lang()},
    )
