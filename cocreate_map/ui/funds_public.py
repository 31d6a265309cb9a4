"""What the 资金公示 page (ui/pages/funds.py) shows, for everyone: totals in / out / balance by
account, income by source, spending against budget per work, the ledger with its receipts, donors
as they consented, volunteer labour in kind and the thanks board; and the form where a signed-in
household reports its own volunteer hours (through ``ui/feedback.act``)."""

from __future__ import annotations

from fractions import Fraction

import altair as alt
import pandas as pd
import streamlit as st

from cocreate_map.domain import funds as dom
from cocreate_map.services import funds as funds_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import state, widgets
from cocreate_map.ui.feedback import act
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t

PAGE_STYLE = """<style>
    [data-testid="stMarkdownContainer"] p {font-size: 1.08rem;}
    [data-testid="stMetricValue"] {font-size: 1.7rem;}
    .stButton button, .stFormSubmitButton button {min-height: 3rem;}
    </style>"""


def y(fen: int) -> str:
    return f"¥{dom.yuan_text(fen)}"


def whole_yuan(fen: int) -> int:
    """Chart bars in whole yuan (the tables beside them are exact to the fen)."""
    return dom.round_half_up(Fraction(fen, 100))


def notice() -> None:
    """The last action's confirmation, once, after the rerun."""
    msg = st.session_state.pop(state.FUNDS_NOTICE, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def totals(s: funds_service.FundsSummary) -> None:
    """Income, expense and balance, the labour in kind and what waits for approval."""
    c1, c2, c3 = st.columns(3)
    c1.metric(t("funds.income"), y(s.totals.income))
    c2.metric(t("funds.expense"), y(s.totals.expense))
    c3.metric(t("funds.balance"), y(s.totals.balance))
    st.caption(
        t("funds.in_kind_line", value=y(s.in_kind_fen), hours=dom.hours_text(s.verified_quarters))
        + (
            " · " + t("funds.pending_line", n=s.totals.pending, value=y(s.totals.pending_fen))
            if s.totals.pending
            else ""
        )
    )


def by_account(s: funds_service.FundsSummary) -> None:
    """Income, expense and balance per account."""
    st.subheader(t("funds.by_account"))
    st.dataframe(
        pd.DataFrame(
            {
                t("funds.col.account"): [a.name for a in s.accounts],
                t("funds.income"): [y(a.income_fen) for a in s.accounts],
                t("funds.expense"): [y(a.expense_fen) for a in s.accounts],
                t("funds.balance"): [y(a.balance_fen) for a in s.accounts],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def by_source(s: funds_service.FundsSummary) -> None:
    """Income by source, as bars."""
    if s.income_by_source:
        st.subheader(t("funds.by_source"))
        src = pd.DataFrame(
            {
                "source": [t(f"funds.source.{k}") for k, _ in s.income_by_source],
                "yuan": [whole_yuan(v) for _, v in s.income_by_source],
                "label": [y(v) for _, v in s.income_by_source],
            }
        )
        chart = (
            alt.Chart(src)
            .mark_bar(color="#2e7d32")
            .encode(
                x=alt.X("yuan:Q", title=t("funds.yuan_axis")),
                y=alt.Y("source:N", sort="-x", title=None),
                tooltip=[
                    alt.Tooltip("source:N", title=t("funds.col.source")),
                    alt.Tooltip("label:N", title=t("funds.col.amount")),
                ],
            )
        )
        st.altair_chart(chart, width="stretch")


def by_work(s: funds_service.FundsSummary) -> None:
    """Budget, spending and labour in kind per work, as bars and a line each."""
    if s.works:
        st.subheader(t("funds.by_work"))
        rows = []
        for w in s.works:
            for what, fen in (
                ("budget", w.budget_fen),
                ("spent", w.spent_fen),
                ("in_kind", w.in_kind_fen),
            ):
                rows.append(
                    {
                        "work": w.title,
                        "what": t(f"funds.work.{what}"),
                        "yuan": whole_yuan(fen),
                        "label": y(fen),
                    }
                )
        order = [t("funds.work.budget"), t("funds.work.spent"), t("funds.work.in_kind")]
        chart = (
            alt.Chart(pd.DataFrame(rows))
            .mark_bar()
            .encode(
                x=alt.X("yuan:Q", title=t("funds.yuan_axis")),
                y=alt.Y("work:N", title=None, axis=alt.Axis(labelLimit=150)),
                yOffset=alt.YOffset("what:N", sort=order),
                color=alt.Color(
                    "what:N", title=None, sort=order, legend=alt.Legend(orient="bottom"),
                    scale=alt.Scale(range=["#9e9e9e", "#1565c0", "#2e7d32"]),
                ),
                tooltip=[alt.Tooltip("work:N", title=" "), alt.Tooltip("what:N", title=" "),
                         alt.Tooltip("label:N", title=t("funds.col.amount"))],
            )
            .properties(height=alt.Step(22))
        )  # fmt: skip
        st.altair_chart(chart, width="stretch")
        for w in s.works:
            st.caption(
                t("funds.work_line", title=w.title, spent=y(w.spent_fen), budget=y(w.budget_fen),
                  pending=y(w.pending_fen), in_kind=y(w.in_kind_fen), progress=w.progress_pct)
            )  # fmt: skip


def source_of(e: funds_service.EntryInfo) -> str:
    """Who paid or was paid, as the donor consented to be shown."""
    if e.kind is dom.Kind.EXPENSE:
        return e.payee
    if e.source:
        return e.source
    return t(f"funds.hidden.{e.donor_type or 'anonymous'}")


def ledger(entries: list[funds_service.EntryInfo]) -> None:
    """The ledger, and the receipt photos of its latest entries."""
    st.subheader(t("funds.ledger"))
    if not entries:
        st.info(t("funds.no_entries"), icon=":material/info:")
    else:
        sign = {True: "-", False: "+"}
        st.dataframe(
            pd.DataFrame(
                {
                    "No.": [e.id for e in entries],
                    t("funds.col.date"): [str(e.occurred_on or "") for e in entries],
                    t("funds.col.kind"): [t(f"funds.kind.{e.kind.value}") for e in entries],
                    t("funds.col.amount"): [
                        sign[(e.kind is dom.Kind.EXPENSE) != (e.reverses_id is not None)]
                        + y(e.amount_fen)
                        for e in entries
                    ],
                    t("funds.col.source"): [source_of(e) for e in entries],
                    t("funds.col.work"): [e.work_title for e in entries],
                    t("funds.col.status"): [t(f"funds.status.{e.status}") for e in entries],
                    t("funds.col.receipt"): [
                        e.receipt_no + (" 📷" if e.photo_ids else "") for e in entries
                    ],
                    t("funds.col.approved"): [e.approved_by or "" for e in entries],
                    t("funds.col.note"): [e.note for e in entries],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        with_photos = [e for e in entries if e.photo_ids][:24]
        if with_photos:
            with st.expander(
                t("funds.receipts", n=len(with_photos)), icon=":material/receipt_long:"
            ):
                choices = {
                    f"No.{e.id} {t(f'funds.kind.{e.kind.value}')} {y(e.amount_fen)} {e.receipt_no}": e
                    for e in with_photos
                }
                pick = choices[st.selectbox(t("funds.receipt_pick"), list(choices))]
                with transaction(engine()) as session:
                    for pid in pick.photo_ids:
                        st.image(funds_service.photo(session, pid).data, width=360)


def donors(s: funds_service.FundsSummary) -> None:
    """Donors by name where they consented, the others counted."""
    st.subheader(t("funds.donors"))
    d = s.donors
    if d.named:  # a plain table: readable on a phone and printable, every name in the page text
        st.table(
            pd.DataFrame(
                {
                    t("funds.col.donor"): [n for n, _ in d.named],
                    t("funds.col.amount"): [y(v) for _, v in d.named],
                }
            ).set_index(t("funds.col.donor"))
        )
    if d.hidden_households:
        st.write(
            t("funds.hidden_households", n=d.hidden_households, value=y(d.hidden_households_fen))
        )
    if d.other_hidden:
        st.write(t("funds.hidden_other", n=d.other_hidden, value=y(d.other_hidden_fen)))
    st.caption(t("funds.consent_note"))


def labour_section(s: funds_service.FundsSummary, labour: list[funds_service.LabourInfo]) -> None:
    """Volunteer hours, their value in kind and the thanks board."""
    st.subheader(t("funds.labour"))
    rate = y(s.labour_rate_fen) if s.labour_rate_fen else t("funds.rate_unset")
    st.write(
        t(
            "funds.labour_line",
            hours=dom.hours_text(s.verified_quarters),
            rate=rate,
            value=y(s.in_kind_fen),
        )
    )
    if labour:
        st.dataframe(
            pd.DataFrame(
                {
                    t("funds.col.date"): [str(i.worked_on) for i in labour],
                    t("funds.col.who"): [i.who or t("funds.volunteer") for i in labour],
                    t("funds.col.team"): [i.team for i in labour],
                    t("funds.col.work"): [i.work_title for i in labour],
                    t("funds.col.task"): [i.task for i in labour],
                    t("funds.col.hours"): [dom.hours_text(i.quarter_hours) for i in labour],
                    t("funds.col.status"): [
                        t("funds.verified") if i.verified_by else t("funds.unverified")
                        for i in labour
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if s.thanks:
        st.subheader(t("funds.thanks"))
        st.write(
            "　".join(
                f"**{n.name}**{'（' + n.team + '）' if n.team else ''} {dom.hours_text(n.quarter_hours)} h"
                for n in s.thanks
            )
        )


def report_hours(slug: str, s: funds_service.FundsSummary) -> None:
    """A signed-in household reports its own volunteer hours (counted once staff verify them)."""
    with st.expander(t("funds.report_hours"), icon=":material/volunteer_activism:"):
        me = widgets.household_gate(slug, form_key="funds_join", required=False)
        if me is not None and s.works:
            with st.form("funds_my_hours", clear_on_submit=True):
                work = st.selectbox(t("funds.col.work"), s.works, format_func=lambda w: w.title)
                hours = st.text_input(t("funds.col.hours"), placeholder="2.5")
                task = st.text_input(t("funds.col.task"), placeholder=t("funds.task_placeholder"))
                day = st.date_input(t("funds.col.date"))
                show = st.checkbox(t("funds.show_me"))
                if st.form_submit_button(t("funds.send_hours"), type="primary", width="stretch"):
                    ok = act(
                        lambda session: funds_service.add_labour(
                            session, None, slug, work.work_id, hours, as_household_id=me["id"],
                            task=task, worked_on=day, show_name=show,
                        )
                    )  # fmt: skip
                    if ok:
                        st.session_state[state.FUNDS_NOTICE] = t("funds.hours_sent")
                        st.rerun()
