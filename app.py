"""cocreate-map (共同缔造·社区规划地图): Streamlit entry point."""

from pathlib import Path

import streamlit as st

from cocreate_map.ui import widgets
from cocreate_map.ui.state import t

PAGES = Path(__file__).resolve().parent / "cocreate_map" / "ui" / "pages"

# (file, title key, Material icon, url path); the first page is the default.
NAVIGATION = [
    ("map.py", "nav.map", "map", "map"),
    ("marks.py", "nav.marks", "add_location_alt", "marks"),
    ("works.py", "nav.works", "construction", "works"),
    ("funds.py", "nav.funds", "account_balance_wallet", "funds"),
    ("options.py", "nav.options", "compare", "options"),
    ("vote.py", "nav.vote", "how_to_vote", "vote"),
    ("meeting.py", "nav.meeting", "slideshow", "meeting"),
    ("results.py", "nav.results", "bar_chart", "results"),
    ("ballots.py", "nav.ballots", "ballot", "ballots"),
    ("marks_staff.py", "nav.marks_staff", "fact_check", "marks-admin"),
    ("works_staff.py", "nav.works_staff", "engineering", "works-admin"),
    ("funds_staff.py", "nav.funds_staff", "payments", "funds-admin"),
    ("import_data.py", "nav.import", "upload_file", "import"),
    ("communities.py", "nav.communities", "holiday_village", "communities"),
    ("district.py", "nav.district", "location_city", "district"),
]

st.set_page_config(page_title=t("app.title"), page_icon="🗺️", layout="wide")
page = st.navigation(
    [
        st.Page(
            PAGES / file,
            title=t(title),
            icon=f":material/{icon}:",
            url_path=path,
            default=i == 0,
        )
        for i, (file, title, icon, path) in enumerate(NAVIGATION)
    ]
)
widgets.sidebar()
page.run()
