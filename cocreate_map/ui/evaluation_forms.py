"""What a household does on the 共评 page (ui/pages/evaluate.py): what the page reads in one
transaction, the star buttons, the comment, the "not done / not right" contest and signing a
convention. Every action runs through ``ui/feedback.act``; its answer (or the refusal, in the
reader's language) is shown next to the button that asked for it, after the rerun."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from cocreate_map.errors import CocreateError
from cocreate_map.services import conventions as convention_service
from cocreate_map.services import evaluation as evaluation_service
from cocreate_map.ui import evaluation_views as views
from cocreate_map.ui import state, style
from cocreate_map.ui.feedback import act
from cocreate_map.ui.state import lang, t

PAGE_STYLE = """<style>
    .stButton button, .stFormSubmitButton button {min-height: 3.2rem;}
    .stButton button p, .stFormSubmitButton button p {font-size: 1.25rem;}
    [data-testid="stMetricValue"], [data-testid="stMetricValue"] * {font-size: 1.6rem !important;
      font-weight: 700;}
    [class*="st-key-evaluate_stars_"] {flex-wrap: nowrap !important; gap: 6px !important;}
    [class*="st-key-evaluate_stars_"] > div {flex: 1 1 0 !important; min-width: 0 !important;
      width: auto !important;}
    [class*="st-key-evaluate_stars_"] .stButton button {width: 100%; min-width: 48px !important;
      min-height: 60px !important; padding: 0 !important;}
    [class*="st-key-evaluate_stars_"] .stButton button p {font-size: 1.5rem !important;}
    </style>"""


@dataclass(frozen=True)
class Evaluation:
    """Everything the 共评 page shows, read in one transaction."""

    summary: Any
    works: list[Any]
    results: dict[int, evaluation_service.WorkRatings]
    scopes: dict[int, tuple[str, ...]]
    mine: dict[int, int | None]
    contested: dict[int, bool]
    photos: dict[int, bytes]
    conventions: list[Any]
    progress: dict[int, Any]
    signed: dict[int, bool]


def read(session: Session, slug: str, me: dict[str, Any] | None) -> Evaluation:
    """The community's 共评 figures, its evaluated works with their ratings and its conventions,
    with what the household ``me`` (None: a visitor) already did."""
    works = evaluation_service.evaluated_works(session, slug)
    results = {w.id: evaluation_service.work_ratings(session, w.id) for w in works}
    conventions = convention_service.list_conventions(session, slug)
    return Evaluation(
        summary=evaluation_service.community_summary(session, slug),
        works=works,
        results=results,
        scopes={w.id: tuple(w.buildings or ()) for w in works},
        mine={
            w.id: evaluation_service.my_rating(session, w.id, me["id"]) if me else None
            for w in works
        },
        contested={
            w.id: bool(me) and evaluation_service.has_contested(session, w.id, me["id"])
            for w in works
        },
        photos={
            pid: evaluation_service.rating_photo(session, pid)[1]
            for r in results.values()
            for c in r.comments
            for pid in c.photo_ids
        },
        conventions=conventions,
        progress={c.id: convention_service.progress(session, c.id) for c in conventions},
        signed={
            c.id: bool(me) and convention_service.has_signed(session, c.id, me["id"])
            for c in conventions
        },
    )


def read_or_stop(slug: str, me: dict[str, Any] | None) -> Evaluation:
    """:func:`read`, or the refusal as a warning and the page stops."""
    found: list[Evaluation] = []

    def refused(exc: CocreateError) -> None:
        st.warning(exc.render(lang()), icon=":material/info:")
        st.stop()

    act(lambda session: found.append(read(session, slug, me)), refused=refused)
    return found[0]


def attempt(where: str, work: Callable[[Session], object], ok_text: str) -> bool:
    """Run one action through ``act``; its answer is kept for :func:`answer` at ``where``."""

    def refused(exc: CocreateError) -> None:
        st.session_state[state.EVALUATE_MSG] = (where, "error", exc.render(lang()))

    if not act(work, refused=refused):
        return False
    st.session_state[state.EVALUATE_MSG] = (where, "ok", ok_text)
    return True


def answer(where: str) -> None:
    """Show the last action's answer if it was asked for at ``where``."""
    msg = st.session_state.get(state.EVALUATE_MSG)
    if not msg or msg[0] != where:
        return
    st.session_state.pop(state.EVALUATE_MSG, None)
    if msg[1] == "ok":
        st.success(msg[2], icon=":material/check_circle:")
    else:
        st.error(msg[2], icon=":material/warning:")


