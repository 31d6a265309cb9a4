"""共评 (co-evaluation and conventions), phone first: the community's 共评 figures with their
denominators; each finished work with its results (average, satisfaction, response rate, by
building and by how households voted) where a signed-in household taps one of five big star
buttons to rate it — one tap saves — adds a comment or photo, changes its rating until the
evaluation closes, or says "not done / not right"; and the community's conventions, which a
household signs or withdraws its signature from. ``?work=ID`` puts one work first."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cocreate_map.domain.evaluation import percent_text
from cocreate_map.errors import CocreateError
from cocreate_map.services import conventions as convention_service
from cocreate_map.services import evaluation as evaluation_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import evaluation_views as views
from cocreate_map.ui import style, widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

MSG = "evaluate_msg"  # (where, "ok" | "error", text): the last action's answer, shown next to it

st.html(
    """<style>
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
)

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("evaluate.title"))
st.caption(t("evaluate.intro"))


def attempt(where: str, work: Any, ok_text: str) -> bool:
    """Run one action in one transaction; its answer (or the refusal, in the reader's language)
    is shown next to the button that asked for it, after the rerun."""
    try:
        with transaction(engine()) as session:
            work(session)
    except CocreateError as exc:
        st.session_state[MSG] = (where, "error", exc.render(lang()))
        return False
    st.session_state[MSG] = (where, "ok", ok_text)
    return True


def answer(where: str) -> None:
    msg = st.session_state.get(MSG)
    if not msg or msg[0] != where:
        return
    st.session_state.pop(MSG, None)
    if msg[1] == "ok":
        st.success(msg[2], icon=":material/check_circle:")
    else:
        st.error(msg[2], icon=":material/warning:")


# ---------------------------------------------------------------- who is here
me = widgets.household_gate(
    slug, form_key="evaluate_join", required=False, compact=True,
    expander_label=t("evaluate.join_expander"),
)  # fmt: skip
if me is not None:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f"**{escape_markdown(t('vote.joined_as', label=widgets.household_label(me)))}**")
    if right.button(t("vote.leave"), key="evaluate_leave"):
        widgets.leave_household()
        st.rerun()
else:
    st.caption(t("evaluate.join_to_rate"))

try:
    with transaction(engine()) as session:
        summary = evaluation_service.community_summary(session, slug)
        works = evaluation_service.evaluated_works(session, slug)
        results = {w.id: evaluation_service.work_ratings(session, w.id) for w in works}
        scopes = {w.id: tuple(w.buildings or ()) for w in works}
        mine = {
            w.id: evaluation_service.my_rating(session, w.id, me["id"]) if me else None
            for w in works
        }
        contested = {
            w.id: bool(me) and evaluation_service.has_contested(session, w.id, me["id"])
            for w in works
        }
        photos = {
            pid: evaluation_service.rating_photo(session, pid)[1]
            for r in results.values()
            for c in r.comments
            for pid in c.photo_ids
        }
        conventions = convention_service.list_conventions(session, slug)
        progress = {c.id: convention_service.progress(session, c.id) for c in conventions}
        signed = {
            c.id: bool(me) and convention_service.has_signed(session, c.id, me["id"])
            for c in conventions
        }
except CocreateError as exc:
    st.warning(exc.render(lang()), icon=":material/info:")
    st.stop()

# ---------------------------------------------------------------- the community's figures
st.markdown(f"### {t('evaluate.summary')}")
with st.container(border=True, key="evaluate_summary"):
    c1, c2, c3 = st.columns(3)
    c1.metric(t("evaluate.resolution"), views.share(summary.marks_resolved, summary.marks_adopted))
    c2.metric(t("evaluate.satisfaction"), views.share(summary.works_satisfied, summary.works_rated))
    c3.metric(t("evaluate.complaints"), t("evaluate.complaints_n", n=summary.contests))
    st.caption(
        t(
            "evaluate.summary_note",
            resolved=summary.marks_resolved,
            adopted=summary.marks_adopted,
            satisfied=summary.works_satisfied,
            rated=summary.works_rated,
            works=summary.works_evaluated,
            contested=summary.contested_works,
            reopened=summary.reopened_works,
        )
    )


# ---------------------------------------------------------------- works to rate
def rate(work_id: int, stars: int) -> None:
    """One tap on a star button saves the rating (the comment stays as it was)."""
    assert me is not None
    keep = st.session_state.get(f"evaluate_comment_{work_id}") or ""
    attempt(
        f"rate_{work_id}",
        lambda s: evaluation_service.rate_work(s, work_id, me["id"], stars, comment=keep),
        t("evaluate.rated", n=stars),
    )


def rate_block(w_id: int, r: evaluation_service.WorkRatings) -> None:
    assert me is not None
    scope = scopes[w_id]
    if scope and me["building"] not in scope:
        st.caption(t("evaluate.not_concerned", b=t("works.list_sep").join(scope)))
        return
    if r.open_until is None:
        st.caption(t("evaluate.closed_now"))
        return
    current = mine[w_id]
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
                args=(w_id, n),
                help=t(f"evaluate.star_help.{n}"),
            )
    answer(f"rate_{w_id}")
    st.caption(
        t("evaluate.stars_scale")
        + " "
        + t("evaluate.change_until", day=views.local_day(r.open_until))
    )
    if current:
        with st.expander(t("evaluate.add_comment"), icon=":material/edit_note:"):
            with st.form(f"evaluate_comment_form_{w_id}"):
                text = st.text_area(
                    t("evaluate.comment"), key=f"evaluate_comment_{w_id}", max_chars=500
                )
                photo = st.file_uploader(
                    t("evaluate.photo"),
                    type=["jpg", "jpeg", "png", "webp"],
                    key=f"evaluate_photo_{w_id}",
                )
                st.caption(t("marks.photo_limit", mb=style.upload_limit_mb("photo")))
                if st.form_submit_button(
                    t("evaluate.save_comment"), type="primary", width="stretch"
                ):
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
    contest_block(w_id, r)


