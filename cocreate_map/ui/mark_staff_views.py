"""The tabs of the marks staff page (ui/pages/marks_staff.py): the queue of new marks, every mark
with filters, status changes one by one or in bulk with a reason and an official reply (from
templates), the summary, exports and the import of paper opinions, and the reply templates.
Every write runs through ``ui/feedback.act``; the use cases check the staff member again (a
building chief sees and acts on the marks of their buildings only)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from cocreate_map.domain.annotations import (
    CATEGORY_CLASS,
    REASON_REQUIRED,
    Action,
    Category,
    RenovationClass,
    Status,
    allowed_actions,
)
from cocreate_map.domain.china_time import china_time
from cocreate_map.services import mark_files
from cocreate_map.services import marks as mark_service
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.db import transaction
from cocreate_map.ui import state
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import act, shown_errors
from cocreate_map.ui.mark_views import cat_label, status_label
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

# in the order staff usually want them; hiding is last so it is never the default
BULK_ACTIONS = [
    Action.PUBLISH,
    Action.DISCUSS,
    Action.ADOPT,
    Action.START,
    Action.RESOLVE,
    Action.DECLINE,
    Action.UNHIDE,
    Action.HIDE,
]


def notice() -> None:
    """The last action's confirmation, once, after the rerun."""
    msg = st.session_state.pop(state.MARKS_STAFF_NOTICE, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def done(msg: str) -> None:
    """Keep ``msg`` for :func:`notice` and rerun (call it after the action committed)."""
    st.session_state[state.MARKS_STAFF_NOTICE] = msg
    st.rerun()


def action_label(action: str) -> str:
    return t(f"mark_action.{action}")


def table(marks: list[mark_service.MarkInfo]) -> pd.DataFrame:
    """The marks as the editor's rows, with an unticked "pick" column."""
    return pd.DataFrame(
        {
            "pick": [False] * len(marks),
            "id": [m.id for m in marks],
            "category": [cat_label(m.category.value) for m in marks],
            "status": [status_label(m.status.value) for m in marks],
            "safety": [m.safety for m in marks],
            "supports": [m.supports for m in marks],
            "building": [m.building or "" for m in marks],
            "source": [t(f"marks.source_{m.source}") for m in marks],
            "submitted": [china_time(m.submitted_at, "%m-%d %H:%M") for m in marks],
            "text": [m.text for m in marks],
        }
    )


def action_form(
    who: StaffIdentity, slug: str, key: str, ids: list[int], states: set[Status]
) -> None:
    """Pick an action allowed for every selected mark, a reason where needed, a reply."""
    possible = [a for a in BULK_ACTIONS if all(a in allowed_actions(s) for s in states)]
    if not ids:
        st.caption(t("marks_staff.pick_first"))
        return
    if not possible:
        st.warning(t("marks_staff.no_common_action"), icon=":material/info:")
        return
    with transaction(engine()) as session:
        templates = mark_service.reply_templates(session, slug, lang())
    c1, c2 = st.columns([1, 2])
    action = c1.selectbox(
        t("marks_staff.action"), [a.value for a in possible], format_func=action_label,
        key=f"{key}_action",
    )  # fmt: skip
    reply_key = f"{key}_reply"
    if st.session_state.pop(f"{key}_clear", False):  # after an action: no reply posted twice
        st.session_state[reply_key] = ""
        st.session_state[f"{key}_template"] = ""
        st.session_state.pop(f"{key}_reason", None)

    def use_template() -> None:
        st.session_state[reply_key] = st.session_state[f"{key}_template"]

    c2.selectbox(
        t("marks_staff.template"), ["", *templates], key=f"{key}_template",
        format_func=lambda x: x or t("marks_staff.no_template"), on_change=use_template,
    )  # fmt: skip
    reason = ""
    if Action(action) in REASON_REQUIRED:
        reason = st.text_input(t("marks_staff.reason"), key=f"{key}_reason", max_chars=300)
    reply = st.text_area(t("marks_staff.reply"), key=reply_key, max_chars=500, height=90)
    if st.button(
        t("marks_staff.apply", action=action_label(action), n=len(ids)), type="primary",
        key=f"{key}_apply",
    ) and act(
        lambda s: mark_service.bulk_action(s, ids, action, who, reason=reason, reply=reply)
    ):  # fmt: skip
        st.session_state[f"{key}_clear"] = True
        done(t("marks_staff.applied", action=action_label(action), n=len(ids)))


def marks_editor(key: str, marks: list[mark_service.MarkInfo]) -> list[int]:
    """The marks as a table with a tick per row; the ids ticked."""
    if not marks:
        st.info(t("marks_staff.none"), icon=":material/inbox:")
        return []
    edited = st.data_editor(
        table(marks),
        key=key,
        hide_index=True,
        width="stretch",
        disabled=[c for c in table([]).columns if c != "pick"],
        column_config={
            "pick": st.column_config.CheckboxColumn(t("marks_staff.col_pick"), width="small"),
            "id": st.column_config.NumberColumn("#", width="small"),
            "category": t("marks_staff.col_category"),
            "status": t("marks_staff.col_status"),
            "safety": st.column_config.CheckboxColumn(t("marks_staff.col_safety"), width="small"),
            "supports": st.column_config.NumberColumn(t("marks_staff.col_supports")),
            "building": t("marks_staff.col_building"),
            "source": t("marks_staff.col_source"),
            "submitted": t("marks_staff.col_submitted"),
            "text": st.column_config.TextColumn(t("marks_staff.col_text"), width="large"),
        },
    )
    return [int(i) for i in edited.loc[edited["pick"], "id"]]


def queue_tab(who: StaffIdentity, slug: str) -> None:
    """The new marks waiting for review, oldest first, with the action form."""
    with transaction(engine()) as session:
        queue = mark_service.list_marks(
            session, slug, statuses=[Status.SUBMITTED.value], staff=who, sort="newest"
        )
    queue.reverse()  # oldest first
    st.caption(t("marks_staff.queue_hint", n=len(queue)))
    picked = marks_editor("marks_staff_queue", queue)
    by_id = {m.id: m for m in queue}
    action_form(who, slug, "marks_staff_q", picked, {by_id[i].status for i in picked})


def all_tab(who: StaffIdentity, slug: str) -> None:
    """Every mark the staff member may see, filtered, with the action form and a link to the
    public page of a single picked mark."""
    c1, c2, c3 = st.columns(3)
    f_status = c1.multiselect(
        t("marks.filter_status"), [s.value for s in Status], format_func=status_label,
        key="marks_staff_f_status",placeholder=t("marks.choose"))  # fmt: skip
    f_cat = c2.multiselect(
        t("marks.filter_category"), [c.value for c in Category], format_func=cat_label,
        key="marks_staff_f_cat",placeholder=t("marks.choose"))  # fmt: skip
    with transaction(engine()) as session:
        buildings = mark_service.buildings_of(session, slug)
    f_building = c3.selectbox(
        t("marks.filter_building"), ["", *buildings],
        format_func=lambda b: b or t("marks.all_buildings"), key="marks_staff_f_building",
    )  # fmt: skip
    with shown_errors() as outcome, transaction(engine()) as session:
        everything = mark_service.list_marks(
            session, slug, statuses=f_status, categories=f_cat, building=f_building or None,
            staff=who, sort="supported",
        )  # fmt: skip
    if outcome.failed:  # refused: the message is shown above, there is nothing to list
        return
    picked_all = marks_editor("marks_staff_all", everything)
    by_id_all = {m.id: m for m in everything}
    action_form(who, slug, "marks_staff_a", picked_all, {by_id_all[i].status for i in picked_all})
    if len(picked_all) == 1:
        only = by_id_all[picked_all[0]]
        st.markdown(f"**#{only.id} · {cat_label(only.category.value)}**")
        st.markdown(escape_markdown(only.text))
        st.page_link(
            "cocreate_map/ui/pages/marks.py",
            label=t("marks_staff.open_public"),
            icon=":material/open_in_new:",
            query_params={"community": slug, "mark": str(only.id), "lang": lang()},
        )


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def summary_tab(who: StaffIdentity, slug: str) -> None:
    """The figures the seeds report: totals, response, resolution and satisfaction, by
    category and class, by building and by status."""
    with transaction(engine()) as session:
        s = mark_service.summary(session, slug, staff=who)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("marks_staff.total"), s.total)
    m2.metric(t("marks_staff.response_rate"), _rate(s.response_rate))
    m3.metric(t("marks_staff.resolution_rate"), _rate(s.resolution_rate))
    m4.metric(
        t("marks_staff.satisfaction"),
        "—" if s.satisfaction is None else f"{s.satisfaction:.1f} / 5",
        help=t("marks_staff.ratings_n", n=s.ratings),
    )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('marks_staff.by_category')}**")
        rows = sorted(s.by_category.items(), key=lambda kv: -kv[1])
        st.dataframe(
            pd.DataFrame(
                {
                    t("marks_staff.col_category"): [cat_label(k) for k, _ in rows],
                    t("marks_staff.col_class"): [
                        t(f"class.{CATEGORY_CLASS[Category(k)].value}") for k, _ in rows
                    ],
                    t("marks_staff.col_count"): [v for _, v in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.markdown(
            " · ".join(
                f"{t(f'class.{c.value}')} **{s.by_class.get(c.value, 0)}**" for c in RenovationClass
            )
        )
    with right:
        st.markdown(f"**{t('marks_staff.by_building')}**")
        brow = sorted(s.by_building.items(), key=lambda kv: (len(kv[0]), kv[0]))
        building_col, count_col = t("marks_staff.col_building"), t("marks_staff.col_count")
        st.bar_chart(
            pd.DataFrame(
                {
                    building_col: [t("marks.building_n", b=k) for k, _ in brow],
                    count_col: [v for _, v in brow],
                }
            ),
            x=building_col,
            y=count_col,
            horizontal=True,
            sort=False,  # building order, not alphabetical ("10" after "9")
            height=max(160, 28 * len(brow) + 40),
        )
        st.markdown(
            " · ".join(f"{status_label(k)} **{v}**" for k, v in sorted(s.by_status.items()))
        )


def io_tab(who: StaffIdentity, slug: str) -> None:
    """The marks as GeoJSON and CSV, and the import of opinions collected on paper."""
    st.markdown(f"**{t('marks_staff.export')}**")
    c1, c2 = st.columns(2)
    with transaction(engine()) as session:
        geojson = mark_files.export_marks(session, slug, "geojson", who)
        csv_bytes = mark_files.export_marks(session, slug, "csv", who)
    c1.download_button(
        t("marks_staff.export_geojson"), geojson, f"{slug}-marks.geojson",
        "application/geo+json", icon=":material/download:", width="stretch",
    )  # fmt: skip
    c2.download_button(
        t("marks_staff.export_csv"), csv_bytes, f"{slug}-marks.csv", "text/csv",
        icon=":material/download:", width="stretch",
    )  # fmt: skip
    st.divider()
    st.markdown(f"**{t('marks_staff.import_paper')}**")
    st.caption(t("marks_staff.import_hint"))
    upload = st.file_uploader(
        t("marks_staff.import_file"), type=["csv", "xlsx", "geojson", "json"],
        key="marks_staff_paper",
    )  # fmt: skip
    if upload is not None and st.button(
        t("marks_staff.import_button"), type="primary", key="marks_staff_import"
    ):
        imported: list[mark_files.PaperImport] = []
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            act(lambda s: imported.append(mark_files.import_paper_marks(s, path, slug, who)))
        if imported:
            done(t("marks_staff.imported", n=imported[0].created))


def templates_tab(who: StaffIdentity, slug: str) -> None:
    """The community's official reply templates, one a line."""
    st.caption(t("marks_staff.templates_hint"))
    with transaction(engine()) as session:
        current = mark_service.reply_templates(session, slug, lang())
    text = st.text_area(
        t("marks_staff.templates"), "\n".join(current), height=200, key="marks_staff_templates"
    )
    if st.button(t("marks_staff.save_templates"), key="marks_staff_save_templates"):
        lines = [x for x in text.splitlines() if x.strip()]
        if act(lambda s: mark_service.set_reply_templates(s, slug, lang(), lines, staff=who)):
            done(t("marks_staff.templates_saved"))
