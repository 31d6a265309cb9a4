"""What the 共评 page (ui/pages/evaluate.py) shows, read-only: the community's figures, a work's
ratings with their denominators, by building and by how households voted, and the comments; a
convention with its signatures. Every text is escaped."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import streamlit as st

from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.evaluation import percent_text
from cocreate_map.services import evaluation as evaluation_service
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.state import t


def share(part: int, whole: int) -> str:
    """ "88.9%（48/54）": the percentage with its denominator, or a dash when there is none."""
    if whole == 0:
        return "—"
    return t("evaluate.share", pct=percent_text(Fraction(part, whole)), part=part, whole=whole)


def local_day(value: Any) -> str:
    return china_time(value, "%Y-%m-%d")


def vote_label(choice: str) -> str:
    if choice in ("yes", "no", "abstain"):
        return t(f"choice.{choice}")
    return choice


def results_block(r: evaluation_service.WorkRatings, photos: Mapping[int, bytes]) -> None:
    """A work's results: average, satisfaction and response with their denominators, by
    building, by how households voted, and the comments with their photos."""
    s = r.summary
    cols = st.columns(3)
    cols[0].metric(
        t("evaluate.average"), t("evaluate.stars_value", v=s.average_text) if s.rated else "—"
    )
    cols[1].metric(t("evaluate.satisfied"), share(s.satisfied, s.rated))
    cols[2].metric(t("evaluate.response"), share(s.rated, s.households))
    st.caption(t("evaluate.results_note"))
    with st.expander(t("evaluate.by_building"), icon=":material/apartment:"):
        rows = [
            f"| {t('evaluate.col.building')} | {t('evaluate.col.rated')} "
            f"| {t('evaluate.col.average')} |",
            "|:--|--:|--:|",
        ]
        for g in s.by_building:
            rows.append(
                f"| {t('evaluate.building_n', b=escape_markdown(g.key))} "
                f"| {g.rated}/{g.households} | {g.average_text or '—'} |"
            )
        st.markdown("\n".join(rows))
    if s.by_vote:
        with st.expander(t("evaluate.by_vote"), icon=":material/how_to_vote:"):
            rows = [
                f"| {t('evaluate.col.vote')} | {t('evaluate.col.rated')} "
                f"| {t('evaluate.col.average')} | {t('evaluate.col.satisfied')} |",
                "|:--|--:|--:|--:|",
            ]
            for g in s.by_vote:
                rows.append(
                    f"| {escape_markdown(vote_label(g.key))} | {g.rated} | {g.average_text} "
                    f"| {share(g.satisfied, g.rated)} |"
                )
            st.markdown("\n".join(rows))
            st.caption(t("evaluate.by_vote_note"))
    if r.comments:
        with st.expander(t("evaluate.comments", n=len(r.comments)), icon=":material/chat:"):
            for c in r.comments:
                st.markdown(
                    f"**{'★' * c.stars}{'☆' * (5 - c.stars)}** · "
                    f"{t('evaluate.building_n', b=escape_markdown(c.building))} · "
                    f"{local_day(c.at)}"
                )
                if c.text:
                    st.markdown(escape_markdown(c.text))
                for pid in c.photo_ids:
                    st.image(photos[pid], width="stretch")


def summary_block(summary: evaluation_service.CommunitySummary) -> None:
    """The community's 共评 figures, each with its denominator."""
    st.markdown(f"### {t('evaluate.summary')}")
    with st.container(border=True, key="evaluate_summary"):
        c1, c2, c3 = st.columns(3)
        c1.metric(t("evaluate.resolution"), share(summary.marks_resolved, summary.marks_adopted))
        c2.metric(t("evaluate.satisfaction"), share(summary.works_satisfied, summary.works_rated))
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


def scope_text(buildings: tuple[str, ...] | list[str]) -> str:
    """ "Buildings 1, 2" or "the whole community"."""
    if buildings:
        return t("works.buildings", b=t("works.list_sep").join(buildings))
    return t("works.whole_community")


def work_head(title: str, scope: tuple[str, ...], r: evaluation_service.WorkRatings) -> None:
    """A work's title, where it is, until when it may be rated, and why it was reopened."""
    st.subheader(escape_markdown(title))
    state = (
        t("evaluate.open_until", day=local_day(r.open_until))
        if r.open_until
        else t("evaluate.closed_state")
    )
    st.caption(f"{escape_markdown(scope_text(scope))} · {state}")
    if r.reopened and r.reopen_reason:
        st.warning(
            f"{t('works.reopened')} {escape_markdown(r.reopen_reason)}",
            icon=":material/build:",
        )


def convention_card(c: Any, p: Any) -> None:
    """A convention: its version and scope, the households that signed, its articles and the
    signatures by building."""
    st.subheader(f"{escape_markdown(c.title)}")
    st.caption(t("evaluate.version", v=c.version) + " · " + scope_text(c.buildings))
    st.metric(t("evaluate.signed_households"), share(p.signed, p.households))
    st.progress(
        0.0 if not p.households else p.signed / p.households,
        text=t("evaluate.signed_of", signed=p.signed, total=p.households),
    )
    with st.expander(t("evaluate.articles", n=len(c.articles)), icon=":material/list:"):
        st.markdown("\n".join(f"{i}. {escape_markdown(a)}" for i, a in enumerate(c.articles, 1)))
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
