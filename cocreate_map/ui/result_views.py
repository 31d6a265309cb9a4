"""What the results page (ui/pages/results.py) shows of a ballot's tally: the outcome, both
measures (households and area), the thresholds with the reason a rule was met or missed, the
charts, the rounds of a ranked ballot, turnout by building and the calculation notes. Each view
takes the :class:`~cocreate_map.services.ballots.BallotResult` the page read; every text a
resident wrote is escaped."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import pandas as pd
import streamlit as st

from cocreate_map import decision_text
from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.voting import percent
from cocreate_map.services import ballots as ballot_service
from cocreate_map.ui import widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.state import lang, t


def label(choice: str) -> str:
    return t(f"choice.{choice}") if choice in ("yes", "no", "abstain") else choice


def pct(x: Fraction) -> str:
    return f"{percent(x)} %"


def pick_ballot(ballots: list[ballot_service.BallotInfo]) -> ballot_service.BallotInfo | None:
    """The ballot to show (from ``?ballot=``, else the newest one not in draft), picked in a
    select box that keeps the address in step; None when no ballot is shown yet."""
    states = {b.id: b.status for b in ballots}
    visible = [b for b in ballots if states[b.id] != "draft"]
    if not visible:
        st.info(t("results.none"))
        return None
    ids = [b.id for b in visible]
    titles = {b.id: b.title for b in visible}
    wanted = widgets.id_param("ballot")
    start = wanted if wanted in ids else ids[0]
    ballot_id = st.selectbox(
        t("ballots.pick_ballot"),
        ids,
        index=ids.index(start),
        format_func=lambda i: f"#{i} {titles[i]} · {t(f'ballots.status.{states[i]}')}",
        key="results_ballot",
    )
    if st.query_params.get("ballot") != str(ballot_id):
        st.query_params["ballot"] = str(ballot_id)
    return next(b for b in visible if b.id == ballot_id)


def outcome(res: ballot_service.BallotResult, community_id: int) -> None:
    """Title, voting period, the headline (a running count never reads as the result), the
    consultation, a tie, and the per-choice household counts. The community's staff also see
    the partial-owner warning while the ballot is not closed."""
    r = res.result
    st.subheader(escape_markdown(res.title))
    st.caption(
        t(
            "results.voting_period",
            opens=china_time(res.opens_at) or "—",
            closes=china_time(res.closed_at or res.closes_at) or "—",
        )
    )
    if res.status == "open":
        st.caption(t("results.running"))
    decision = res.decision  # the outcome that binds: the statutory one for a reserved matter
    running = res.status == "open"
    headline = decision_text.headline(lang(), decision, label, running=running)
    headline = f"**{escape_markdown(headline)}**"
    if decision.winner is None and r.leader and res.kind != "yes-no" and r.tie is None:
        headline += " · " + t("results.leader", choice=escape_markdown(label(r.leader)))
    box = {"passed": st.success, "rejected": st.error, "invalid": st.warning}[decision.outcome]
    if running:  # a running count is never announced as the result
        headline = t("results.so_far", headline=headline)
        box = st.info
    box(headline)
    consultation = decision_text.consultation_text(lang(), decision)
    if consultation:
        st.info(escape_markdown(consultation), icon=":material/forum:")
        st.caption(t("decision.legal_note"))
    if r.tie is not None and not decision.tie_headline:
        st.warning(
            escape_markdown(decision_text.tie_text(lang(), r.tie, label)),
            icon=":material/balance:",
        )
    if res.kind != "yes-no":
        st.caption(decision_text.tie_break_text(lang(), res.tie_break))
    who = widgets.current_staff()
    if res.partial_owners and res.status != "closed" and who and who.may_work_in(community_id):
        st.warning(
            t("decision.partial_owners", n=len(res.partial_owners)), icon=":material/warning:"
        )
    st.markdown(
        " · ".join(
            f"{escape_markdown(label(x.choice))} **{t('results.n_households', n=x.households)}**"
            for x in r.choices
        )
    )
    if res.consultative:
        st.info(t("results.consultative"), icon=":material/info:")


def _metric(where: Any, key: str, value: str, ratio: Fraction) -> None:
    where.metric(t(key), value, pct(ratio), delta_color="off", delta_arrow="off")


def measures(res: ballot_service.BallotResult) -> None:
    """Participation and approval, by households and by area, and the votes per channel."""
    r = res.result
    c = r.counts
    m1, m2 = st.columns(2)
    _metric(
        m1,
        "results.participation_households",
        f"{c.participating_households} / {c.households}",
        r.participation_households_ratio,
    )
    _metric(
        m2,
        "results.participation_area",
        f"{float(c.participating_area_m2):,.2f} m²",
        r.participation_area_ratio,
    )
    m3, m4 = st.columns(2)
    _metric(
        m3, "results.approval_households", f"{c.agreeing_households}", r.approval_households_ratio
    )
    _metric(
        m4, "results.approval_area", f"{float(c.agreeing_area_m2):,.2f} m²", r.approval_area_ratio
    )
    st.caption(
        t(
            "results.channels",
            online=res.channels.get("online", 0),
            paper=res.channels.get("paper", 0),
            assisted=res.channels.get("assisted", 0),
        )
    )


def _check_lines(checks: Iterable[Any]) -> None:
    for ch in checks:
        op = "≥" if ch.inclusive else ">"
        mark = t("results.met") if ch.met else t("results.not_met")
        icon = ":green[:material/check_circle:]" if ch.met else ":red[:material/cancel:]"
        st.markdown(
            f"{icon} {t(f'check.{ch.code}')}: **{pct(ch.ratio)}** "
            f"({op} {pct(ch.threshold)} — {mark})"
        )


def checks(res: ballot_service.BallotResult) -> None:
    """The thresholds: the binding statutory ones first, then the community's own rule."""
    st.markdown(f"#### {t('results.checks')}")
    r = res.result
    if res.statutory is not None:
        st.markdown(f"**{t(f'decision.rule.{res.statutory.rule}')}**")
        _check_lines(res.statutory.checks)
        st.markdown(f"**{t('decision.consultation_rule', rule=t(f'decision.rule.{r.rule}'))}**")
    _check_lines(r.checks)


