"""What the options page (ui/pages/options.py) shows: the comparison of up to three layout
options (metrics table, problems on the map, side-by-side maps), before/after, downloads, and
the planner's section to create, duplicate and edit options by drawing. The reads are cached
on a stamp that changes with every option, unit cost or base-plan change; every write goes
through ``feedback.act`` and a use case that checks the account."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
from shapely.geometry import shape

from cocreate_map import services
from cocreate_map.domain.layout import SNAP_TOLERANCE_M
from cocreate_map.services.options import snap_row_line
from cocreate_map.storage.db import transaction
from cocreate_map.ui import option_maps, option_table, state, widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import act, shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

TOPICS = ("R11", "R13", "R14", "R15", "R16", "R17")
DONE_ICON = ":material/check_circle:"

# ---------------------------------------------------------------- cached reads


def stamp_of(slug: str) -> tuple[Any, ...]:
    """Changes whenever an option, the unit costs or the base plan change (cache key)."""
    with transaction(engine()) as session:
        infos = services.list_options(session, slug)
        costs = services.get_unit_costs(session, slug)
    counts = next((c.element_counts for c in widgets.communities() if c.slug == slug), {})
    return (
        engine().url.render_as_string(),
        tuple((o.name, o.updated_at, o.changes) for o in infos),
        tuple(sorted(costs.items())),
        tuple(sorted(counts.items())),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _compare(slug: str, names: tuple[str, ...], stamp: tuple[Any, ...]) -> dict[str, Any]:
    with transaction(engine()) as session:
        return services.compare_options(session, slug, list(names))


@st.cache_data(show_spinner=False, max_entries=64)
def _map_data(slug: str, name: str | None, stamp: tuple[Any, ...]) -> services.OptionMapData:
    with transaction(engine()) as session:
        return services.option_map_data(session, slug, name)


def list_options(slug: str) -> list[Any]:
    with transaction(engine()) as session:
        return list(services.list_options(session, slug))


# ---------------------------------------------------------------- comparison


def _topic(rule: str) -> str:
    base = rule.rstrip("abcdefgh")
    return t(f"options.topic.{base}") if base in TOPICS else t("options.topic.other")


def _text(v: dict[str, Any]) -> str:
    """A violation's text in the reader's language."""
    return str(v.get("text", {}).get(lang()) or v["message"])


def picked_options(all_names: list[str]) -> list[str]:
    """The options to compare (the first three at first), chosen in a multiselect."""
    if state.OPTIONS_PICK not in st.session_state:
        st.session_state[state.OPTIONS_PICK] = all_names[:3]
    st.session_state[state.OPTIONS_PICK] = [
        n for n in st.session_state[state.OPTIONS_PICK] if n in all_names
    ]
    picked = st.multiselect(
        t("options.pick"),
        all_names,
        key=state.OPTIONS_PICK,
        max_selections=3,
        placeholder=t("marks.choose"),
    )
    if len(picked) < 2:
        st.info(t("options.pick_more"))
    return list(picked)


def _legal_warnings(result: dict[str, Any], names: list[str]) -> None:
    for n in names:
        r = result["options"][n]
        if r["change_of_use"]:
            st.warning(
                t(
                    "options.change_of_use",
                    name=escape_markdown(n),
                    m2=f"{-r['green_change_m2']:,.0f}",
                ),
                icon=":material/gavel:",
            )
        if "new_ebike_shed" in (r.get("special_majority_reasons") or []):
            st.warning(
                t(
                    "options.special_reason.new_ebike_shed",
                    name=n,
                    before=result["base"]["ebike_places"],
                    after=r["ebike_places"],
                ),
                icon=":material/gavel:",
            )


def _violations(result: dict[str, Any], names: list[str]) -> dict[str, tuple[float, float, str]]:
    """The problems found, in a table; the one picked is highlighted on its option's map."""
    st.subheader(t("options.violations"))
    found: list[tuple[str, dict[str, Any]]] = [
        (n, v) for n in names for v in result["options"][n]["violations"]
    ]
    if not found:
        st.info(t("options.violations.none"))
    rows = [
        {
            "#": i + 1,
            t("options.col.option"): n,
            "": t(f"options.severity.{v['severity']}"),
            t("options.col.topic"): _topic(v["rule"]),
            t("options.col.rule"): v["rule"],
            t("options.col.message"): _text(v),
        }
        for i, (n, v) in enumerate(found)
    ]
    if rows:
        st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            height=min(320, 36 + 35 * len(rows)),
        )
    located = [i for i, (_, v) in enumerate(found) if v["location"]]
    choice = st.selectbox(
        t("options.violation.show"),
        [None, *located],
        format_func=lambda i: (
            t("options.violation.none_selected")
            if i is None
            else f"{i + 1}. {found[i][0]} · {found[i][1]['rule']} · {_text(found[i][1])[:70]}"
        ),
        key=state.OPTIONS_VIOLATION,
    )
    highlight_for: dict[str, tuple[float, float, str]] = {}
    if choice is not None:
        n, v = found[choice]
        lon, lat = v["location"]
        highlight_for[n] = (lon, lat, f"{v['rule']}: {_text(v)}")
    return highlight_for


