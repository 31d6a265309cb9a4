"""A ballot's tally as SQL aggregates: one ``GROUP BY`` per measure, nothing loaded per row.

Areas are stored as exact two-decimal text ("65.37", ``domain.households.area_text``); they are
summed here as integer hundredths of m² (``CAST(REPLACE(area, '.', '') AS INTEGER)``), exact on
SQLite and PostgreSQL alike, and become Fractions once, from the sums. The owner roll (R2: several
units of one owner are one head) is a ``GROUP BY`` on the owner key too. These sums feed the
domain's rule evaluation (``domain.voting.tally_sums``); they never decide anything themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from cocreate_map.storage.ballot_tables import HouseholdRow, VoteRow

H, V = HouseholdRow, VoteRow
CENTS = cast(func.replace(H.area_m2, ".", ""), BigInteger)
# The head a unit counts toward (R2): its owner, else the unit itself.
OWNER_KEY = case(
    (and_(H.owner_id.is_not(None), func.trim(H.owner_id) != ""), "owner:" + H.owner_id),
    else_="household:" + cast(H.id, String),
)


@dataclass(frozen=True)
class ElectorateSums:
    households: int
    owner_heads: int
    area_cents: int
    malformed_areas: int  # not "digits.dd": the sums cannot be trusted, count per household
    multi_unit_owners: int  # owners holding several units of the electorate


@dataclass(frozen=True)
class ChoiceRow:
    choice: Any  # the stored ballot content, decoded
    households: int
    area_cents: int


@dataclass(frozen=True)
class TurnoutRow:
    building: str
    households: int
    voted: int
    area_cents: int
    voted_area_cents: int


def electorate_filter(
    community_id: int, buildings: Sequence[str], units: Sequence[Sequence[str]]
) -> ColumnElement[bool]:
    """The households of a ballot's electorate (``BallotRow.electorate``) as a WHERE clause."""
    clause: ColumnElement[bool] = H.community_id == community_id
    if buildings or units:
        parts: list[ColumnElement[bool]] = []
        if buildings:
            parts.append(H.building.in_(list(buildings)))
        parts += [and_(H.building == b, H.unit == u) for b, u in units]
        clause = and_(clause, or_(*parts))
    return clause


def electorate_sums(session: Session, where: ColumnElement[bool]) -> ElectorateSums:
    malformed = case((H.area_m2.like("%_.__") & ~H.area_m2.like("%.%.%"), 0), else_=1)
    n, area, bad = session.execute(
        select(func.count(), func.coalesce(func.sum(CENTS), 0), func.coalesce(func.sum(malformed), 0))
        .where(where)
    ).one()  # fmt: skip
    per_owner = (
        select(OWNER_KEY.label("k"), func.count().label("n")).where(where).group_by(OWNER_KEY)
    )
    sub = per_owner.subquery()
    heads, multi = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((sub.c.n > 1, 1), else_=0)), 0),
        )
    ).one()
    return ElectorateSums(int(n), int(heads), int(area), int(bad), int(multi))


def votes_outside(session: Session, ballot_id: int, where: ColumnElement[bool]) -> int:
    """Votes of the ballot from households not in its electorate (the domain refuses those)."""
    inside = select(H.id).where(where)
    return int(
        session.scalar(
            select(func.count())
            .select_from(V)
            .where(V.ballot_id == ballot_id, V.household_id.not_in(inside))
        )
        or 0
    )


def choice_sums(session: Session, ballot_id: int, where: ColumnElement[bool]) -> list[ChoiceRow]:
    """Households and area per stored ballot content, in one GROUP BY."""
    text = cast(V.choice, String)
    rows = session.execute(
        select(text, func.count(), func.coalesce(func.sum(CENTS), 0))
        .join(H, H.id == V.household_id)
        .where(V.ballot_id == ballot_id, where)
        .group_by(text)
    )
    return [ChoiceRow(json.loads(c), int(n), int(a)) for c, n, a in rows]


def channel_counts(session: Session, ballot_id: int) -> dict[str, int]:
    rows = session.execute(
        select(V.channel, func.count()).where(V.ballot_id == ballot_id).group_by(V.channel)
    )
    return {str(c): int(n) for c, n in rows}


def turnout_sums(session: Session, ballot_id: int, where: ColumnElement[bool]) -> list[TurnoutRow]:
    """Per building: households, voted, area, voted area (one GROUP BY over a left join)."""
    voted = case((V.id.is_not(None), 1), else_=0)
    rows = session.execute(
        select(
            H.building,
            func.count(),
            func.coalesce(func.sum(voted), 0),
            func.coalesce(func.sum(CENTS), 0),
            func.coalesce(func.sum(CENTS * cast(voted, Integer)), 0),
        )
        .outerjoin(V, and_(V.household_id == H.id, V.ballot_id == ballot_id))
        .where(where)
        .group_by(H.building)
    )
    return [TurnoutRow(str(b), int(n), int(v), int(a), int(va)) for b, n, v, a, va in rows]


__all__ = [
    "ChoiceRow",
    "ElectorateSums",
    "TurnoutRow",
    "channel_counts",
    "choice_sums",
    "electorate_filter",
    "electorate_sums",
    "turnout_sums",
    "votes_outside",
]
