"""Writing a vote row: one row per (ballot, household) under concurrent writers, as a UNIQUE
constraint plus ``INSERT … ON CONFLICT DO UPDATE``. The statement is built once per dialect
(with bound parameters), not once per vote: its construction cost more than its execution.
Also the reads a vote makes of its ballot under the chain lock, and the ballot's votes in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from cocreate_map.storage.ballot_tables import BallotRow, VoteRow
from cocreate_map.storage.db import upsert_insert
from cocreate_map.storage.tables import CommunityRow

_UPSERT: dict[str, Any] = {}


def _upsert_statement(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    stmt = _UPSERT.get(dialect)
    if stmt is None:
        insert = upsert_insert(session)
        new = insert(VoteRow).values(
            ballot_id=bindparam("ballot_id"),
            household_id=bindparam("household_id"),
            choice=bindparam("choice", type_=VoteRow.__table__.c.choice.type),
            channel=bindparam("channel"),
            ballot_no=bindparam("ballot_no"),
            cast_at=bindparam("cast_at", type_=VoteRow.__table__.c.cast_at.type),
            casts=1,
        )
        stmt = new.on_conflict_do_update(
            index_elements=["ballot_id", "household_id"],
            set_={
                "choice": new.excluded.choice,
                "channel": new.excluded.channel,
                "ballot_no": new.excluded.ballot_no,
                "cast_at": new.excluded.cast_at,
                "casts": VoteRow.casts + 1,
            },
            # Replace only within one family: a household's own (online) vote, or staff's
            # entries (paper, assisted). Staff over a household's own vote, or the reverse, is
            # a conflict: nothing is written and None comes back.
            where=(VoteRow.channel == "online") == (new.excluded.channel == "online"),
        ).returning(VoteRow.casts)
        _UPSERT[dialect] = stmt
    return stmt


def upsert_vote(
    session: Session,
    *,
    ballot_id: int,
    household_id: int,
    choice: Any,
    channel: str,
    ballot_no: str | None,
    cast_at: datetime,
) -> int | None:
    """Write the household's vote; how many times it has now been cast (1 = first), or None
    when the stored vote is of the other family and was left as it is (a conflict)."""
    casts = session.execute(
        _upsert_statement(session),
        {
            "ballot_id": ballot_id,
            "household_id": household_id,
            "choice": choice,
            "channel": channel,
            "ballot_no": ballot_no,
            "cast_at": cast_at,
        },
    ).scalar()
    return None if casts is None else int(casts)


def choices_in_order(session: Session, ballot_id: int) -> list[tuple[int, Any]]:
    """(household id, choice) of every vote of the ballot, in the order they were first cast."""
    rows = session.execute(
        select(VoteRow.household_id, VoteRow.choice)
        .where(VoteRow.ballot_id == ballot_id)
        .order_by(VoteRow.id)
    ).all()
    return [(h, c) for h, c in rows]


def closing_state(session: Session, ballot_id: int) -> tuple[datetime | None, str | None]:
    """(the ballot's closing time, if closed; its community's name if the community is archived)
    as committed now: a vote re-reads them under its community's chain lock."""
    row = session.execute(
        select(BallotRow.closed_at, CommunityRow.name, CommunityRow.archived_at)
        .join(CommunityRow, CommunityRow.id == BallotRow.community_id)
        .where(BallotRow.id == ballot_id)
    ).one()
    return row.closed_at, (row.name if row.archived_at is not None else None)