def comparison(slug: str, names: list[str], stamp: tuple[Any, ...]) -> None:
    """The metrics table, legal warnings, problems and the options' maps."""
    with shown_errors():
        result = _compare(slug, tuple(names), stamp)
        st.markdown(option_table.metrics_table_html(result, names), unsafe_allow_html=True)
        _legal_warnings(result, names)
        highlight_for = _violations(result, names)
        narrowest_for: dict[str, option_maps.Narrowest] = {
            n: (r["fire_lane_min_section"], r["fire_lane_min_clear_width_m"])
            for n in names
            if (r := result["options"][n]).get("fire_lane_min_section")
            and r["fire_lane_min_clear_width_m"] is not None
        }
        st.subheader(t("options.maps"))
        st.caption(option_maps.legend_caption(lang()))
        if len(names) >= 2:  # one iframe, maps side by side (stacked on phones), views synced
            st.caption(t("options.maps.synced"))
            option_maps.render_synced_maps(
                [(n, _map_data(slug, n, stamp)) for n in names],
                lang(),
                highlight=highlight_for,
                narrowest=narrowest_for,
            )
        else:
            st.markdown(f"**{escape_markdown(names[0])}**")
            option_maps.render_option_map(
                _map_data(slug, names[0], stamp),
                lang(),
                key="options_map_0",
                highlight=highlight_for.get(names[0]),
                narrowest=narrowest_for.get(names[0]),
            )


def before_after(slug: str, names: list[str], stamp: tuple[Any, ...]) -> None:
    st.subheader(t("options.before_after"))
    name = st.selectbox(t("options.before_after.pick"), names, key=state.OPTIONS_BEFORE_AFTER)
    left, right = st.columns(2)
    with shown_errors():
        with left:
            st.markdown(f"**{t('options.before')}**")
            option_maps.render_option_map(
                _map_data(slug, None, stamp), lang(), key="options_before"
            )
        with right:
            st.markdown(f"**{t('options.after')}: {escape_markdown(name)}**")
            option_maps.render_option_map(_map_data(slug, name, stamp), lang(), key="options_after")


def downloads(slug: str, names: list[str], stamp: tuple[Any, ...]) -> None:
    """The comparison sheet (PDF, made on request) and each option as GeoJSON."""
    st.subheader(t("options.downloads"))
    cols = st.columns(max(2, len(names) + 1))
    with cols[0], shown_errors():
        wanted = (slug, tuple(names), stamp)
        ready = st.session_state.get(state.OPTIONS_PDF)
        if ready is None or ready[0] != wanted:
            if st.button(
                t("options.download.pdf"), icon=":material/picture_as_pdf:", key="options_pdf_make"
            ):
                import tempfile
                from pathlib import Path

                with tempfile.TemporaryDirectory() as tmp, transaction(engine()) as session:
                    out = services.comparison_sheet(session, slug, names, Path(tmp) / "sheet.pdf")
                    st.session_state[state.OPTIONS_PDF] = (wanted, out.read_bytes())
                ready = st.session_state[state.OPTIONS_PDF]
        if ready is not None and ready[0] == wanted:
            st.download_button(
                t("options.download.pdf"),
                ready[1],
                file_name=f"{slug}-options.pdf",
                mime="application/pdf",
                icon=":material/download:",
                key="options_pdf_download",
            )
    for col, n in zip(cols[1:], names, strict=False):
        with col, shown_errors(), transaction(engine()) as session:
            doc = services.option_geojson(session, slug, n)
            st.download_button(
                t("options.download.geojson", name=escape_markdown(n)),
                json.dumps(doc, ensure_ascii=False),
                file_name=f"{slug}-option-{names.index(n) + 1}.geojson",
                mime="application/geo+json",
                icon=":material/download:",
                key=f"options_geojson_{names.index(n)}",
            )


