"""Tables of the household register, ballots, paper ballot numbers, votes and the hash-chained
audit log.

Areas are stored as exact decimal text ("65.37"): SQLite has no exact decimal type and floats
cannot hold 0.01 m² (DOMAIN.md §0.3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cocreate_map.storage.tables import Base, utcnow


class HouseholdRow(Base):
    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("community_id", "building", "unit", "room", name="uq_households_room"),
        # codes are unique in a community (the keyed hash; NULL while a code is being replaced)
        UniqueConstraint("community_id", "code_hash", name="uq_households_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    building: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(32))
    room: Mapped[str] = mapped_column(String(32))
    area_m2: Mapped[str] = mapped_column(String(20))  # exact decimal text, e.g. "65.37"
    owner_id: Mapped[str | None] = mapped_column(String(100))
    residents: Mapped[int | None] = mapped_column(Integer)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        return f"{self.building}-{self.unit}-{self.room}"


class BallotRow(Base):
    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(64))
    rule_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Names of the community's layout options this ballot decides on (issue 4); for choose-one,
    # approval and ranked ballots they are the choices, for yes-no the one proposal.
    options: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    electorate: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    matter_class: Mapped[str] = mapped_column(String(16), default="consultative")
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    show_running: Mapped[bool] = mapped_column(Boolean, default=True)
    e_voting_recognised: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How a tie (平票) is settled, declared when the ballot is created (issue 17):
    # second-round (default), area or lot (voting.TIE_BREAKS)
    tie_break: Mapped[str] = mapped_column(
        String(16), default="second-round", server_default="second-round"
    )


class VoteRow(Base):
    """The counting vote of one household on one ballot (the last one cast)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("ballot_id", "household_id", name="uq_votes_household"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    choice: Mapped[Any] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))  # online | paper | assisted
    ballot_no: Mapped[str | None] = mapped_column(String(64))
    cast_at: Mapped[datetime]
    casts: Mapped[int] = mapped_column(Integer, default=1)


class PaperBallotNumberRow(Base):
    """A paper ballot number printed in the meeting pack for one household (reprints reuse it);
    a paper vote's ``ballot_no`` must be one of these, issued to the same household."""

    __tablename__ = "paper_ballot_numbers"
    __table_args__ = (
        UniqueConstraint("ballot_id", "ballot_no", name="uq_paper_ballot_numbers_no"),
        UniqueConstraint("ballot_id", "household_id", name="uq_paper_ballot_numbers_household"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    ballot_no: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]


class VoteHistoryRow(Base):
    """Every vote cast, including the ones later replaced."""

    __tablename__ = "vote_history"
    __table_args__ = (Index("ix_vote_history_ballot", "ballot_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    choice: Mapped[Any] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    ballot_no: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    cast_at: Mapped[datetime]


class VoteConflictRow(Base):
    """A paper vote for a household that voted online (or the reverse): kept apart for staff."""

    __tablename__ = "vote_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    choice: Mapped[Any] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    ballot_no: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(32))  # kept-existing | took-this


class AuditRow(Base):
    """Append-only, hash-chained per community (domain/audit.py)."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("community_id", "seq", name="uq_audit_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(40))  # ISO text, hashed as written
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpointRow(Base):
    """A signed head of one community's audit chain (services/audit.py): at a ballot close, a
    notice, every N-th entry or after an hour. The Ed25519 key that signs it lives outside the
    database (COCREATE_DATA_DIR), so a rewritten chain cannot be signed anew."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (Index("ix_audit_checkpoints_seq", "community_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(32))
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