def choice_charts(res: ballot_service.BallotResult) -> None:
    """The choices by households and by area, side by side; approvals of an approval ballot."""
    r = res.result
    choice_rows = pd.DataFrame(
        {
            t("results.choice"): [label(x.choice) for x in r.choices],
            t("results.households"): [x.households for x in r.choices],
            t("results.area"): [float(x.area_m2) for x in r.choices],
        }
    ).set_index(t("results.choice"))
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {t('results.by_households')}")
        st.bar_chart(choice_rows[t("results.households")], horizontal=True, height=220, sort=False)
    with right:
        st.markdown(f"#### {t('results.by_area')}")
        st.bar_chart(choice_rows[t("results.area")], horizontal=True, height=220, sort=False)
    if res.kind == "approval":
        st.markdown(f"#### {t('results.approvals')}")
        st.dataframe(
            pd.DataFrame(
                {
                    t("results.choice"): [label(x.choice) for x in r.choices],
                    t("results.approving_households"): [x.households for x in r.choices],
                    t("results.approving_area"): [f"{float(x.area_m2):,.2f}" for x in r.choices],
                }
            ),
            hide_index=True,
            key="results_approvals",
        )


def ranked_rounds(res: ballot_service.BallotResult) -> None:
    """A ranked ballot's instant-runoff rounds and, where counted, its Borda points."""
    st.markdown(f"#### {t('results.rounds')}")
    for rnd in res.irv_rounds():
        st.markdown(f"**{t('results.round', n=rnd.number)}**")
        st.table(
            pd.DataFrame(
                {
                    t("results.choice"): [label(x.choice) for x in rnd.rows],
                    t("results.votes"): [x.votes for x in rnd.rows],
                    t("results.round_status"): [
                        t(f"results.{x.status}") if x.status else "" for x in rnd.rows
                    ],
                }
            ).set_index(t("results.choice"))
        )
        if rnd.exhausted:
            st.caption(t("results.round_exhausted", n=rnd.exhausted))
    borda = [x for x in res.result.choices if x.borda_points is not None]
    if borda:
        st.markdown(f"#### {t('results.borda')}")
        st.table(
            pd.DataFrame(
                {
                    t("results.choice"): [label(x.choice) for x in borda],
                    t("results.borda_points"): [x.borda_points for x in borda],
                }
            ).set_index(t("results.choice"))
        )


def turnout_and_notes(res: ballot_service.BallotResult) -> None:
    """Turnout by building, open conflicts, register changes during the vote, and the
    calculation notes in the reader's language."""
    st.markdown(f"#### {t('results.turnout')}")
    turnout = pd.DataFrame(
        {
            t("results.building"): [x.building for x in res.turnout],
            "%": [
                round(100 * x.voted / x.households, 1) if x.households else 0 for x in res.turnout
            ],
        }
    ).set_index(t("results.building"))
    st.bar_chart(turnout, height=240, y_label="%", x_label=t("results.building"), sort=False)
    if res.open_conflicts:
        st.warning(t("results.conflicts", n=res.open_conflicts))
    if res.register_changes:
        with st.expander(t("results.register_changes", n=len(res.register_changes)), expanded=True):
            for change in res.register_changes:
                st.markdown(
                    escape_markdown(
                        f"{china_time(change.get('at'))} · {change.get('actor', '')} · "
                        f"{widgets.register_change_text(change)}"
                    )
                )
    with st.expander(t("results.reasons")):
        for detail in res.result.details:
            st.markdown(f"- {escape_markdown(decision_text.reason_text(lang(), detail))}")
