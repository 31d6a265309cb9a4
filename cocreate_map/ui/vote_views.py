"""What a resident sees on the ballot page (ui/pages/vote.py), phone first: the receipt after a
vote, the confirmation before it, and one card per ballot with its choices and the linked
options (map and key metrics against today). Every text is escaped; the vote itself goes
through the use case, which checks the household may cast it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.metric_catalogue import metric_spec
from cocreate_map.services import ballots as ballot_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import option_maps, state
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import act, shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

OPTION_MAP_HEIGHT = 320
BIG_BUTTONS_CSS = """<style>
    .stButton button, .stFormSubmitButton button {min-height: 3.4rem;}
    .stButton button p, .stFormSubmitButton button p {font-size: 1.3rem;}
    .stTextInput input {font-size: 1.4rem; letter-spacing: .12em; min-height: 3rem;}
    </style>"""


def local(dt: datetime | None, with_date: bool = False) -> str:
    if dt is None:
        return ""
    return china_time(dt, "%m-%d %H:%M" if with_date else "%H:%M")


def choice_label(choice: Any) -> str:
    if isinstance(choice, list):
        return " → ".join(choice_label(c) for c in choice) if choice else t("choice.abstain")
    if choice in ("yes", "no", "abstain"):
        return t(f"choice.{choice}")
    return str(choice)


# ---------------------------------------------------------------- receipt / confirmation screens


def receipt_screen(receipt: dict[str, Any]) -> None:
    """The vote just recorded (or the conflict with a paper vote), and the way back."""
    text_key = {"recorded": "vote.recorded", "changed": "vote.changed"}.get(receipt["status"])
    if text_key:
        st.success(
            t(
                text_key,
                choice=escape_markdown(choice_label(receipt["choice"])),
                time=local(receipt["at"]),
            ),
            icon=":material/check_circle:",
        )
        until = receipt.get("until")
        st.markdown(
            t("vote.change_until", when=local(until, True)) if until else t("vote.change_any")
        )
    else:
        st.warning(t("vote.conflict"), icon=":material/info:")
    if st.button(t("vote.done"), type="primary", width="stretch", key="vote_done"):
        st.session_state.pop(state.VOTE_RECEIPT, None)
        st.rerun()


def _keep_receipt(cast: ballot_service.CastResult) -> None:
    st.session_state[state.VOTE_RECEIPT] = {
        "ballot_id": cast.ballot_id,
        "status": cast.status,
        "choice": cast.choice,
        "at": cast.cast_at,
        "until": cast.changeable_until,
    }


def confirm_screen(pending: dict[str, Any], household_id: int) -> None:
    """The choice to confirm: confirming casts it online (then the receipt), back drops it."""
    st.subheader(t("vote.confirm_title"))
    st.markdown(
        f"### {escape_markdown(t('vote.confirm_text', choice=choice_label(pending['choice'])))}"
    )
    st.caption(escape_markdown(pending["title"]))
    if st.button(t("vote.confirm"), type="primary", width="stretch", key="vote_confirm"):
        cast = act(
            lambda s: ballot_service.cast_vote(
                s, pending["ballot_id"], household_id, pending["choice"], "online"
            ),
            then=_keep_receipt,
        )
        st.session_state.pop(state.VOTE_PENDING, None)
        if cast:
            st.rerun()
    if st.button(t("vote.back"), width="stretch", key="vote_back"):
        st.session_state.pop(state.VOTE_PENDING, None)
        st.rerun()


# ---------------------------------------------------------------- an option linked to a ballot


def _number(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "green_ratio":
        return f"{100 * value:.1f} %"
    if key == "green_area_m2":
        return f"{value:,.0f} m²"
    if key == "fire_lane_min_clear_width_m":
        return f"{value:.1f} m"
    if key == "cost_total":
        return f"¥{value:,.0f}"
    return f"{value:,}"


def _delta(key: str, before: Any, after: Any) -> str:
    if before is None or after is None:
        return "—"
    d = after - before
    if abs(d) < 1e-9:
        return t("vote.option.same")
    if key == "green_ratio":
        text = f"{100 * d:+.1f} pt"
    elif key == "green_area_m2":
        text = f"{d:+,.0f} m²"
    elif key == "fire_lane_min_clear_width_m":
        text = f"{d:+.1f} m"
    elif key == "cost_total":
        text = f"+¥{d:,.0f}" if d > 0 else f"−¥{-d:,.0f}"
    else:
        text = f"{d:+,}"
    better = metric_spec(key).judge_on_ballot(d)  # the catalogue's: +1 better, -1 worse
    return f":green[**{text}**]" if better > 0 else f":red[**{text}**]" if better < 0 else text


def show_option(ballot_id: int, name: str, index: int) -> None:
    """The option's map and key metrics against today (computed when the expander opens)."""
    with (
        shown_errors(warning=True, icon=":material/info:", page=False) as seen,
        st.spinner(t("vote.option.loading")),
        transaction(engine()) as session,
    ):
        preview = ballot_service.option_preview(session, ballot_id, name)
    if seen.failed:
        return
    if preview.description:
        st.markdown(escape_markdown(preview.description))
    if preview.metrics.get("change_of_use"):
        st.warning(t("vote.option.change_of_use"), icon=":material/park:")
    rows = [
        f"| {t('vote.option.metric')} | {t('vote.option.today')} | {t('vote.option.this')} "
        f"| {t('vote.option.change')} |",
        "|:--|--:|--:|--:|",
    ]
    for key, before, after in preview.key_metrics():
        rows.append(
            f"| {t(metric_spec(key).vote_label or key)} | {_number(key, before)} "
            f"| **{_number(key, after)}** "
            f"| {_delta(key, before, after)} |"
        )
    st.markdown("\n".join(rows))
    option_maps.render_option_map(
        preview.map_data, lang(), key=f"vote_map_{ballot_id}_{index}", height=OPTION_MAP_HEIGHT
    )
    st.caption(option_maps.legend_caption(lang()))


