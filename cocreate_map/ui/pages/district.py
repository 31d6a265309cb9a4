"""街道总览 — every community of a sub-district in one table and on one map (read-only).

Public summary figures (aggregates only, each with its denominator); district accounts see the
same. Sortable table, CSV download, boundaries shaded by a chosen figure, a link to each community.
"""

from __future__ import annotations

import streamlit as st

from cocreate_map.services import district as district_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import feedback
from cocreate_map.ui.district_map import build_district_map
from cocreate_map.ui.maps import folium_component
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

FIGURES = ("resolution_pct", "response_pct", "satisfaction_pct", "last_ballot_turnout_pct",
           "works_progress_pct", "households", "opinions")  # fmt: skip

st.title(t("district.title"))
with feedback.shown_errors(), transaction(engine()) as session:
    names = district_service.districts(session)
    choice = None
    if names:
        picked = st.selectbox(t("district.pick"), [t("district.all"), *names], key="district_pick")
        choice = None if picked == t("district.all") else picked
    view = district_service.overview(session, choice)

if not view.communities:
    st.info(t("district.none"))
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("district.communities"), len(view.communities))
c2.metric(t("district.households"), f"{view.households:,}")
c3.metric(t("district.resolution"), view.resolution.text())
c4.metric(t("district.satisfaction"), view.satisfaction.text())
st.caption(t("district.denominators"))

rows = district_service.table_rows(view)
base = f"./?lang={lang()}&community="
table = [
    {
        **r,
        "link": base + str(r["slug"]),
        "last_ballot_passed": None
        if r["last_ballot_passed"] is None
        else t("district.passed" if r["last_ballot_passed"] else "district.failed"),
    }
    for r in rows
]
columns = {
    "name": st.column_config.TextColumn(t("district.col.name")),
    "link": st.column_config.LinkColumn(t("district.col.open"), display_text=t("district.open")),
    "households": st.column_config.NumberColumn(t("district.col.households")),
    "opinions": st.column_config.NumberColumn(t("district.col.opinions")),
    "response_pct": st.column_config.NumberColumn(t("district.col.response"), format="%.1f%%"),
    "response": st.column_config.TextColumn(t("district.col.of")),
    "resolution_pct": st.column_config.NumberColumn(t("district.col.resolution"), format="%.1f%%"),
    "resolution": st.column_config.TextColumn(t("district.col.of")),
    "satisfaction_pct": st.column_config.NumberColumn(
        t("district.col.satisfaction"), format="%.1f%%"
    ),
    "satisfaction": st.column_config.TextColumn(t("district.col.of")),
    "last_ballot": st.column_config.TextColumn(t("district.col.ballot")),
    "last_ballot_turnout_pct": st.column_config.NumberColumn(
        t("district.col.turnout"), format="%.1f%%"
    ),
    "last_ballot_passed": st.column_config.TextColumn(t("district.col.result")),
    "works": st.column_config.NumberColumn(t("district.col.works")),
    "works_completed": st.column_config.NumberColumn(t("district.col.works_done")),
    "works_progress_pct": st.column_config.NumberColumn(
        t("district.col.progress"), format="%.0f%%"
    ),
}
st.dataframe(
    table,
    column_config=columns,
    column_order=list(columns),
    hide_index=True,
    use_container_width=True,
)
st.download_button(
    t("district.csv"),
    district_service.csv_text(view).encode("utf-8-sig"),
    file_name="district.csv",
    mime="text/csv",
    icon=":material/download:",
)

st.subheader(t("district.map"))
figure = st.selectbox(
    t("district.shade_by"),
    FIGURES,
    format_func=lambda f: t(f"district.fig.{f}"),
    key="district_figure",
)
values = {str(r["slug"]): r[figure] for r in rows}
labels = {
    str(r["slug"]): f"{t(f'district.fig.{figure}')}: {'—' if r[figure] is None else r[figure]}"
    for r in rows
}
folium_component(
    lambda: (
        build_district_map(view.communities, values, labels, base + "{slug}", lang()),  # type: ignore[arg-type]
        None,
    ),
    key="district_map",
    cache_key=("district", choice, figure, lang(), tuple(sorted(values.items(), key=str))),
    height=520,
)
st.caption(t("district.map_hint"))
