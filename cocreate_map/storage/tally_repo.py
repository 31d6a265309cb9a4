"""A ballot's tally as SQL aggregates, nothing loaded per row: the electorate per building, the
votes per building and content (joined to their household by key), the votes per channel, and
only when some unit has an owner, whether one owner holds several units (R2: they are one head,
and then the tally is counted household by household).

Areas are stored as exact two-decimal text ("65.37", ``domain.households.area_text``); they are
summed here as integer hundredths of m² (``CAST(REPLACE(area, '.', '') AS BIGINT)``), exact on
SQLite and PostgreSQL alike, and become Fractions once, from the sums. These sums feed the
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


@dataclass(frozen=True)
class BallotSums:
    """Everything the tally reads of the database (see the module's docstring)."""

    households: int
    area_cents: int
    malformed_areas: int  # not "digits.dd": the sums cannot be trusted, count per household
    multi_unit_owners: int  # owners holding several units of the electorate
    votes_outside: int  # votes of the ballot from households outside its electorate
    by_choice: tuple[ChoiceRow, ...]
    turnout: tuple[TurnoutRow, ...]
    channels: dict[str, int]


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


def ballot_sums(session: Session, ballot_id: int, where: ColumnElement[bool]) -> BallotSums:
    # Two plain aggregates rather than one over an outer join: the join's plan depends on fresh
    # statistics (a new ballot's votes looked like one row to PostgreSQL, which then scanned
    # them once per household), while a vote → household join by primary key is always cheap.
    text = cast(V.choice, String)
    malformed = case((H.area_m2.like("%_.__") & ~H.area_m2.like("%.%.%"), 0), else_=1)
    owned = case((and_(H.owner_id.is_not(None), func.trim(H.owner_id) != ""), 1), else_=0)
    electorate = session.execute(
        select(
            H.building, func.count(), func.coalesce(func.sum(CENTS), 0),
            func.coalesce(func.sum(malformed), 0), func.coalesce(func.sum(owned), 0),
        )
        .where(where)
        .group_by(H.building)
    ).all()  # fmt: skip
    voted = session.execute(
        select(H.building, text, func.count(), func.coalesce(func.sum(CENTS), 0))
        .join(H, H.id == V.household_id)
        .where(V.ballot_id == ballot_id, where)
        .group_by(H.building, text)
    ).all()
    per_building: dict[str, list[int]] = {}
    n = area = bad = owners = 0
    for building, count, cents, wrong, with_owner in electorate:
        per_building[str(building)] = [int(count), 0, int(cents), 0]
        n, area = n + int(count), area + int(cents)
        bad, owners = bad + int(wrong), owners + int(with_owner)
    by_choice: dict[str, list[int]] = {}
    for building, choice, count, cents in voted:
        t = per_building[str(building)]
        t[1] += int(count)
        t[3] += int(cents)
        c = by_choice.setdefault(choice, [0, 0])
        c[0] += int(count)
        c[1] += int(cents)
    channels = channel_counts(session, ballot_id)
    inside = sum(t[1] for t in per_building.values())
    multi = 0
    if owners > 1:
        per_owner = (
            select(H.owner_id)
            .where(where, H.owner_id.is_not(None), func.trim(H.owner_id) != "")
            .group_by(H.owner_id)
            .having(func.count() > 1)
            .subquery()
        )
        multi = int(session.scalar(select(func.count()).select_from(per_owner)) or 0)
    return BallotSums(
        households=n,
        area_cents=area,
        malformed_areas=bad,
        multi_unit_owners=multi,
        votes_outside=sum(channels.values()) - inside,
        by_choice=tuple(ChoiceRow(json.loads(c), v[0], v[1]) for c, v in by_choice.items()),
        turnout=tuple(TurnoutRow(b, *t) for b, t in per_building.items()),
        channels=channels,
    )


def channel_counts(session: Session, ballot_id: int) -> dict[str, int]:
    rows = session.execute(
        select(V.channel, func.count()).where(V.ballot_id == ballot_id).group_by(V.channel)
    )
    return {str(c): int(n) for c, n in rows}


__all__ = [
    "BallotSums",
    "ChoiceRow",
    "TurnoutRow",
    "ballot_sums",
    "channel_counts",
    "electorate_filter",
]