def contest_block(w_id: int, r: evaluation_service.WorkRatings) -> None:
    assert me is not None
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
    if contested[w_id]:
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
                        st.session_state[MSG] = (
                            f"contest_{w_id}",
                            "ok",
                            t("evaluate.contest_reopened"),
                        )
                st.rerun()


wanted = st.query_params.get("work")
first = int(wanted) if wanted and str(wanted).isdigit() else None
# the asked-for work first, then the works still open for rating (newest first), then the rest
ordered = sorted(works, key=lambda w: (w.id != first, results[w.id].open_until is None))
st.markdown(f"### {t('evaluate.works', n=len(works))}")
if not works:
    st.info(t("evaluate.no_works"), icon=":material/construction:")
for w in ordered:
    r = results[w.id]
    with st.container(border=True, key=f"evaluate_work_{w.id}"):
        st.subheader(escape_markdown(w.title))
        where = (
            t("works.buildings", b=t("works.list_sep").join(scopes[w.id]))
            if scopes[w.id]
            else t("works.whole_community")
        )
        state = (
            t("evaluate.open_until", day=views.local_day(r.open_until))
            if r.open_until
            else t("evaluate.closed_state")
        )
        st.caption(f"{escape_markdown(where)} · {state}")
        if r.reopened and r.reopen_reason:
            st.warning(
                f"{t('works.reopened')} {escape_markdown(r.reopen_reason)}",
                icon=":material/build:",
            )
        if me is not None and not r.reopened:
            rate_block(w.id, r)
        views.results_block(r, photos)
        st.page_link(
            "cocreate_map/ui/pages/works.py",
            label=t("evaluate.open_work"),
            icon=":material/construction:",
            query_params={"community": slug, "lang": lang(), "work": str(w.id)},
        )


# ---------------------------------------------------------------- conventions
def sign(convention_id: int) -> None:
    assert me is not None
    attempt(
        f"sign_{convention_id}",
        lambda s: convention_service.sign(s, convention_id, me["id"]),
        t("evaluate.signed_done"),
    )


def withdraw(convention_id: int) -> None:
    assert me is not None
    attempt(
        f"sign_{convention_id}",
        lambda s: convention_service.withdraw(s, convention_id, me["id"]),
        t("evaluate.withdrawn_done"),
    )


st.markdown(f"### {t('evaluate.conventions', n=len(conventions))}")
if not conventions:
    st.info(t("evaluate.no_conventions"), icon=":material/handshake:")
for c in conventions:
    p = progress[c.id]
    with st.container(border=True, key=f"evaluate_convention_{c.id}"):
        st.subheader(f"{escape_markdown(c.title)}")
        st.caption(
            t("evaluate.version", v=c.version)
            + " · "
            + (
                t("works.buildings", b=t("works.list_sep").join(c.buildings))
                if c.buildings
                else t("works.whole_community")
            )
        )
        st.metric(t("evaluate.signed_households"), views.share(p.signed, p.households))
        st.progress(
            0.0 if not p.households else p.signed / p.households,
            text=t("evaluate.signed_of", signed=p.signed, total=p.households),
        )
        with st.expander(t("evaluate.articles", n=len(c.articles)), icon=":material/list:"):
            st.markdown(
                "\n".join(f"{i}. {escape_markdown(a)}" for i, a in enumerate(c.articles, 1))
            )
        with st.expander(t("evaluate.by_building"), icon=":material/apartment:"):
            rows = [
                f"| {t('evaluate.col.building')} | {t('evaluate.col.signed')} "
                f"| {t('evaluate.col.share')} |",
                "|:--|--:|--:|",
            ]
            for b in p.by_building:
                rows.append(
                    f"| {t('evaluate.building_n', b=escape_markdown(b.building))} "
                    f"| {b.signed}/{b.households} | {percent_text(b.share) or '—'}% |"
                )
            st.markdown("\n".join(rows))
        if me is None:
            continue
        answer(f"sign_{c.id}")
        if c.buildings and me["building"] not in c.buildings:
            st.caption(t("evaluate.convention_not_yours"))
        elif signed[c.id]:
            st.success(t("evaluate.you_signed", v=c.version), icon=":material/verified:")
            st.button(
                t("evaluate.withdraw"),
                key=f"evaluate_withdraw_{c.id}",
                on_click=withdraw,
                args=(c.id,),
                width="stretch",
            )
        else:
            st.markdown(t("evaluate.sign_hint"))
            st.button(
                t("evaluate.sign"),
                key=f"evaluate_sign_{c.id}",
                type="primary",
                on_click=sign,
                args=(c.id,),
                width="stretch",
                icon=":material/draw:",
            )