def option_expander(ballot_id: int, name: str, index: int) -> None:
    """ "See the option" one tap away; its content is computed only while it is open."""
    box = st.expander(
        t("vote.see_option", name=escape_markdown(name)),
        icon=":material/map:",
        key=f"vote_{ballot_id}_option_{index}",
        on_change="rerun",
    )
    if box.open:
        with box:
            show_option(ballot_id, name, index)


# ---------------------------------------------------------------- one ballot


def ask(ballot_id: int, title: str, choice: Any) -> None:
    st.session_state[state.VOTE_PENDING] = {
        "ballot_id": ballot_id,
        "title": title,
        "choice": choice,
    }


def _choices(b: ballot_service.BallotInfo, linked: list[str]) -> None:
    """The buttons (yes-no, choose-one) or the multiselect (approval, ranked) to vote with;
    each asks for a confirmation first."""
    if b.kind in ("yes-no", "choose-one"):
        options = ["yes", "no", "abstain"] if b.kind == "yes-no" else [*b.choices, "abstain"]
        for c in options:
            st.button(
                escape_markdown(choice_label(c)),
                key=f"vote_{b.id}_{c}",
                width="stretch",
                type="primary" if c != "abstain" else "secondary",
                on_click=ask,
                args=(b.id, b.title, c),
            )
            if b.kind == "choose-one" and c in linked:
                option_expander(b.id, c, linked.index(c))
    else:
        picked = st.multiselect(
            t("vote.pick_ranked") if b.kind == "ranked" else t("vote.pick_many"),
            b.choices,
            key=f"vote_{b.id}_multi",
            placeholder=t("marks.choose"),
        )
        st.button(
            t("vote.submit"),
            key=f"vote_{b.id}_submit",
            width="stretch",
            type="primary",
            on_click=ask,
            args=(b.id, b.title, list(picked)),
        )


def ballot_card(b: ballot_service.BallotInfo, current: Any, slug: str) -> None:
    """One ballot: its question, deadline, the household's vote so far (``current``, or None),
    the choices while it is open, and the link to the result when it may be seen."""
    is_open = b.status == "open"
    with st.container(border=True, key=f"vote_ballot_{b.id}"):
        st.subheader(escape_markdown(b.title))
        if b.description:
            st.markdown(escape_markdown(b.description))
        if is_open:
            st.caption(
                t("vote.until", when=local(b.closes_at, True))
                if b.closes_at
                else t("vote.no_deadline")
            )
        else:
            st.caption(t("vote.closed"))
        if current is not None:
            st.info(
                t(
                    "vote.you_voted",
                    choice=escape_markdown(choice_label(current.choice)),
                    time=local(current.cast_at),
                )
                + " "
                + (
                    t("vote.change_until", when=local(b.closes_at, True))
                    if is_open and b.closes_at
                    else (t("vote.change_any") if is_open else "")
                ),
                icon=":material/how_to_vote:",
            )
        if is_open and current is not None and current.channel == "paper":
            st.caption(t("vote.paper_counted"))
        elif is_open:
            linked = list(b.options or [])
            if b.kind == "yes-no" or (linked and b.kind in ("approval", "ranked")):
                for i, name in enumerate(linked):
                    option_expander(b.id, name, i)
            st.markdown(t("vote.change") if current is not None else t("vote.not_voted"))
            _choices(b, linked)
            if not b.e_voting_recognised:
                st.caption(t("vote.consultative_note"))
        if not is_open or b.show_running:
            st.page_link(
                "cocreate_map/ui/pages/results.py",
                label=t("vote.see_result"),
                icon=":material/bar_chart:",
                query_params={"community": slug, "ballot": str(b.id), "lang": lang()},
            )