# ---------------------------------------------------------------- works to rate
def rate(me: dict[str, Any], work_id: int, stars: int) -> None:
    """One tap on a star button saves the rating (the comment stays as it was)."""
    keep = st.session_state.get(f"{state.EVALUATE_COMMENT}{work_id}") or ""
    attempt(
        f"rate_{work_id}",
        lambda s: evaluation_service.rate_work(s, work_id, me["id"], stars, comment=keep),
        t("evaluate.rated", n=stars),
    )


def rate_block(data: Evaluation, me: dict[str, Any], w_id: int) -> None:
    """The five star buttons of one work, its comment form and its contest."""
    r = data.results[w_id]
    scope = data.scopes[w_id]
    if scope and me["building"] not in scope:
        st.caption(t("evaluate.not_concerned", b=t("works.list_sep").join(scope)))
        return
    if r.open_until is None:
        st.caption(t("evaluate.closed_now"))
        return
    current = data.mine[w_id]
    st.markdown(
        f"**{t('evaluate.your_rating', n=current)}**"
        if current
        else f"**{t('evaluate.tap_stars')}**"
    )
    with st.container(key=f"evaluate_stars_{w_id}", horizontal=True, gap="small"):
        for n in range(1, 6):
            st.button(
                t("evaluate.star_button", n=n),
                key=f"evaluate_star_{w_id}_{n}",
                type="primary" if current == n else "secondary",
                on_click=rate,
                args=(me, w_id, n),
                help=t(f"evaluate.star_help.{n}"),
            )
    answer(f"rate_{w_id}")
    st.caption(
        t("evaluate.stars_scale")
        + " "
        + t("evaluate.change_until", day=views.local_day(r.open_until))
    )
    if current:
        comment_form(me, w_id, current)
    contest_block(data, me, w_id)


def comment_form(me: dict[str, Any], w_id: int, current: int) -> None:
    """A comment and a photo added to the household's rating of one work."""
    with st.expander(t("evaluate.add_comment"), icon=":material/edit_note:"):
        with st.form(f"evaluate_comment_form_{w_id}"):
            text = st.text_area(
                t("evaluate.comment"), key=f"{state.EVALUATE_COMMENT}{w_id}", max_chars=500
            )
            photo = st.file_uploader(
                t("evaluate.photo"),
                type=["jpg", "jpeg", "png", "webp"],
                key=f"evaluate_photo_{w_id}",
            )
            st.caption(t("marks.photo_limit", mb=style.upload_limit_mb("photo")))
            if st.form_submit_button(t("evaluate.save_comment"), type="primary", width="stretch"):
                data = photo.getvalue() if photo is not None else None
                attempt(
                    f"comment_{w_id}",
                    lambda s: evaluation_service.rate_work(
                        s, w_id, me["id"], current, comment=text, photo=data
                    ),
                    t("evaluate.comment_saved"),
                )
                st.rerun()
        answer(f"comment_{w_id}")


