"""Tables of works (工程项目, issue 13): a work, its dated milestones, photos, resident
supervisors (监督员) and the residents' marks that follow it.

A work's lifecycle is its timestamps (domain/works.py derives the status). Money is integer fen.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cocreate_map.storage.tables import Base, utcnow
from cocreate_map.storage.types import Geometry


class WorkRow(Base):
    __tablename__ = "works"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16))  # basic | improvement | enhancement
    source: Mapped[str] = mapped_column(String(16))  # ballot | marks | staff
    ballot_id: Mapped[int | None] = mapped_column(
        ForeignKey("ballots.id", ondelete="SET NULL"), index=True
    )
    option_name: Mapped[str | None] = mapped_column(String(200))
    # WGS-84; the winning option's change-set, the linked marks, or drawn by staff
    scope: Mapped[BaseGeometry | None] = mapped_column(Geometry(), nullable=True)
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    contractor: Mapped[str] = mapped_column(String(200), default="")
    planned_start: Mapped[date | None]
    planned_end: Mapped[date | None]
    progress_pct: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkMilestoneRow(Base):
    """A dated step of a work: what happened, and the progress it brought the work to."""

    __tablename__ = "work_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    progress_pct: Mapped[int] = mapped_column(Integer)
    happened_on: Mapped[date]
    author: Mapped[str] = mapped_column(String(100))  # "staff:wang"
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkPhotoRow(Base):
    """A photo of a milestone, re-encoded without metadata like mark photos (io/photos.py)."""

    __tablename__ = "work_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_milestones.id", ondelete="CASCADE"), index=True
    )
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkSupervisorRow(Base):
    """A household that volunteered to watch the builders (监督员); one row per household."""

    __tablename__ = "work_supervisors"
    __table_args__ = (UniqueConstraint("work_id", "household_id", name="uq_work_supervisors"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    public_name: Mapped[str] = mapped_column(String(64), default="")  # shown only if given
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkMarkRow(Base):
    """A resident's mark that follows a work (one work per mark)."""

    __tablename__ = "work_marks"
    __table_args__ = (UniqueConstraint("mark_id", name="uq_work_marks_mark"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
