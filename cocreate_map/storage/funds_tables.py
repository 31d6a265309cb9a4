"""Tables of the funds ledger and volunteer labour (issue 13; domain/funds.py).

Insert-only by design: an entry is never updated or deleted (a mistake gets a reversing entry),
and approvals and verifications are rows of their own, one per entry (UNIQUE), so two staff
members approving at once end with one approval. Every row is also in the community's audit log;
``services.funds.reconcile`` compares the two. Money is integer fen (BigInteger).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
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

from cocreate_map.storage import work_tables as _work_tables  # noqa: F401  (works.id is referenced)
from cocreate_map.storage.tables import Base, utcnow


class FundAccountRow(Base):
    """A community's account: 自治公益金, and the 维修资金 kept apart."""

    __tablename__ = "fund_accounts"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_fund_accounts_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))  # domain.funds.AccountKind
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundEntryRow(Base):
    """One ledger entry. ``reverses_id`` is UNIQUE: an entry is reversed at most once."""

    __tablename__ = "fund_entries"
    __table_args__ = (
        Index("ix_fund_entries_community", "community_id", "id"),
        Index("ix_fund_entries_work", "work_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # domain.funds.Kind
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16), default="")  # cash | transfer | wechat
    donor_type: Mapped[str] = mapped_column(String(16), default="")  # domain.funds.DonorType
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL")
    )
    household_label: Mapped[str] = mapped_column(String(100), default="")  # "1-1-101" then
    donor_name: Mapped[str] = mapped_column(String(200), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)  # may be named in public
    work_id: Mapped[int | None] = mapped_column(ForeignKey("works.id"))
    payee: Mapped[str] = mapped_column(String(200), default="")
    receipt_no: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_on: Mapped[date | None]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entries.id"), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(64))  # staff user name
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundApprovalRow(Base):
    """The approval of an expense by another staff account (one per entry)."""

    __tablename__ = "fund_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("fund_entries.id", ondelete="CASCADE"), unique=True
    )
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)


class VolunteerTeamRow(Base):
    """A named volunteer team, e.g. 翁茂武志愿服务队."""

    __tablename__ = "volunteer_teams"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_volunteer_teams_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabourEntryRow(Base):
    """Hours of one person or household on one work on one day (quarter hours)."""

    __tablename__ = "labour_entries"
    __table_args__ = (
        Index("ix_labour_entries_community", "community_id", "id"),
        Index("ix_labour_entries_work", "work_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL")
    )
    household_label: Mapped[str] = mapped_column(String(100), default="")
    person_name: Mapped[str] = mapped_column(String(100), default="")
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_teams.id", ondelete="SET NULL")
    )
    worked_on: Mapped[date]
    task: Mapped[str] = mapped_column(String(200))
    quarter_hours: Mapped[int] = mapped_column(Integer)
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)  # on the thanks board
    entered_by: Mapped[str] = mapped_column(String(100))  # "staff:wang" | "household:12"
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabourVerificationRow(Base):
    """Staff confirm the hours happened (one per labour entry)."""

    __tablename__ = "labour_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    labour_id: Mapped[int] = mapped_column(
        ForeignKey("labour_entries.id", ondelete="CASCADE"), unique=True
    )
    verified_by: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundPhotoRow(Base):
    """A receipt photo of a ledger entry, or a photo of volunteer work (no EXIF kept)."""

    __tablename__ = "fund_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("fund_entries.id", ondelete="CASCADE"), index=True
    )
    labour_id: Mapped[int | None] = mapped_column(
        ForeignKey("labour_entries.id", ondelete="CASCADE"), index=True
    )
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
