"""The audit chain's reads and its lock (services/audit.py builds and signs the entries), and
the rows the log is reconciled with (services/audit_checks.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cocreate_map.storage.ballot_tables import (
    AuditCheckpointRow,
    AuditRow,
    BallotRow,
    HouseholdRow,
    VoteConflictRow,
    VoteHistoryRow,
    VoteRow,
)
from cocreate_map.storage.tables import CommunityRow

ADVISORY_BASE = 7_000_000  # PostgreSQL advisory lock key of community N: base + N


def lock_chain(session: Session, community_id: int) -> None:
    """Hold the community's chain until the transaction ends: a PostgreSQL advisory lock; on
    SQLite any write takes the database lock, and reads after it see the newest head."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_BASE + community_id}
        )
    else:
        session.execute(text("UPDATE communities SET id = id WHERE 0 = 1"))


def entries(session: Session, community_id: int) -> list[AuditRow]:
    """The community's log entries in chain order."""
    return list(
        session.scalars(
            select(AuditRow).where(AuditRow.community_id == community_id).order_by(AuditRow.seq)
        )
    )


def moved_chain_id(session: Session, community_id: int) -> int | None:
    """The id the chain was hashed under in the database the community moved from (None: it
    did not move)."""
    return session.scalar(
        select(CommunityRow.audit_chain_id).where(CommunityRow.id == community_id)
    )


def chain_facts(session: Session, community_id: int) -> tuple[int | None, bool] | None:
    """(the id its audit chain is hashed under, if it moved here; whether it is archived) of a
    community, in one read; None when there is no such community."""
    row = session.execute(
        select(CommunityRow.audit_chain_id, CommunityRow.archived_at).where(
            CommunityRow.id == community_id
        )
    ).first()
    return None if row is None else (row.audit_chain_id, row.archived_at is not None)


def last_checkpoint_at(session: Session, community_id: int) -> str | None:
    """When the community's newest checkpoint was signed (ISO text)."""
    return session.scalar(
        select(AuditCheckpointRow.at)
        .where(AuditCheckpointRow.community_id == community_id)
        .order_by(AuditCheckpointRow.seq.desc(), AuditCheckpointRow.id.desc())
        .limit(1)
    )


def checkpoints(session: Session, community_id: int) -> list[AuditCheckpointRow]:
    """The community's signed checkpoints in chain order."""
    return list(
        session.scalars(
            select(AuditCheckpointRow)
            .where(AuditCheckpointRow.community_id == community_id)
            .order_by(AuditCheckpointRow.seq, AuditCheckpointRow.id)
        )
    )


# ---------------------------------------------------------------- what the log is checked against
# (services/audit_checks.py): the rows of one community, as plain tuples


def _ballots_of(community_id: int):  # noqa: ANN202 - a scalar subquery
    return select(BallotRow.id).where(BallotRow.community_id == community_id)


def votes(session: Session, community_id: int) -> list[tuple[int, int, Any, str]]:
    """(ballot id, household id, choice, channel) of every stored vote."""
    rows = session.execute(
        select(VoteRow.ballot_id, VoteRow.household_id, VoteRow.choice, VoteRow.channel).where(
            VoteRow.ballot_id.in_(_ballots_of(community_id))
        )
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def vote_history(session: Session, community_id: int) -> list[tuple[int, int, Any, str]]:
    """(ballot id, household id, choice, channel) of every vote history row, in order."""
    rows = session.execute(
        select(
            VoteHistoryRow.ballot_id,
            VoteHistoryRow.household_id,
            VoteHistoryRow.choice,
            VoteHistoryRow.channel,
        )
        .where(VoteHistoryRow.ballot_id.in_(_ballots_of(community_id)))
        .order_by(VoteHistoryRow.id)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def vote_conflicts(
    session: Session, community_id: int
) -> list[tuple[int, int, Any, str, str | None]]:
    """(ballot id, household id, choice, channel, resolution) of every conflict, in order."""
    rows = session.execute(
        select(
            VoteConflictRow.ballot_id,
            VoteConflictRow.household_id,
            VoteConflictRow.choice,
            VoteConflictRow.channel,
            VoteConflictRow.resolution,
        )
        .where(VoteConflictRow.ballot_id.in_(_ballots_of(community_id)))
        .order_by(VoteConflictRow.id)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def households(session: Session, community_id: int) -> list[HouseholdRow]:
    return list(
        session.scalars(select(HouseholdRow).where(HouseholdRow.community_id == community_id))
    )
