"""The tabs of the 共评 staff page (ui/pages/evaluate_staff.py): paper ratings and paper
signatures, the signing progress by building (table, map, households to visit), drafting and
revising a convention, and the printed signature sheets and rating forms. Every action runs
through ``ui/feedback.act``; the use cases check the role again."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from cocreate_map import services
from cocreate_map.domain.evaluation import percent_text
from cocreate_map.errors import CocreateError
from cocreate_map.services import conventions as convention_service
from cocreate_map.services import evaluation as evaluation_service
from cocreate_map.services.access import EDITORS
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.services.works import building_labels, household_by_label
from cocreate_map.storage.db import transaction
from cocreate_map.ui import convention_maps, state
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import act
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t


@dataclass(frozen=True)
class Desk:
    """What every tab works on: the staff member, the community's evaluated works and
    conventions (with their labels), its buildings on the map and as labels."""

    who: StaffIdentity
    slug: str
    works: list[tuple[int, str]]
    conventions: list[Any]
    buildings: Any
    all_buildings: list[str]

    @property
    def work_names(self) -> dict[int, str]:
        return {i: f"#{i} {title}" for i, title in self.works}

    @property
    def convention_names(self) -> dict[int, str]:
        return {
            c.id: f"#{c.id} {c.title}（{t('evaluate.version', v=c.version)}）"
            for c in self.conventions
        }


def read(who: StaffIdentity, slug: str) -> Desk:
    """The works, conventions and buildings the tabs offer, in one transaction."""
    with transaction(engine()) as session:
        return Desk(
            who=who,
            slug=slug,
            works=[(w.id, w.title) for w in evaluation_service.evaluated_works(session, slug)],
            conventions=convention_service.list_conventions(session, slug),
            buildings=services.map_data(session, slug),
            all_buildings=building_labels(session, slug),
        )


def notice() -> None:
    """The last action's confirmation, once, after the rerun."""
    msg = st.session_state.pop(state.EVALUATE_STAFF_NOTICE, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def _refused(exc: CocreateError) -> None:
    st.error(exc.render(lang()), icon=":material/warning:")


def run(work: Any, ok_text: str) -> bool:
    """One action through ``act``; the refusal is shown where the form is, nothing written;
    after the commit the confirmation is kept for :func:`notice` and the page reruns."""
    if not act(work, refused=_refused):
        return False
    st.session_state[state.EVALUATE_STAFF_NOTICE] = ok_text
    st.rerun()
    return True  # not reached


def _pick_convention(desk: Desk, key: str | None = None) -> Any:
    """A selectbox of the community's conventions; the id picked."""
    names = desk.convention_names
    return st.selectbox(
        t("evaluate_staff.convention"), list(names), format_func=names.__getitem__, key=key
    )


def paper_ratings_tab(desk: Desk) -> None:
    """Enter a household's paper self-evaluation form."""
    st.caption(t("evaluate_staff.ratings_help"))
    if not desk.works:
        st.info(t("evaluate.no_works"), icon=":material/construction:")
        return
    names = desk.work_names
    with st.form("evaluate_staff_rate"):
        work_id = st.selectbox(t("evaluate_staff.work"), list(names), format_func=names.__getitem__)
        household = st.text_input(t("evaluate_staff.household"), placeholder="1-1-101")
        stars = st.segmented_control(
            t("evaluate_staff.stars"), [1, 2, 3, 4, 5], format_func=lambda n: f"{n} ★",
            key="evaluate_staff_stars",
        )  # fmt: skip
        comment = st.text_area(t("evaluate.comment"), max_chars=500)
        if st.form_submit_button(t("evaluate_staff.save_rating"), type="primary"):

            def paper_rating(s: Session) -> None:
                hid = household_by_label(s, desk.slug, household)
                evaluation_service.rate_work(
                    s, work_id, hid, "" if stars is None else stars, comment, paper=True,
                    who=desk.who,
                )  # fmt: skip

            run(paper_rating, t("evaluate_staff.rating_saved", household=household, n=stars))


def paper_signatures_tab(desk: Desk) -> None:
    """Record or withdraw a household's paper signature."""
    st.caption(t("evaluate_staff.signatures_help"))
    if not desk.conventions:
        st.info(t("evaluate.no_conventions"), icon=":material/handshake:")
        return
    with st.form("evaluate_staff_sign"):
        cid = _pick_convention(desk)
        household = st.text_input(
            t("evaluate_staff.household"), placeholder="1-1-101", key="evaluate_staff_sign_hh"
        )
        c_sign, c_withdraw = st.columns(2)
        signing = c_sign.form_submit_button(t("evaluate_staff.record_signature"), type="primary")
        withdrawing = c_withdraw.form_submit_button(t("evaluate_staff.withdraw_signature"))
        if signing or withdrawing:

            def paper_signature(s: Session) -> None:
                hid = household_by_label(s, desk.slug, household)
                if signing:
                    convention_service.sign(s, cid, hid, paper=True, who=desk.who)
                else:
                    convention_service.withdraw(s, cid, hid, who=desk.who)

            run(
                paper_signature,
                t(
                    "evaluate_staff.signature_saved"
                    if signing
                    else "evaluate_staff.signature_withdrawn",
                    household=household,
                ),
            )


def progress_tab(desk: Desk) -> None:
    """A convention's signing: the figure, the table by building, the map, and the households
    still to visit (a building chief's buildings only)."""
    if not desk.conventions:
        st.info(t("evaluate.no_conventions"), icon=":material/handshake:")
        return
    cid = _pick_convention(desk, "evaluate_staff_progress_pick")
    with transaction(engine()) as session:
        p = convention_service.progress(session, cid)
        shapes = convention_service.progress_shapes(session, cid)
        to_visit = convention_service.unsigned(session, cid, desk.who)
    share = percent_text(None if not p.households else Fraction(p.signed, p.households))
    st.metric(
        t("evaluate.signed_households"),
        f"{p.signed}/{p.households}",
        help=t("evaluate_staff.progress_help"),
    )
    st.progress(0.0 if not p.households else p.signed / p.households, text=f"{share or '—'}%")
    st.dataframe(
        [
            {
                t("evaluate.col.building"): b.building,
                t("evaluate_staff.col.households"): b.households,
                t("evaluate.col.signed"): b.signed,
                t("evaluate_staff.col.unsigned"): b.households - b.signed,
                t("evaluate.col.share"): f"{percent_text(b.share) or '—'}%",
            }
            for b in p.by_building
        ],
        hide_index=True,
        width="stretch",
    )
    convention_maps.render_progress_map(
        desk.buildings, shapes, lang(), key=f"evaluate_staff_map_{cid}", height=460
    )
    st.caption(t("evaluate_staff.map_caption"))
    st.markdown(f"#### {t('evaluate_staff.to_visit', n=len(to_visit))}")
    if desk.who.buildings:
        st.caption(t("evaluate_staff.to_visit_chief"))
    by_building: dict[str, list[str]] = {}
    for b, u, r in to_visit:
        by_building.setdefault(b, []).append(f"{u}-{r}")
    for b, rooms in by_building.items():
        with st.expander(
            t("evaluate_staff.building_unsigned", b=b, n=len(rooms)),
            icon=":material/door_front:",
        ):
            st.markdown(t("works.list_sep").join(escape_markdown(x) for x in rooms))


def draft_tab(desk: Desk) -> None:
    """Draft a new convention, or publish a changed text as a new version (editors only)."""
    if desk.who.role not in EDITORS:
        st.info(t("evaluate_staff.draft_editors"), icon=":material/lock:")
        return
    st.markdown(f"#### {t('evaluate_staff.new_convention')}")
    with st.form("evaluate_staff_create"):
        title = st.text_input(t("evaluate_staff.convention_title"), max_chars=100)
        articles = st.text_area(
            t("evaluate_staff.articles"), height=220, help=t("evaluate_staff.articles_help")
        )
        scope = st.multiselect(
            t("evaluate_staff.scope"), desk.all_buildings,
            placeholder=t("evaluate_staff.scope_all"),
        )  # fmt: skip
        if st.form_submit_button(t("evaluate_staff.create"), type="primary"):
            run(
                lambda s: convention_service.create_convention(
                    s, desk.slug, title, articles, buildings=scope, who=desk.who
                ),
                t("evaluate_staff.created", title=title),
            )
    if desk.conventions:
        revise_form(desk)


def revise_form(desk: Desk) -> None:
    """A convention's text, changed and published as its next version."""
    st.markdown(f"#### {t('evaluate_staff.revise')}")
    st.caption(t("evaluate_staff.revise_help"))
    rid = _pick_convention(desk, "evaluate_staff_revise_pick")
    current = next(c for c in desk.conventions if c.id == rid)
    with st.form(f"evaluate_staff_revise_{rid}"):
        new_title = st.text_input(
            t("evaluate_staff.convention_title"), value=current.title, max_chars=100
        )
        new_articles = st.text_area(
            t("evaluate_staff.articles"),
            value="\n".join(current.articles),
            height=260,
            help=t("evaluate_staff.articles_help"),
        )
        if st.form_submit_button(t("evaluate_staff.publish_version"), type="primary"):
            run(
                lambda s: convention_service.revise_convention(
                    s, rid, new_title, new_articles, who=desk.who
                ),
                t("evaluate_staff.revised", v=current.version + 1),
            )


def _pdf(make: Any, name: str) -> bytes | None:
    """Write a PDF through ``make(session, path)`` in one transaction; its bytes, or None
    (the refusal shown)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        if act(lambda s: make(s, out), refused=_refused):
            return out.read_bytes()
    return None


def print_tab(desk: Desk) -> None:
    """The signature sheet of a convention (per building) and the rating form of a work."""
    if desk.conventions:
        signature_sheet(desk)
    if desk.works:
        rating_form(desk)


def signature_sheet(desk: Desk) -> None:
    """Make and download a convention's signature sheet, for one building or all."""
    st.markdown(f"#### {t('evaluate_staff.sheet')}")
    pid = _pick_convention(desk, "evaluate_staff_print_pick")
    chosen = next(c for c in desk.conventions if c.id == pid)
    in_scope = list(chosen.buildings) or desk.all_buildings
    if desk.who.buildings:
        in_scope = [b for b in in_scope if b in desk.who.buildings]
    everyone = t("evaluate_staff.all_buildings")
    building = st.selectbox(
        t("evaluate.col.building"), [everyone, *in_scope], key="evaluate_staff_print_building"
    )
    if st.button(t("evaluate_staff.make_sheet"), key="evaluate_staff_make_sheet"):
        data = _pdf(
            lambda s, out: convention_service.signature_sheet_pdf(
                s, pid, out, building=None if building == everyone else building
            ),
            "sheet.pdf",
        )
        if data is not None:
            st.session_state[state.EVALUATE_STAFF_SHEET] = (pid, building, data)
    sheet = st.session_state.get(state.EVALUATE_STAFF_SHEET)
    if sheet and sheet[:2] == (pid, building):
        st.download_button(
            t("evaluate_staff.download_sheet"), sheet[2],
            file_name=f"convention-{pid}-sheet.pdf",
            mime="application/pdf", icon=":material/download:",
        )  # fmt: skip


def rating_form(desk: Desk) -> None:
    """Make and download a work's paper rating form."""
    st.markdown(f"#### {t('evaluate_staff.form')}")
    names = desk.work_names
    fid = st.selectbox(
        t("evaluate_staff.work"), list(names), format_func=names.__getitem__,
        key="evaluate_staff_form_pick",
    )  # fmt: skip
    if st.button(t("evaluate_staff.make_form"), key="evaluate_staff_make_form"):
        data = _pdf(lambda s, out: evaluation_service.ratings_form_pdf(s, fid, out), "form.pdf")
        if data is not None:
            st.session_state[state.EVALUATE_STAFF_FORM] = (fid, data)
    form = st.session_state.get(state.EVALUATE_STAFF_FORM)
    if form and form[0] == fid:
        st.download_button(
            t("evaluate_staff.download_form"), form[1], file_name=f"work-{fid}-form.pdf",
            mime="application/pdf", icon=":material/download:",
        )  # fmt: skip