# ---------------------------------------------------------------- the planner


def show_pending() -> None:
    """Widget values an action left for this run, set before the widgets exist."""
    st.session_state.update(st.session_state.pop(state.OPTIONS_PENDING, {}))


def _spent_maps(_: object = None) -> None:
    """After a committed change: the maps' mirrored values are spent."""
    for key in (state.OPTIONS_DRAW_MAP, state.OPTIONS_CLICK_MAP):
        st.session_state.pop(key, None)


def unit_costs(slug: str) -> None:
    """The community's editable unit cost table (placeholders until local prices are set)."""
    with st.expander(t("options.unit_costs"), icon=":material/payments:"):
        with transaction(engine()) as session:
            costs = services.get_unit_costs(session, slug)
        with st.form("options_costs", border=False):
            cols = st.columns(3)
            values = {
                key: cols[i % 3].number_input(
                    t(f"options.cost.{key}"), min_value=0.0, value=float(value), step=100.0
                )
                for i, (key, value) in enumerate(costs.items())
            }
            if st.form_submit_button(t("options.unit_costs.save"), icon=":material/save:"):
                act(
                    lambda s: services.set_unit_costs(s, slug, values, who=widgets.current_staff()),
                    t("options.unit_costs.saved"),
                    then=_spent_maps,
                    icon=DONE_ICON,
                )


def _new_option_form(slug: str, names_all: list[str], who: Any) -> None:
    with st.form("options_new", border=True):
        c1, c2 = st.columns(2)
        new_name = c1.text_input(t("options.new_name"), key="options_new_name")
        source = c2.selectbox(
            t("options.duplicate_from"),
            [None, *names_all],
            format_func=lambda n: t("options.duplicate_none") if n is None else n,
            key="options_new_source",
        )
        if st.form_submit_button(t("options.create"), icon=":material/add:"):

            def created(info: Any) -> None:
                picked = [n for n in st.session_state.get(state.OPTIONS_PICK, []) if n in names_all]
                st.session_state[state.OPTIONS_PENDING] = {
                    state.OPTIONS_PICK: [*picked[:2], info.name],
                    state.OPTIONS_EDIT: info.name,
                }
                _spent_maps()

            act(
                lambda s: services.create_option(s, slug, new_name, duplicate_of=source, who=who),
                lambda info: t("options.created", name=escape_markdown(info.name)),
                then=created,
                icon=DONE_ICON,
            )


def _row_tool(slug: str, name: str, od: Any, who: Any) -> None:
    """Draw a line on the map; a row of stalls goes along it (snapped to nearby edges)."""
    c1, c2 = st.columns(2)
    count = c1.number_input(t("options.stall_count"), 0, 400, 0, 1, key=state.OPTIONS_ROW_COUNT)
    side = c2.radio(
        t("options.stall_side"),
        ["left", "right"],
        format_func=lambda v: t(f"options.side.{v}"),
        horizontal=True,
        key=state.OPTIONS_ROW_SIDE,
    )
    st.caption(f"{t('options.draw_hint')} {t('options.snap_hint', m=f'{SNAP_TOLERANCE_M:g}')}")
    result = option_maps.render_option_map(od, lang(), key=state.OPTIONS_DRAW_MAP, draw=True)
    drawing = result.get("last_active_drawing") or None
    geometry = (drawing or {}).get("geometry") or {}
    fresh = geometry.get("type") == "LineString" and json.dumps(geometry) != st.session_state.get(
        state.OPTIONS_DONE_DRAWING
    )
    if not fresh:
        st.caption(t("options.no_line"))
    if not st.button(
        t("options.add_row"), type="primary", disabled=not fresh, key="options_add_row"
    ):
        return

    def add_row(session: Any) -> tuple[int, int]:
        line, snapped = snap_row_line(session, slug, name, shape(geometry))
        n = services.add_stall_row(
            session, slug, name, line, int(count) or None, side=side, who=who
        )
        return n, snapped

    def added(done: tuple[int, int]) -> str:
        n, snapped = done
        message = t("options.added_stalls", n=n, name=escape_markdown(name))
        if snapped:
            message += t("options.snapped", k=snapped, m=f"{SNAP_TOLERANCE_M:g}")
        return message

    def drawn(_: object) -> None:
        st.session_state[state.OPTIONS_DONE_DRAWING] = json.dumps(geometry)
        _spent_maps()

    act(add_row, added, then=drawn, icon=DONE_ICON)


