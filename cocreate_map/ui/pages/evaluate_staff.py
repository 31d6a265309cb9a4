"""共评 for staff: enter paper self-evaluation forms (ratings) and paper signatures; draft a
convention (title, numbered articles, scope) and publish a changed text as a new version; follow
the signing by building as a table and as shading on the map; building chiefs see the
households of their buildings that have not signed, to visit them; print the signature sheet per
building and the works' rating forms. Every action goes through the services, which check the
role again (admins and planners draft conventions; building chiefs enter their buildings' paper)."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import streamlit as st

from cocreate_map import services
from cocreate_map.domain.evaluation import percent_text
from cocreate_map.errors import CocreateError
from cocreate_map.services import conventions as convention_service
from cocreate_map.services import evaluation as evaluation_service
from cocreate_map.services.access import EDITORS
from cocreate_map.services.works import building_labels, household_by_label
from cocreate_map.storage.db import transaction
from cocreate_map.ui import convention_maps, state, widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

NOTICE = "evaluate_staff_notice"

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("evaluate_staff.title"))
who = widgets.staff_gate("evaluate_staff_sign_in")
if not who.may_work_in(community.id):
    st.warning(t("staff.not_for_role"), icon=":material/lock:")
    st.stop()
if who.buildings:
    st.caption(t("works.staff_scope", buildings=", ".join(who.buildings)))
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice, icon=":material/check_circle:")


def run(work: Any, ok_text: str) -> bool:
    """One action in one transaction; the refusal is shown where the form is, nothing written."""
    try:
        with transaction(engine()) as session:
            work(session)
    except CocreateError as exc:
        st.error(exc.render(lang()), icon=":material/warning:")
        return False
    st.session_state[NOTICE] = ok_text
    st.rerun()
    return True  # not reached


with transaction(engine()) as session:
    works = [(w.id, w.title) for w in evaluation_service.evaluated_works(session, slug)]
    conventions = convention_service.list_conventions(session, slug)
    buildings = services.map_data(session, slug)
    all_buildings = building_labels(session, slug)

work_names = {i: f"#{i} {title}" for i, title in works}
convention_names = {
    c.id: f"#{c.id} {c.title}（{t('evaluate.version', v=c.version)}）" for c in conventions
}

tab_paper, tab_signatures, tab_progress, tab_draft, tab_print = st.tabs(
    [
        t("evaluate_staff.tab_ratings"),
        t("evaluate_staff.tab_signatures"),
        t("evaluate_staff.tab_progress"),
        t("evaluate_staff.tab_draft"),
        t("evaluate_staff.tab_print"),
    ]
)

# ---------------------------------------------------------------- paper ratings
with tab_paper:
    st.caption(t("evaluate_staff.ratings_help"))
    if not works:
        st.info(t("evaluate.no_works"), icon=":material/construction:")
    else:
        with st.form("evaluate_staff_rate"):
            work_id = st.selectbox(
                t("evaluate_staff.work"), list(work_names), format_func=work_names.__getitem__
            )
            household = st.text_input(t("evaluate_staff.household"), placeholder="1-1-101")
            stars = st.segmented_control(
                t("evaluate_staff.stars"), [1, 2, 3, 4, 5], format_func=lambda n: f"{n} ★",
                key="evaluate_staff_stars",
            )  # fmt: skip
            comment = st.text_area(t("evaluate.comment"), max_chars=500)
            if st.form_submit_button(t("evaluate_staff.save_rating"), type="primary"):

                def paper_rating(s: Any) -> None:
                    hid = household_by_label(s, slug, household)
                    evaluation_service.rate_work(
                        s, work_id, hid, "" if stars is None else stars, comment, paper=True,
                        who=who,
                    )  # fmt: skip

                run(paper_rating, t("evaluate_staff.rating_saved", household=household, n=stars))

# ---------------------------------------------------------------- paper signatures
with tab_signatures:
    st.caption(t("evaluate_staff.signatures_help"))
    if not conventions:
        st.info(t("evaluate.no_conventions"), icon=":material/handshake:")
    else:
        with st.form("evaluate_staff_sign"):
            cid = st.selectbox(
                t("evaluate_staff.convention"), list(convention_names),
                format_func=convention_names.__getitem__,
            )  # fmt: skip
            household = st.text_input(
                t("evaluate_staff.household"), placeholder="1-1-101", key="evaluate_staff_sign_hh"
            )
            c_sign, c_withdraw = st.columns(2)
            signing = c_sign.form_submit_button(
                t("evaluate_staff.record_signature"), type="primary"
            )
            withdrawing = c_withdraw.form_submit_button(t("evaluate_staff.withdraw_signature"))
            if signing or withdrawing:

                def paper_signature(s: Any) -> None:
                    hid = household_by_label(s, slug, household)
                    if signing:
                        convention_service.sign(s, cid, hid, paper=True, who=who)
                    else:
                        convention_service.withdraw(s, cid, hid, who=who)

                run(
                    paper_signature,
                    t(
                        "evaluate_staff.signature_saved"
                        if signing
                        else "evaluate_staff.signature_withdrawn",
                        household=household,
                    ),
                )

# ---------------------------------------------------------------- progress: table, map, visits
with tab_progress:
    if not conventions:
        st.info(t("evaluate.no_conventions"), icon=":material/handshake:")
    else:
        cid = st.selectbox(
            t("evaluate_staff.convention"), list(convention_names),
            format_func=convention_names.__getitem__, key="evaluate_staff_progress_pick",
        )  # fmt: skip
        with transaction(engine()) as session:
            p = convention_service.progress(session, cid)
            shapes = convention_service.progress_shapes(session, cid)
            to_visit = convention_service.unsigned(session, cid, who)
        share = percent_text(None if not p.households else Fraction(p.signed, p.households))
        st.metric(
            t("evaluate.signed_households"),
            f"{p.signed}/{p.households}",
            help=t("evaluate_staff.progress_help"),
        )
        st.progress(
            0.0 if not p.households else p.signed / p.households,
            text=f"{share or '—'}%",
        )
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
            buildings, shapes, lang(), key=f"evaluate_staff_map_{cid}", height=460
        )
        st.caption(t("evaluate_staff.map_caption"))
        st.markdown(f"#### {t('evaluate_staff.to_visit', n=len(to_visit))}")
        if who.buildings:
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

# ---------------------------------------------------------------- draft, new version
with tab_draft:
    if who.role not in EDITORS:
        st.info(t("evaluate_staff.draft_editors"), icon=":material/lock:")
    else:
        st.markdown(f"#### {t('evaluate_staff.new_convention')}")
        with st.form("evaluate_staff_create"):
            title = st.text_input(t("evaluate_staff.convention_title"), max_chars=100)
            articles = st.text_area(
                t("evaluate_staff.articles"), height=220, help=t("evaluate_staff.articles_help")
            )
            scope = st.multiselect(
                t("evaluate_staff.scope"), all_buildings, placeholder=t("evaluate_staff.scope_all")
            )
            if st.form_submit_button(t("evaluate_staff.create"), type="primary"):
                run(
                    lambda s: convention_service.create_convention(
                        s, slug, title, articles, buildings=scope, who=who
                    ),
                    t("evaluate_staff.created", title=title),
                )
        if conventions:
            st.markdown(f"#### {t('evaluate_staff.revise')}")
            st.caption(t("evaluate_staff.revise_help"))
            rid = st.selectbox(
                t("evaluate_staff.convention"), list(convention_names),
                format_func=convention_names.__getitem__, key="evaluate_staff_revise_pick",
            )  # fmt: skip
            current = next(c for c in conventions if c.id == rid)
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
                            s, rid, new_title, new_articles, who=who
                        ),
                        t("evaluate_staff.revised", v=current.version + 1),
                    )

# ---------------------------------------------------------------- print: sheets and forms
with tab_print:
    if conventions:
        st.markdown(f"#### {t('evaluate_staff.sheet')}")
        pid = st.selectbox(
            t("evaluate_staff.convention"), list(convention_names),
            format_func=convention_names.__getitem__, key="evaluate_staff_print_pick",
        )  # fmt: skip
        chosen = next(c for c in conventions if c.id == pid)
        in_scope = list(chosen.buildings) or all_buildings
        if who.buildings:
            in_scope = [b for b in in_scope if b in who.buildings]
        everyone = t("evaluate_staff.all_buildings")
        building = st.selectbox(
            t("evaluate.col.building"), [everyone, *in_scope], key="evaluate_staff_print_building"
        )
        if st.button(t("evaluate_staff.make_sheet"), key="evaluate_staff_make_sheet"):
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "sheet.pdf"
                try:
                    with transaction(engine()) as session:
                        convention_service.signature_sheet_pdf(
                            session, pid, out, building=None if building == everyone else building
                        )
                    st.session_state[state.EVALUATE_STAFF_SHEET] = (pid, building, out.read_bytes())
                except CocreateError as exc:
                    st.error(exc.render(lang()), icon=":material/warning:")
        sheet = st.session_state.get(state.EVALUATE_STAFF_SHEET)
        if sheet and sheet[:2] == (pid, building):
            st.download_button(
                t("evaluate_staff.download_sheet"), sheet[2],
                file_name=f"convention-{pid}-sheet.pdf",
                mime="application/pdf", icon=":material/download:",
            )  # fmt: skip
    if works:
        st.markdown(f"#### {t('evaluate_staff.form')}")
        fid = st.selectbox(
            t("evaluate_staff.work"), list(work_names), format_func=work_names.__getitem__,
            key="evaluate_staff_form_pick",
        )  # fmt: skip
        if st.button(t("evaluate_staff.make_form"), key="evaluate_staff_make_form"):
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "form.pdf"
                try:
                    with transaction(engine()) as session:
                        evaluation_service.ratings_form_pdf(session, fid, out)
                    st.session_state[state.EVALUATE_STAFF_FORM] = (fid, out.read_bytes())
                except CocreateError as exc:
                    st.error(exc.render(lang()), icon=":material/warning:")
        form = st.session_state.get(state.EVALUATE_STAFF_FORM)
        if form and form[0] == fid:
            st.download_button(
                t("evaluate_staff.download_form"), form[1], file_name=f"work-{fid}-form.pdf",
                mime="application/pdf", icon=":material/download:",
            )  # fmt: skip
