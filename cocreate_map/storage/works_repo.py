"""Queries of works (issue 13). Functions take a Session; they never open or commit one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cocreate_map.domain import works as dom
from cocreate_map.errors import NotFound
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.mark_tables import MarkRow
from cocreate_map.storage.options_tables import OptionChangeRow, OptionRow
from cocreate_map.storage.tables import ElementRow
from cocreate_map.storage.work_tables import (
    WorkMarkRow,
    WorkMilestoneRow,
    WorkPhotoRow,
    WorkRow,
    WorkSupervisorRow,
)


def lifecycle(row: WorkRow) -> dom.Lifecycle:
    return dom.Lifecycle(row.created_at, row.started_at, row.completed_at, row.accepted_at)


def work_status(row: WorkRow) -> dom.Status:
    return dom.status(lifecycle(row))


def get(session: Session, work_id: int) -> WorkRow:
    row = session.get(WorkRow, work_id)
    if row is None:
        raise NotFound(key="works.not_found", id=work_id)
    return row


def of_community(session: Session, community_id: int) -> Sequence[WorkRow]:
    return session.scalars(
        select(WorkRow).where(WorkRow.community_id == community_id).order_by(WorkRow.id)
    ).all()


def milestones(session: Session, work_id: int) -> Sequence[WorkMilestoneRow]:
    return session.scalars(
        select(WorkMilestoneRow)
        .where(WorkMilestoneRow.work_id == work_id)
        .order_by(WorkMilestoneRow.happened_on, WorkMilestoneRow.id)
    ).all()


def photo_ids(session: Session, work_id: int) -> dict[int | None, list[int]]:
    """{milestone id (None: the work itself): [photo ids]}."""
    out: dict[int | None, list[int]] = {}
    for pid, mid in session.execute(
        select(WorkPhotoRow.id, WorkPhotoRow.milestone_id)
        .where(WorkPhotoRow.work_id == work_id)
        .order_by(WorkPhotoRow.id)
    ):
        out.setdefault(mid, []).append(pid)
    return out


def photo(session: Session, photo_id: int) -> WorkPhotoRow:
    row = session.get(WorkPhotoRow, photo_id)
    if row is None:
        raise NotFound(key="works.photo_not_found", id=photo_id)
    return row


def supervisors(session: Session, work_id: int) -> list[tuple[WorkSupervisorRow, HouseholdRow]]:
    return [
        (s, h)
        for s, h in session.execute(
            select(WorkSupervisorRow, HouseholdRow)
            .join(HouseholdRow, HouseholdRow.id == WorkSupervisorRow.household_id)
            .where(WorkSupervisorRow.work_id == work_id)
            .order_by(WorkSupervisorRow.id)
        )
    ]


def supervisor_counts(session: Session, work_ids: Sequence[int]) -> dict[int, int]:
    if not work_ids:
        return {}
    return {
        wid: int(n)
        for wid, n in session.execute(
            select(WorkSupervisorRow.work_id, func.count())
            .where(WorkSupervisorRow.work_id.in_(work_ids))
            .group_by(WorkSupervisorRow.work_id)
        )
    }


def find_supervisor(session: Session, work_id: int, household_id: int) -> WorkSupervisorRow | None:
    return session.scalar(
        select(WorkSupervisorRow).where(
            WorkSupervisorRow.work_id == work_id, WorkSupervisorRow.household_id == household_id
        )
    )


def linked_marks(session: Session, work_id: int) -> Sequence[MarkRow]:
    return session.scalars(
        select(MarkRow)
        .join(WorkMarkRow, WorkMarkRow.mark_id == MarkRow.id)
        .where(WorkMarkRow.work_id == work_id)
        .order_by(MarkRow.id)
    ).all()


def work_of_mark(session: Session, mark_id: int) -> int | None:
    return session.scalar(select(WorkMarkRow.work_id).where(WorkMarkRow.mark_id == mark_id))


def option(session: Session, community_id: int, name: str) -> OptionRow | None:
    return session.scalar(
        select(OptionRow).where(OptionRow.community_id == community_id, OptionRow.name == name)
    )


def option_changes(
    session: Session, option_id: int
) -> list[tuple[OptionChangeRow, ElementRow | None]]:
    """The option's changes with the base element each one removes or modifies."""
    return [
        (c, e)
        for c, e in session.execute(
            select(OptionChangeRow, ElementRow)
            .outerjoin(ElementRow, ElementRow.id == OptionChangeRow.ref_element_id)
            .where(OptionChangeRow.option_id == option_id)
            .order_by(OptionChangeRow.id)
        )
    ]


def buildings(session: Session, community_id: int) -> Sequence[ElementRow]:
    return session.scalars(
        select(ElementRow)
        .where(ElementRow.community_id == community_id, ElementRow.kind == "building")
        .order_by(ElementRow.id)
    ).all()
