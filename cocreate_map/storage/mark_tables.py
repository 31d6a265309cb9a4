"""Tables of residents' problem marks (issue 3) and of staff accounts.

A mark's lifecycle is its timestamps (domain/annotations.py derives the status). One "me too" and
one rating per household are UNIQUE constraints, written with INSERT … ON CONFLICT, so concurrent
taps cannot double-count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cocreate_map.storage.tables import Base, utcnow
from cocreate_map.storage.types import Geometry


class StaffUserRow(Base):
    """A staff account: admin, planner or building chief (limited to ``buildings``)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(32))
    # None: every community; else the one community a chief or planner works for
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # district_admin accounts: the sub-district whose communities they see (read-only)
    district: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarkRow(Base):
    __tablename__ = "marks"
    __table_args__ = (Index("ix_marks_community_category", "community_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    safety: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry())
    building: Mapped[str | None] = mapped_column(String(32))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(16), default="online")  # online | paper
    submitted_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None]
    discussion_at: Mapped[datetime | None]
    adopted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    in_progress_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    evaluated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarkSupportRow(Base):
    """One "me too" per household and mark."""

    __tablename__ = "mark_supports"
    __table_args__ = (UniqueConstraint("mark_id", "household_id", name="uq_mark_supports"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarkCommentRow(Base):
    """A comment or an official reply; ``parent_id`` allows one level of replies."""

    __tablename__ = "mark_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("mark_comments.id", ondelete="CASCADE")
    )
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL")
    )
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarkRatingRow(Base):
    """A household's 1–5 rating of a resolved mark (效果共评); one per household, changeable."""

    __tablename__ = "mark_ratings"
    __table_args__ = (UniqueConstraint("mark_id", "household_id", name="uq_mark_ratings"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarkPhotoRow(Base):
    """A photo of a mark, re-encoded without metadata (no EXIF location)."""

    __tablename__ = "mark_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"), index=True)
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
