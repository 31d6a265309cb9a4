"""What the 共评 page (ui/pages/evaluate.py) shows of a work's ratings, read-only: the figures
with their denominators, by building and by how households voted, and the comments. Every text
is escaped."""

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
