"""Community conventions (公约, 成果共享): drafted by staff, signed by households.

A convention has numbered articles and a scope (the community, or some buildings). Households sign
online with their code, or staff record a paper signature; a signature can be withdrawn. Changing
the text makes a new version, which needs signing anew — the old signatures stay on record with
their version. Progress is signed / all households of the scope, by building; building chiefs
see their buildings' households that have not signed, to visit them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cocreate_map.domain import evaluation as dom
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.households import clean_label
from cocreate_map.errors import AlreadyExists, InvalidInput, InvalidTransition
from cocreate_map.services.access import EDITORS, EVERY_STAFF, require_staff
from cocreate_map.services.audit import record
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import evaluation_repo as repo
from cocreate_map.storage import repositories as communities
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.evaluation_tables import (
    ConventionRow,
    ConventionSignatureRow,
    ConventionVersionRow,
)
from cocreate_map.storage.tables import utcnow

TITLE_MAX_CHARS = 100


@dataclass(frozen=True)
class ConventionInfo:
    id: int
    community_id: int
    title: str
    articles: tuple[str, ...]
    version: int
    buildings: tuple[str, ...]  # empty: the whole community


@dataclass(frozen=True)
class Progress:
    convention: ConventionInfo
    households: int
    signed: int
    by_building: tuple[dom.BuildingProgress, ...]


def _info(row: ConventionRow, version: ConventionVersionRow) -> ConventionInfo:
    return ConventionInfo(
        row.id,
        row.community_id,
        version.title,
        tuple(version.articles),
        version.version,
        tuple(row.buildings or ()),
    )


def _title(value: str) -> str:
    return dom.clean_text(value, TITLE_MAX_CHARS, required=True, what="title")


def create_convention(
    session: Session,
    slug: str,
    title: str,
    articles_text: str,
    *,
    buildings: Sequence[str] = (),
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> ConventionInfo:
    now = now or utcnow()
    community = communities.community_by_slug(session, slug)
    staff = require_staff(who, community.id, EDITORS, action="convention.create")
    name = _title(title)
    articles = dom.parse_articles(articles_text)
    scope = sorted({clean_label(b) for b in buildings if str(b).strip()})
    known = {h.building for h in repo.households_of(session, community.id)}
    unknown = [b for b in scope if b not in known]
    if unknown:
        raise InvalidInput(key="evaluation.unknown_buildings", buildings="、".join(unknown))
    row = ConventionRow(
        community_id=community.id, buildings=scope, created_by=staff.actor, created_at=now
    )
    session.add(row)
    session.flush()
    version = ConventionVersionRow(
        convention_id=row.id, version=1, title=name, articles=articles, created_at=now
    )
    session.add(version)
    session.flush()
    record(
        session,
        community.id,
        staff.actor,
        "convention.create",
        {"convention_id": row.id, "version": 1, "title": name, "articles": articles,
         "buildings": scope},
        now,
    )  # fmt: skip
    return _info(row, version)


def revise_convention(
    session: Session,
    convention_id: int,
    title: str,
    articles_text: str,
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> ConventionInfo:
    """A changed text: a new version that needs new signatures."""
    now = now or utcnow()
    row = repo.convention(session, convention_id)
    staff = require_staff(who, row.community_id, EDITORS, action="convention.revise")
    latest = repo.latest_version(session, row.id)
    name, articles = _title(title), dom.parse_articles(articles_text)
    if name == latest.title and articles == list(latest.articles):
        raise InvalidInput(key="evaluation.same_text")
    version = ConventionVersionRow(
        convention_id=row.id,
        version=latest.version + 1,
        title=name,
        articles=articles,
        created_at=now,
    )
    session.add(version)
    session.flush()
    record(
        session,
        row.community_id,
        staff.actor,
        "convention.revise",
        {"convention_id": row.id, "version": version.version, "title": name, "articles": articles},
        now,
    )
    return _info(row, version)


def get_convention(session: Session, convention_id: int) -> ConventionInfo:
    row = repo.convention(session, convention_id)
    return _info(row, repo.latest_version(session, row.id))


def list_conventions(session: Session, slug: str) -> list[ConventionInfo]:
    community = communities.community_by_slug(session, slug)
    return [
        _info(r, repo.latest_version(session, r.id))
        for r in repo.conventions_of(session, community.id)
    ]


def _scope_household(session: Session, row: ConventionRow, household_id: int) -> HouseholdRow:
    h = repo.household(session, row.community_id, household_id)
    if row.buildings and h.building not in row.buildings:
        raise InvalidInput(
            key="evaluation.convention_scope",
            household=f"{h.building}-{h.unit}-{h.room}",
            buildings="、".join(row.buildings),
        )
    return h


def sign(
    session: Session,
    convention_id: int,
    household_id: int,
    *,
    paper: bool = False,
    who: StaffIdentity | None = None,
    now: datetime | None = None,
) -> ConventionInfo:
    """The household signs the newest version (a paper signature is entered by staff)."""
    now = now or utcnow()
    row = repo.convention(session, convention_id)
    h = _scope_household(session, row, household_id)
    actor = f"household:{h.id}"
    if paper:
        actor = require_staff(
            who, row.community_id, EVERY_STAFF, building=h.building, action="convention.sign"
        ).actor
    version = repo.latest_version(session, row.id)
    existing = repo.signature(session, version.id, h.id)
    if existing is not None and existing.withdrawn_at is None:
        raise AlreadyExists(key="evaluation.signed_twice", version=version.version)
    if existing is None:
        session.add(
            ConventionSignatureRow(
                version_id=version.id,
                household_id=h.id,
                channel="paper" if paper else "online",
                signed_at=now,
            )
        )
    else:  # signed again after withdrawing
        existing.withdrawn_at, existing.signed_at = None, now
        existing.channel = "paper" if paper else "online"
    session.flush()
    record(
        session,
        row.community_id,
        actor,
        "convention.sign",
        {"convention_id": row.id, "version": version.version, "household_id": h.id,
         "channel": "paper" if paper else "online"},
        now,
    )  # fmt: skip
    return _info(row, version)


def withdraw(
    session: Session,
    convention_id: int,
    household_id: int,
    *,
    who: StaffIdentity | None = None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    row = repo.convention(session, convention_id)
    h = _scope_household(session, row, household_id)
    if who is not None:
        require_staff(who, row.community_id, EVERY_STAFF, building=h.building, action="withdraw")
    version = repo.latest_version(session, row.id)
    existing = repo.signature(session, version.id, h.id)
    if existing is None or existing.withdrawn_at is not None:
        raise InvalidTransition(key="evaluation.not_signed", version=version.version)
    existing.withdrawn_at = now
    session.flush()
    record(
        session,
        row.community_id,
        who.actor if who else f"household:{h.id}",
        "convention.withdraw",
        {"convention_id": row.id, "version": version.version, "household_id": h.id},
        now,
    )


def progress(session: Session, convention_id: int) -> Progress:
    row = repo.convention(session, convention_id)
    version = repo.latest_version(session, row.id)
    people = [
        h
        for h in repo.households_of(session, row.community_id)
        if not row.buildings or h.building in row.buildings
    ]
    per_building: dict[str, int] = {}
    for h in people:
        per_building[h.building] = per_building.get(h.building, 0) + 1
    signed_ids = set(repo.signed_households(session, version.id))
    buildings = [h.building for h in people if h.id in signed_ids]
    return Progress(
        _info(row, version),
        len(people),
        len(buildings),
        dom.signing_progress(per_building, buildings),
    )


def has_signed(session: Session, convention_id: int, household_id: int) -> bool:
    version = repo.latest_version(session, convention_id)
    existing = repo.signature(session, version.id, household_id)
    return existing is not None and existing.withdrawn_at is None


def unsigned(
    session: Session, convention_id: int, who: StaffIdentity | None
) -> list[tuple[str, str, str]]:
    """(building, unit, room) of the households in scope that have not signed the newest
    version — for a building chief, only in their buildings (to visit them)."""
    row = repo.convention(session, convention_id)
    staff = require_staff(who, row.community_id, EVERY_STAFF, action="convention.unsigned")
    version = repo.latest_version(session, row.id)
    signed_ids = set(repo.signed_households(session, version.id))
    return [
        (h.building, h.unit, h.room)
        for h in repo.households_of(session, row.community_id)
        if (not row.buildings or h.building in row.buildings)
        and h.id not in signed_ids
        and (staff.role is not Role.BUILDING_CHIEF or h.building in staff.buildings)
    ]


def progress_shapes(session: Session, convention_id: int) -> list[tuple[dom.BuildingProgress, Any]]:
    """Each building of the progress table with its outline on the map (buildings the map does
    not draw are left out here; the table still has them)."""
    from cocreate_map.storage import works_repo

    p = progress(session, convention_id)
    shapes: dict[str, Any] = {}
    for b in works_repo.buildings(session, p.convention.community_id):
        shapes.setdefault(clean_label(b.name or b.source_id or str(b.id)), b.geometry)
    return [(b, shapes[b.building]) for b in p.by_building if b.building in shapes]


def rooms_by_building(
    session: Session, convention_id: int, building: str | None = None
) -> dict[str, list[tuple[str, str]]]:
    """(unit, room) of the households in scope, per building (the signature sheet's rows)."""
    row = repo.convention(session, convention_id)
    out: dict[str, list[tuple[str, str]]] = {}
    for h in repo.households_of(session, row.community_id):
        if row.buildings and h.building not in row.buildings:
            continue
        if building is not None and h.building != building:
            continue
        out.setdefault(h.building, []).append((h.unit, h.room))
    return {b: out[b] for b in sorted(out, key=dom.building_key)}


def signature_sheet_pdf(
    session: Session, convention_id: int, out: Any, building: str | None = None
) -> int:
    """Write the signature sheet (the articles, then a table per building) to ``out``; returns
    the number of buildings."""
    from cocreate_map.io.reports_evaluation import signature_sheet

    info = get_convention(session, convention_id)
    rooms = rooms_by_building(session, convention_id, building)
    if not rooms:
        raise InvalidInput(key="evaluation.unknown_buildings", buildings=building or "—")
    community = communities.community_by_id(session, info.community_id)
    signature_sheet(info.title, community.name, info.version, info.articles, rooms, out)
    return len(rooms)
