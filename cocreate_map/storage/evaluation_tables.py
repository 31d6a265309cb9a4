"""Tables of co-evaluation (issue 14): ratings and contests of finished works, and community
conventions with their versions and signatures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cocreate_map.storage.tables import Base, utcnow


class WorkRatingRow(Base):
    """One household's stars for one work; changed in place while the evaluation is open (the
    audit log keeps every change)."""

    __tablename__ = "work_ratings"
    __table_args__ = (UniqueConstraint("work_id", "household_id", name="uq_work_ratings"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16), default="online")  # online | paper
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkContestRow(Base):
    """ "Not done / not right": one per household and work while a round is open."""

    __tablename__ = "work_contests"
    __table_args__ = (
        UniqueConstraint("work_id", "household_id", "round", name="uq_work_contests"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)  # completions so far
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConventionRow(Base):
    __tablename__ = "conventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: the community
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConventionVersionRow(Base):
    """A convention's text; a change is a new version that needs signing anew."""

    __tablename__ = "convention_versions"
    __table_args__ = (UniqueConstraint("convention_id", "version", name="uq_convention_versions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(
        ForeignKey("conventions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    articles: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConventionSignatureRow(Base):
    __tablename__ = "convention_signatures"
    __table_args__ = (
        UniqueConstraint("version_id", "household_id", name="uq_convention_signatures"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("convention_versions.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16), default="online")  # online | paper
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
