"""The community map: base map choice, counts per kind, and the map itself (full width)."""

import streamlit as st

from cocreate_map import services
from cocreate_map.io import assets
from cocreate_map.services import marks as mark_service
from cocreate_map.services import works as work_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import maps, mark_maps, state, widgets, work_maps
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

missing_assets = assets.missing()
if missing_assets:
    st.warning(
        t("map.assets_missing", packages=", ".join(missing_assets)), icon=":material/warning:"
    )

community = widgets.current_community()
if community is None:
    st.stop()
st.title(community.name)
TAP_GEN = "map_tap_gen"


@st.fragment
def map_section(slug: str) -> None:
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    labels = {b: t(f"map.basemap.{b}") for b in maps.BASEMAPS}
    basemap = left.selectbox(
        t("map.basemap"),
        maps.BASEMAPS,
        format_func=labels.__getitem__,
        key=state.BASEMAP,
    )
    custom_url = None
    if basemap == "custom":
        custom_url = right.text_input(
            t("map.custom_url"),
            key=state.CUSTOM_TILES,
            placeholder="https://tiles.example.org/{z}/{x}/{y}.png",
        )
        usable = False
        if custom_url:
            with shown_errors():
                maps.check_custom_url(custom_url)
                usable = True
        else:
            st.info(t("map.custom_url.empty"))
        if not usable:
            basemap, custom_url = "none", None
    heat = st.toggle(t("map.heatmap"), key=state.HEATMAP, help=t("map.heatmap_help"))
    with shown_errors(), transaction(engine()) as session:
        current = services.map_version(session, slug)
        marks = mark_service.list_marks(session, slug)
        works = work_service.list_works(session, slug)
    if "marks" not in locals():
        return

    def load() -> services.MapData:  # only when this version's map is not built yet
        with transaction(engine()) as session:
            return services.map_data(session, slug)

    # a tap on a pin opens that mark (with "me too"); the next map is a new one, so coming back
    # does not bring the old tap with it
    gen = st.session_state.get(TAP_GEN, 0)
    key = state.MAP_KEY if gen == 0 else f"{state.MAP_KEY}_{gen}"
    events: dict[str, object] = {}
    with shown_errors():
        events = mark_maps.render_marks_map(
            load, marks, lang(), key=key, basemap=basemap, custom_url=custom_url,
            heat=heat, version=current.version,
            also=lambda fm, coords: work_maps.add_works(fm, works, lang(), slug, coords),
            also_key=work_maps.works_key(works), taps=not heat,
        )  # fmt: skip
    tapped = mark_maps.tapped_mark(events, marks, "gcj02" if basemap == "amap" else "wgs84")
    if tapped is not None:
        st.session_state[TAP_GEN] = gen + 1
        st.session_state.pop(key, None)
        st.switch_page(
            "cocreate_map/ui/pages/marks.py",
            query_params={"community": slug, "lang": lang(), "mark": str(tapped)},
        )
    counts = " · ".join(f"{t('kind.' + k)} **{n}**" for k, n in current.counts.items())
    st.markdown(f"{t('map.elements', n=sum(current.counts.values()))} — {counts}")
    if marks:
        by_cat: dict[str, int] = {}
        for m in marks:
            by_cat[m.category.value] = by_cat.get(m.category.value, 0) + 1
        ranked = sorted(by_cat.items(), key=lambda kv: -kv[1])
        cats = " · ".join(f"{t('category.' + k)} **{n}**" for k, n in ranked)
        st.markdown(f"{t('map.marks', n=len(marks))} — {cats}")
    st.page_link(
        "cocreate_map/ui/pages/marks.py", label=t("map.to_marks"), icon=":material/add_location:",
        query_params={"community": slug, "lang": lang()},
    )  # fmt: skip
    if works:
        st.page_link(
            "cocreate_map/ui/pages/works.py", label=t("map.to_works", n=len(works)),
            icon=":material/construction:", query_params={"community": slug, "lang": lang()},
        )  # fmt: skip


map_section(community.slug)
