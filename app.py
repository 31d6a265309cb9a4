"""cocreate-map (共同缔造·社区规划地图): Streamlit entry point."""

from pathlib import Path

import streamlit as st

from cocreate_map.ui import widgets
from cocreate_map.ui.state import t

PAGES = Path(__file__).resolve().parent / "cocreate_map" / "ui" / "pages"

st.set_page_config(page_title=t("app.title"), page_icon="🗺️", layout="wide")
page = st.navigation(
    [
        st.Page(
            PAGES / "map.py",
            title=t("nav.map"),
            icon=":material/map:",
            default=True,
            url_path="map",
        ),
        st.Page(
            PAGES / "import_data.py",
            title=t("nav.import"),
            icon=":material/upload_file:",
            url_path="import",
        ),
        st.Page(
            PAGES / "communities.py",
            title=t("nav.communities"),
            icon=":material/holiday_village:",
            url_path="communities",
        ),
    ]
)
widgets.sidebar()
page.run()
