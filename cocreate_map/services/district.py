"""The district overview: every community of a sub-district (街道) in one table.

Each figure comes with its denominator ("resolved 98 of 100"), as the field reports quote them.
The figures are computed with one query per figure for the whole district (storage/district_repo),
never one query per community, and with the same definitions as each community's own summary
(domain/annotations.summarise for opinions).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cocreate_map.domain import annotations as marks_domain
from cocreate_map.domain.annotations import Category, Role
from cocreate_map.errors import InvalidInput
from cocreate_map.io.spreadsheet import safe_cell as csv_safe
from cocreate_map.services.access import require_staff
from cocreate_map.services.audit import record
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import district_repo as repo
from cocreate_map.storage import repositories as communities_repo


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``; ``value`` is None when there is nothing to count."""

    part: int
    whole: int

    @property
    def value(self) -> Fraction | None:
        return None if self.whole == 0 else Fraction(self.part, self.whole)

    @property
    def percent(self) -> float | None:
        v = self.value
        return None if v is None else round(float(v * 100), 1)

    def text(self) -> str:
        pct = self.percent
        return "—" if pct is None else f"{pct:.1f}% ({self.part}/{self.whole})"


@dataclass(frozen=True)
class LastBallot:
    id: int
    title: str
    closed: bool
    turnout: Share  # households that voted / households of the electorate
    passed: bool | None  # the outcome recorded at close (None while open)
    outcome: str | None


@dataclass(frozen=True)
class CommunityFigures:
    slug: str
    name: str
    district: str | None
    households: int
    opinions: int  # public marks
    response: Share  # answered / public
    resolution: Share  # resolved / adopted
    satisfaction: Share  # ratings of 4–5 stars / ratings
    mean_stars: Fraction | None
    last_ballot: LastBallot | None
    works: int
    works_completed: int
    works_progress_pct: Fraction | None  # mean progress of the works
    boundary: BaseGeometry | None


@dataclass(frozen=True)
class DistrictOverview:
    district: str | None
    communities: list[CommunityFigures]

    @property
    def households(self) -> int:
        return sum(c.households for c in self.communities)

    @property
    def resolution(self) -> Share:
        return Share(
            sum(c.resolution.part for c in self.communities),
            sum(c.resolution.whole for c in self.communities),
        )

    @property
    def satisfaction(self) -> Share:
        return Share(
            sum(c.satisfaction.part for c in self.communities),
            sum(c.satisfaction.whole for c in self.communities),
        )

    @property
    def response(self) -> Share:
        return Share(
            sum(c.response.part for c in self.communities),
            sum(c.response.whole for c in self.communities),
        )


def districts(session: Session) -> list[str]:
    return repo.districts(session)


def set_district(
    session: Session, slug: str, district: str | None, who: StaffIdentity | None
) -> None:
    """Put community ``slug`` in sub-district ``district`` (None: in none); admins only."""
    community = communities_repo.community_by_slug(session, slug)
    require_staff(who, community.id, (Role.ADMIN,), action="set_district")
    name = (district or "").strip() or None
    if name is not None and len(name) > 200:
        raise InvalidInput(key="district.name_too_long", length=len(name))
    before = community.district
    community.district = name
    record(
        session,
        community.id,
        who.actor if who else "cli",
        "community.district",
        {"from": before, "to": name},
    )


