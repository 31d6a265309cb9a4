"""Results of a ballot: outcome, both measures (households and area), turnout by building, the
thresholds with the reason a rule was met or missed, and the consultative label (DOMAIN.md R9).
Read straight from the database on every run (never cached)."""

from fractions import Fraction

import pandas as pd
import streamlit as st

from cocreate_map import decision_text
from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.voting import percent
from cocreate_map.services import ballots as ballot_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

community = widgets.current_community()
if community is None:
    st.stop()
st.title(t("results.title"))

with transaction(engine()) as session:
    ballots = ballot_service.ballot_infos(session, community.slug)
    states = {b.id: b.status for b in ballots}
    visible = [b for b in ballots if states[b.id] != "draft"]
if not visible:
    st.info(t("results.none"))
    st.stop()

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
ballot = next(b for b in visible if b.id == ballot_id)
st.button(t("results.refresh"), icon=":material/refresh:", key="results_refresh")

if states[ballot_id] == "open" and not ballot.show_running:
    st.info(t("results.hidden"))
    st.stop()

with shown_errors(), transaction(engine()) as session:
    res = ballot_service.tally_ballot(session, ballot_id)
if "res" not in dir():
    st.stop()
r = res.result
c = r.counts


def label(choice: str) -> str:
    return t(f"choice.{choice}") if choice in ("yes", "no", "abstain") else choice


def pct(x: Fraction) -> str:
    return f"{percent(x)} %"


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
        escape_markdown(decision_text.tie_text(lang(), r.tie, label)), icon=":material/balance:"
    )
if res.kind != "yes-no":
    st.caption(decision_text.tie_break_text(lang(), res.tie_break))
who = widgets.current_staff()
if res.partial_owners and res.status != "closed" and who and who.may_work_in(community.id):
    st.warning(t("decision.partial_owners", n=len(res.partial_owners)), icon=":material/warning:")
st.markdown(
    " · ".join(
        f"{escape_markdown(label(x.choice))} **{t('results.n_households', n=x.households)}**"
        for x in r.choices
    )
)
if res.consultative:
    st.info(t("results.consultative"), icon=":material/info:")

m1, m2 = st.columns(2)
m1.metric(
    t("results.participation_households"),
    f"{c.participating_households} / {c.households}",
    pct(r.participation_households_ratio),
    delta_color="off",
    delta_arrow="off",
)
m2.metric(
    t("results.participation_area"),
    f"{float(c.participating_area_m2):,.2f} m²",
    pct(r.participation_area_ratio),
    delta_color="off",
    delta_arrow="off",
)
m3, m4 = st.columns(2)
m3.metric(
    t("results.approval_households"),
    f"{c.agreeing_households}",
    pct(r.approval_households_ratio),
    delta_color="off",
    delta_arrow="off",
)
m4.metric(
    t("results.approval_area"),
    f"{float(c.agreeing_area_m2):,.2f} m²",
    pct(r.approval_area_ratio),
    delta_color="off",
    delta_arrow="off",
)
st.caption(
    t(
        "results.channels",
        online=res.channels.get("online", 0),
        paper=res.channels.get("paper", 0),
        assisted=res.channels.get("assisted", 0),
    )
)

st.markdown(f"#### {t('results.checks')}")


def check_lines(checks: object) -> None:
    for ch in checks:  # type: ignore[attr-defined]
        op = "≥" if ch.inclusive else ">"
        mark = t("results.met") if ch.met else t("results.not_met")
        icon = ":green[:material/check_circle:]" if ch.met else ":red[:material/cancel:]"
        st.markdown(
            f"{icon} {t(f'check.{ch.code}')}: **{pct(ch.ratio)}** "
            f"({op} {pct(ch.threshold)} — {mark})"
        )


if res.statutory is not None:  # the binding thresholds first, then the community's own rule
    st.markdown(f"**{t(f'decision.rule.{res.statutory.rule}')}**")
    check_lines(res.statutory.checks)
    st.markdown(f"**{t('decision.consultation_rule', rule=t(f'decision.rule.{r.rule}'))}**")
check_lines(r.checks)

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
if res.kind == "ranked":
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
    borda = [x for x in r.choices if x.borda_points is not None]
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

st.markdown(f"#### {t('results.turnout')}")
turnout = pd.DataFrame(
    {
        t("results.building"): [x.building for x in res.turnout],
        "%": [round(100 * x.voted / x.households, 1) if x.households else 0 for x in res.turnout],
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
    for detail in r.details:  # the calculation notes in the reader's language
        st.markdown(f"- {escape_markdown(decision_text.reason_text(lang(), detail))}")
