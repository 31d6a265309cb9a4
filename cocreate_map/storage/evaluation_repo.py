"""Queries of co-evaluation: ratings and contests of works, conventions and signatures.
Functions take a Session; they never open or commit one themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cocreate_map.errors import NotFound
from cocreate_map.storage.ballot_tables import HouseholdRow, VoteRow
from cocreate_map.storage.evaluation_tables import (
    ConventionRow,
    ConventionSignatureRow,
    ConventionVersionRow,
    WorkContestRow,
    WorkRatingRow,
)
from cocreate_map.storage.work_tables import WorkPhotoRow


def households_of(session: Session, community_id: int) -> Sequence[HouseholdRow]:
    return session.scalars(
        select(HouseholdRow)
        .where(HouseholdRow.community_id == community_id)
        .order_by(HouseholdRow.building, HouseholdRow.unit, HouseholdRow.room)
    ).all()


def household(session: Session, community_id: int, household_id: int) -> HouseholdRow:
    row = session.get(HouseholdRow, household_id)
    if row is None or row.community_id != community_id:
        raise NotFound(key="evaluation.no_household", household=str(household_id))
    return row


def rating(session: Session, work_id: int, household_id: int) -> WorkRatingRow | None:
    return session.scalar(
        select(WorkRatingRow).where(
            WorkRatingRow.work_id == work_id, WorkRatingRow.household_id == household_id
        )
    )


def ratings(session: Session, work_id: int) -> Sequence[WorkRatingRow]:
    return session.scalars(
        select(WorkRatingRow).where(WorkRatingRow.work_id == work_id).order_by(WorkRatingRow.id)
    ).all()


def votes_of(session: Session, ballot_id: int) -> dict[int, object]:
    """household id → the choice it cast (the counted vote)."""
    return {
        h: c
        for h, c in session.execute(
            select(VoteRow.household_id, VoteRow.choice).where(VoteRow.ballot_id == ballot_id)
        )
    }


def contests(session: Session, work_id: int, since: datetime) -> Sequence[WorkContestRow]:
    """Contests of the current completion (made at or after ``since``)."""
    return session.scalars(
        select(WorkContestRow)
        .where(WorkContestRow.work_id == work_id, WorkContestRow.created_at >= since)
        .order_by(WorkContestRow.id)
    ).all()


def contest_of(
    session: Session, work_id: int, household_id: int, round_no: int
) -> WorkContestRow | None:
    return session.scalar(
        select(WorkContestRow).where(
            WorkContestRow.work_id == work_id,
            WorkContestRow.household_id == household_id,
            WorkContestRow.round == round_no,
        )
    )


def convention(session: Session, convention_id: int) -> ConventionRow:
    row = session.get(ConventionRow, convention_id)
    if row is None:
        raise NotFound(key="evaluation.no_convention", id=convention_id)
    return row


def conventions_of(session: Session, community_id: int) -> Sequence[ConventionRow]:
    return session.scalars(
        select(ConventionRow)
        .where(ConventionRow.community_id == community_id)
        .order_by(ConventionRow.id)
    ).all()


def latest_version(session: Session, convention_id: int) -> ConventionVersionRow:
    row = session.scalar(
        select(ConventionVersionRow)
        .where(ConventionVersionRow.convention_id == convention_id)
        .order_by(ConventionVersionRow.version.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(key="evaluation.no_convention", id=convention_id)
    return row


def signature(
    session: Session, version_id: int, household_id: int
) -> ConventionSignatureRow | None:
    return session.scalar(
        select(ConventionSignatureRow).where(
            ConventionSignatureRow.version_id == version_id,
            ConventionSignatureRow.household_id == household_id,
        )
    )


def signed_households(session: Session, version_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ConventionSignatureRow.household_id).where(
                ConventionSignatureRow.version_id == version_id,
                ConventionSignatureRow.withdrawn_at.is_(None),
            )
        )
    )


def signature_count(session: Session, version_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ConventionSignatureRow)
            .where(
                ConventionSignatureRow.version_id == version_id,
                ConventionSignatureRow.withdrawn_at.is_(None),
            )
        )
        or 0
    )


def work_photos_without_milestone(session: Session, work_id: int) -> Sequence[WorkPhotoRow]:
    """The work's photos that belong to no milestone (residents' rating photos), oldest first."""
    return session.scalars(
        select(WorkPhotoRow)
        .where(WorkPhotoRow.work_id == work_id, WorkPhotoRow.milestone_id.is_(None))
        .order_by(WorkPhotoRow.id)
    ).all()


def work_photo(session: Session, photo_id: int) -> WorkPhotoRow | None:
    return session.get(WorkPhotoRow, photo_id)
