"""Queries across every community of a district: one query per figure, never one per community.

Functions take a Session and the ids of the communities in view; they never open or commit one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cocreate_map.storage.ballot_tables import AuditRow, BallotRow, HouseholdRow, VoteRow
from cocreate_map.storage.mark_tables import MarkRatingRow, MarkRow
from cocreate_map.storage.tables import CommunityRow
from cocreate_map.storage.work_tables import WorkRow


def communities(session: Session, district: str | None = None) -> Sequence[CommunityRow]:
    stmt = select(CommunityRow).order_by(CommunityRow.name, CommunityRow.slug)
    if district is not None:
        stmt = stmt.where(CommunityRow.district == district)
    return session.scalars(stmt).all()


def districts(session: Session) -> list[str]:
    return [
        d
        for d in session.scalars(
            select(CommunityRow.district)
            .where(CommunityRow.district.is_not(None))
            .distinct()
            .order_by(CommunityRow.district)
        )
        if d
    ]


def household_rooms(session: Session, ids: Collection[int]) -> list[tuple[int, str, str, int]]:
    """(community id, building, unit, households) per staircase: the household counts and the
    ballot electorates (whose scopes are buildings or units) in one grouped query."""
    return [
        (r.community_id, r.building, r.unit, int(r.n))
        for r in session.execute(
            select(
                HouseholdRow.community_id,
                HouseholdRow.building,
                HouseholdRow.unit,
                func.count().label("n"),
            )
            .where(HouseholdRow.community_id.in_(list(ids)))
            .group_by(HouseholdRow.community_id, HouseholdRow.building, HouseholdRow.unit)
        )
    ]


# The columns a mark's status is computed from (domain.annotations.Lifecycle), in its order.
LIFECYCLE_COLUMNS = (
    MarkRow.submitted_at,
    MarkRow.published_at,
    MarkRow.hidden_at,
    MarkRow.withdrawn_at,
    MarkRow.discussion_at,
    MarkRow.adopted_at,
    MarkRow.declined_at,
    MarkRow.in_progress_at,
    MarkRow.resolved_at,
    MarkRow.evaluated_at,
)


def marks(session: Session, ids: Collection[int]) -> list[tuple[Any, ...]]:
    """(community id, category, building, *lifecycle timestamps) of every mark: only the
    columns the summary needs (no geometry, no text)."""
    return [
        tuple(r)
        for r in session.execute(
            select(
                MarkRow.community_id, MarkRow.category, MarkRow.building, *LIFECYCLE_COLUMNS
            ).where(MarkRow.community_id.in_(list(ids)))
        )
    ]


def mark_stars(session: Session, ids: Collection[int]) -> list[tuple[int, int]]:
    return [
        (r.community_id, r.stars)
        for r in session.execute(
            select(MarkRow.community_id, MarkRatingRow.stars)
            .join(MarkRow, MarkRow.id == MarkRatingRow.mark_id)
            .where(MarkRow.community_id.in_(list(ids)))
        )
    ]


def last_ballots(session: Session, ids: Collection[int]) -> Sequence[BallotRow]:
    """Each community's newest ballot."""
    newest = (
        select(func.max(BallotRow.id))
        .where(BallotRow.community_id.in_(list(ids)))
        .group_by(BallotRow.community_id)
    )
    return session.scalars(select(BallotRow).where(BallotRow.id.in_(newest))).all()


def vote_counts(session: Session, ballot_ids: Collection[int]) -> dict[int, int]:
    return {
        b: n
        for b, n in session.execute(
            select(VoteRow.ballot_id, func.count())
            .where(VoteRow.ballot_id.in_(list(ballot_ids)))
            .group_by(VoteRow.ballot_id)
        )
    }


def close_entries(session: Session, ids: Collection[int]) -> list[tuple[int, dict[str, Any]]]:
    """(community id, payload) of every ``ballot.close`` entry, oldest first."""
    return [
        (r.community_id, dict(r.payload))
        for r in session.execute(
            select(AuditRow.community_id, AuditRow.payload)
            .where(AuditRow.community_id.in_(list(ids)), AuditRow.action == "ballot.close")
            .order_by(AuditRow.community_id, AuditRow.seq)
        )
    ]


def works(session: Session, ids: Collection[int]) -> Sequence[WorkRow]:
    return session.scalars(select(WorkRow).where(WorkRow.community_id.in_(list(ids)))).all()