def contest_block(data: Evaluation, me: dict[str, Any], w_id: int) -> None:
    """How many households said "not done / not right", and the form to say it."""
    r = data.results[w_id]
    needed = r.threshold * r.summary.households
    st.caption(
        t(
            "evaluate.contests_now",
            n=r.contests,
            total=r.summary.households,
            threshold=str(r.threshold),
            needed=-(-needed.numerator // needed.denominator),
        )
    )
    answer(f"contest_{w_id}")
    if data.contested[w_id]:
        st.info(t("evaluate.you_contested"), icon=":material/report:")
        return
    with st.expander(t("evaluate.contest"), icon=":material/report:"):
        with st.form(f"evaluate_contest_form_{w_id}"):
            reason = st.text_area(t("evaluate.contest_reason"), max_chars=300)
            if st.form_submit_button(t("evaluate.contest_send"), width="stretch"):
                result: list[Any] = []
                if attempt(
                    f"contest_{w_id}",
                    lambda s: result.append(
                        evaluation_service.contest_work(s, w_id, me["id"], reason)
                    ),
                    t("evaluate.contest_sent"),
                ):
                    if result[0].reopened:
                        st.session_state[state.EVALUATE_MSG] = (
                            f"contest_{w_id}",
                            "ok",
                            t("evaluate.contest_reopened"),
                        )
                st.rerun()


def work_card(data: Evaluation, me: dict[str, Any] | None, slug: str, w: Any) -> None:
    """One evaluated work: where and until when, its rating controls and its results."""
    r = data.results[w.id]
    with st.container(border=True, key=f"evaluate_work_{w.id}"):
        views.work_head(w.title, data.scopes[w.id], r)
        if me is not None and not r.reopened:
            rate_block(data, me, w.id)
        views.results_block(r, data.photos)
        st.page_link(
            "cocreate_map/ui/pages/works.py",
            label=t("evaluate.open_work"),
            icon=":material/construction:",
            query_params={"community": slug, "lang": lang(), "work": str(w.id)},
        )


def works_section(
    data: Evaluation, me: dict[str, Any] | None, slug: str, first: int | None
) -> None:
    """The evaluated works: the asked-for work first, then the works still open for rating
    (newest first), then the rest."""
    ordered = sorted(
        data.works, key=lambda w: (w.id != first, data.results[w.id].open_until is None)
    )
    st.markdown(f"### {t('evaluate.works', n=len(data.works))}")
    if not data.works:
        st.info(t("evaluate.no_works"), icon=":material/construction:")
    for w in ordered:
        work_card(data, me, slug, w)


# ---------------------------------------------------------------- conventions
def sign(me: dict[str, Any], convention_id: int) -> None:
    """The household signs a convention (a button callback)."""
    attempt(
        f"sign_{convention_id}",
        lambda s: convention_service.sign(s, convention_id, me["id"]),
        t("evaluate.signed_done"),
    )


def withdraw(me: dict[str, Any], convention_id: int) -> None:
    """The household withdraws its signature (a button callback)."""
    attempt(
        f"sign_{convention_id}",
        lambda s: convention_service.withdraw(s, convention_id, me["id"]),
        t("evaluate.withdrawn_done"),
    )


def sign_block(data: Evaluation, me: dict[str, Any], c: Any) -> None:
    """Sign or withdraw, where the convention concerns the household's building."""
    answer(f"sign_{c.id}")
    if c.buildings and me["building"] not in c.buildings:
        st.caption(t("evaluate.convention_not_yours"))
    elif data.signed[c.id]:
        st.success(t("evaluate.you_signed", v=c.version), icon=":material/verified:")
        st.button(
            t("evaluate.withdraw"),
            key=f"evaluate_withdraw_{c.id}",
            on_click=withdraw,
            args=(me, c.id),
            width="stretch",
        )
    else:
        st.markdown(t("evaluate.sign_hint"))
        st.button(
            t("evaluate.sign"),
            key=f"evaluate_sign_{c.id}",
            type="primary",
            on_click=sign,
            args=(me, c.id),
            width="stretch",
            icon=":material/draw:",
        )


def conventions_section(data: Evaluation, me: dict[str, Any] | None) -> None:
    """The community's conventions, each with its signatures and the household's choice."""
    st.markdown(f"### {t('evaluate.conventions', n=len(data.conventions))}")
    if not data.conventions:
        st.info(t("evaluate.no_conventions"), icon=":material/handshake:")
    for c in data.conventions:
        with st.container(border=True, key=f"evaluate_convention_{c.id}"):
            views.convention_card(c, data.progress[c.id])
            if me is not None:
                sign_block(data, me, c)