def overview(session: Session, district: str | None = None) -> DistrictOverview:
    """Figures of every community (of ``district``, or all)."""
    rows = repo.communities(session, district)
    ids = [c.id for c in rows]
    rooms = repo.household_rooms(session, ids)
    households: dict[int, int] = defaultdict(int)
    for cid, _b, _u, n in rooms:
        households[cid] += n

    mark_rows: dict[int, list[tuple[Category, str | None, marks_domain.Status]]] = defaultdict(list)
    for cid, category, building, *stamps in repo.marks(session, ids):
        state = marks_domain.status(marks_domain.Lifecycle(*stamps))
        mark_rows[cid].append((Category(category), building, state))
    stars: dict[int, list[int]] = defaultdict(list)
    for cid, s in repo.mark_stars(session, ids):
        stars[cid].append(s)

    ballots = {b.community_id: b for b in repo.last_ballots(session, ids)}
    votes = repo.vote_counts(session, [b.id for b in ballots.values()])
    closes: dict[int, dict[str, object]] = {}
    for _cid, payload in repo.close_entries(session, ids):
        closes[int(str(payload.get("ballot_id")))] = payload
    electorate: dict[int, int] = defaultdict(int)
    for cid, building, unit, n in rooms:
        b = ballots.get(cid)
        if b is not None and _in_electorate(b.electorate, building, unit):
            electorate[b.id] += n

    works: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for w in repo.works(session, ids):
        works[w.community_id].append((w.progress_pct, w.completed_at is not None))

    out = []
    for c in rows:
        summary = marks_domain.summarise(mark_rows[c.id], stars[c.id])
        satisfied = sum(1 for s in stars[c.id] if s >= 4)
        b = ballots.get(c.id)
        last = None
        if b is not None:
            close = closes.get(b.id)
            last = LastBallot(
                b.id,
                b.title,
                b.closed_at is not None,
                Share(votes.get(b.id, 0), electorate[b.id]),
                None if close is None else bool(close.get("passed")),
                None if close is None else str(close.get("outcome")),
            )
        w = works[c.id]
        out.append(
            CommunityFigures(
                slug=c.slug,
                name=c.name,
                district=c.district,
                households=households[c.id],
                opinions=summary.total,
                response=Share(summary.answered, summary.total),
                resolution=Share(summary.resolved, summary.adopted),
                satisfaction=Share(satisfied, summary.ratings),
                mean_stars=None
                if summary.ratings == 0
                else Fraction(summary.rating_sum, summary.ratings),
                last_ballot=last,
                works=len(w),
                works_completed=sum(1 for _p, done in w if done),
                works_progress_pct=None if not w else Fraction(sum(p for p, _d in w), len(w)),
                boundary=c.boundary,
            )
        )
    return DistrictOverview(district, out)


def _in_electorate(electorate: dict[str, object], building: str, unit: str) -> bool:
    buildings = list(electorate.get("buildings") or [])  # type: ignore[call-overload]
    units = list(electorate.get("units") or [])  # type: ignore[call-overload]
    if not buildings and not units:
        return True
    return building in buildings or [building, unit] in units


COLUMNS = (
    "slug",
    "name",
    "district",
    "households",
    "opinions",
    "response_pct",
    "response",
    "resolution_pct",
    "resolution",
    "satisfaction_pct",
    "satisfaction",
    "last_ballot",
    "last_ballot_turnout_pct",
    "last_ballot_passed",
    "works",
    "works_completed",
    "works_progress_pct",
)


def table_rows(view: DistrictOverview) -> list[dict[str, object]]:
    """One plain row per community (for the page's table and the CSV)."""
    rows = []
    for c in view.communities:
        b = c.last_ballot
        rows.append(
            {
                "slug": c.slug,
                "name": c.name,
                "district": c.district or "",
                "households": c.households,
                "opinions": c.opinions,
                "response_pct": c.response.percent,
                "response": f"{c.response.part}/{c.response.whole}",
                "resolution_pct": c.resolution.percent,
                "resolution": f"{c.resolution.part}/{c.resolution.whole}",
                "satisfaction_pct": c.satisfaction.percent,
                "satisfaction": f"{c.satisfaction.part}/{c.satisfaction.whole}",
                "last_ballot": "" if b is None else b.title,
                "last_ballot_turnout_pct": None if b is None else b.turnout.percent,
                "last_ballot_passed": None if b is None or b.passed is None else b.passed,
                "works": c.works,
                "works_completed": c.works_completed,
                "works_progress_pct": None
                if c.works_progress_pct is None
                else round(float(c.works_progress_pct), 1),
            }
        )
    return rows


def csv_text(view: DistrictOverview) -> str:
    """The table as CSV, every cell neutralised against spreadsheet formulas."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    writer.writeheader()
    for row in table_rows(view):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str):
        return csv_safe(value)
    return "" if value is None else value
