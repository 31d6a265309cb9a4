"""cocreate-map (共同缔造·社区规划地图): Streamlit entry point."""

from pathlib import Path

import streamlit as st

from cocreate_map.storage import scope
from cocreate_map.ui import style, widgets
from cocreate_map.ui.state import t

PAGES = Path(__file__).resolve().parent / "cocreate_map" / "ui" / "pages"

# (file, title key, Material icon, url path, staff only); the first page is the default.
NAVIGATION = [
    ("map.py", "nav.map", "map", "map", False),
    ("marks.py", "nav.marks", "add_location_alt", "marks", False),
    ("works.py", "nav.works", "construction", "works", False),
    ("funds.py", "nav.funds", "account_balance_wallet", "funds", False),
    ("evaluate.py", "nav.evaluate", "reviews", "evaluate", False),
    ("options.py", "nav.options", "compare", "options", False),
    ("vote.py", "nav.vote", "how_to_vote", "vote", False),
    ("meeting.py", "nav.meeting", "slideshow", "meeting", False),
    ("results.py", "nav.results", "bar_chart", "results", False),
    ("communities.py", "nav.communities", "holiday_village", "communities", False),
    ("district.py", "nav.district", "location_city", "district", False),
    ("ballots.py", "nav.ballots", "ballot", "ballots", True),
    ("marks_staff.py", "nav.marks_staff", "fact_check", "marks-admin", True),
    ("works_staff.py", "nav.works_staff", "engineering", "works-admin", True),
    ("funds_staff.py", "nav.funds_staff", "payments", "funds-admin", True),
    ("evaluate_staff.py", "nav.evaluate_staff", "rate_review", "evaluate-admin", True),
    ("import_data.py", "nav.import", "upload_file", "import", True),
    ("staff.py", "nav.staff", "badge", "staff", False),
]

st.set_page_config(page_title=t("app.title"), page_icon="🗺️", layout="wide")
# No community's scope until the page names its community (widgets.current_community); a run
# on a thread that served another page before starts clean.
scope.enter(None)
# Staff pages stay reachable by their address (they show the sign-in form) but are out of the
# navigation until a staff member signs in; then the sign-in entry gives way to them.
signed_in = widgets.current_staff() is not None
pages = {
    path: st.Page(
        PAGES / file,
        title=t(title),
        icon=f":material/{icon}:",
        url_path=path,
        default=i == 0,
        visibility="visible" if shown else "hidden",
    )
    for i, (file, title, icon, path, staff_only) in enumerate(NAVIGATION)
    for shown in [signed_in if staff_only else (path != "staff" or not signed_in)]
}
page = st.navigation(list(pages.values()))
# The README's shared links are path-less: /?view=projector opens the meeting page.
if st.query_params.get("view") == "projector" and page.url_path in ("", "map"):
    st.switch_page(pages["meeting"], query_params=st.query_params.to_dict())
widgets.sidebar()
style.apply()
style.resident_nav()
try:
    page.run()
except Exception:
    # A fault no page foresaw: the reader gets a sentence in their language; Streamlit then logs
    # the traceback on the server and shows only its redacted notice (client.showErrorDetails =
    # "none"), never a path (issue 11.14).
    st.error(t("app.crashed"), icon=":material/error:")
    raise