def _remove_tool(slug: str, name: str, od: Any, who: Any) -> None:
    """Click an element on the map, then remove it from the option."""
    st.caption(t("options.remove_hint"))
    result = option_maps.render_option_map(od, lang(), key=state.OPTIONS_CLICK_MAP, clicks=True)
    clicked = result.get("last_clicked") or None
    if not clicked:
        return
    with shown_errors() as seen, transaction(engine()) as session:
        hit = services.element_at(session, slug, clicked["lng"], clicked["lat"])
    if seen.failed:
        return
    if hit is None:
        st.info(t("options.nothing_here"))
        return
    eid, kind, ename = hit
    label = f"{ename or ''} · {t('kind.' + kind)} #{eid}".strip(" ·")
    st.markdown(escape_markdown(t("options.remove_pick", label=label)))
    if st.button(t("options.remove_button"), type="primary", key="options_remove"):
        act(
            lambda s: services.remove_element(s, slug, name, eid, who=who),
            t("options.removed", label=escape_markdown(label), name=escape_markdown(name)),
            then=_spent_maps,
            icon=DONE_ICON,
        )


def _undo_and_delete(slug: str, name: str, changes: int, who: Any) -> None:
    if changes and st.button(t("options.undo"), icon=":material/undo:", key="options_undo"):
        act(
            lambda s: services.undo_last_change(s, slug, name, who=who),
            t("options.undone", name=escape_markdown(name)),
            then=_spent_maps,
            icon=DONE_ICON,
        )
    with st.expander(t("options.delete_title", name=name)):
        st.caption(t("options.delete_help"))
        sure = st.checkbox(t("options.delete_sure", name=name), key="options_delete_sure")
        if st.button(
            t("options.delete"), icon=":material/delete:", key="options_delete", disabled=not sure
        ):

            def deleted(_: object) -> None:
                st.session_state.pop(state.OPTIONS_EDIT, None)
                _spent_maps()

            act(
                lambda s: services.delete_unused_option(s, slug, name, who=who),
                t("options.deleted", name=name),
                then=deleted,
                icon=DONE_ICON,
            )


@st.fragment
def planner(slug: str, infos: list[Any], stamp: tuple[Any, ...]) -> None:
    """The planner's section: a new (or duplicated) option, unit costs, and the editing tools
    of the option chosen (a row of stalls, remove an element, undo, delete)."""
    who = widgets.current_staff()
    names_all = [o.name for o in infos]
    st.subheader(t("options.planner"))
    _new_option_form(slug, names_all, who)
    unit_costs(slug)
    if not names_all:
        return
    if st.session_state.get(state.OPTIONS_EDIT) not in names_all:
        st.session_state[state.OPTIONS_EDIT] = names_all[0]
    name = st.selectbox(t("options.edit_which"), names_all, key=state.OPTIONS_EDIT)
    info = next(o for o in infos if o.name == name)
    st.caption(t("options.changes", adds=info.adds, removes=info.removes, modifies=info.modifies))
    tool = st.radio(
        t("options.tool"),
        ["row", "remove"],
        format_func=lambda v: t(f"options.tool.{v}"),
        horizontal=True,
        key=state.OPTIONS_TOOL,
    )
    od = _map_data(slug, name, stamp)
    if tool == "row":
        _row_tool(slug, name, od, who)
    else:
        _remove_tool(slug, name, od, who)
    _undo_and_delete(slug, name, info.changes, who)
