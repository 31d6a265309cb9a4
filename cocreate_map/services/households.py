"""Use cases of the household register and its access codes; every change is an entry of the
community's hash-chained audit log (:mod:`cocreate_map.services.audit`)."""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cocreate_map import keys
from cocreate_map.domain.households import (
    REQUIRED,
    RegisterRow,
    area_text,
    canonical_header,
    clean_label,
    generate_code,
    keyed_code_hash,
    normalise_code,
    validate_rows,
)
from cocreate_map.domain.throttle import Policy, split_client
from cocreate_map.errors import (
    ImportFormatError,
    InvalidInput,
    NeedsConfirmation,
    NotFound,
)
from cocreate_map.services.access import require_staff
from cocreate_map.services.audit import record
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import auth_repo
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import (
    BallotRow,
    HouseholdRow,
    VoteRow,
)
from cocreate_map.storage.db import refresh_statistics
from cocreate_map.storage.tables import CommunityRow, utcnow

# Wrong household codes are throttled per client, per address and per typed code, never per
# community: a guesser locks only themself (issue 11). Each lock doubles the one before.
#: one browser session at one address: 10 codes per 15 min, then 5, 10, 20 … min (at most 2 h)
JOIN_CLIENT = Policy(10, timedelta(minutes=15), timedelta(minutes=5), timedelta(hours=2))
#: one address (a hall's Wi-Fi shares one): 40 per 15 min, then 5, 10 … min (at most 1 h)
JOIN_ADDRESS = Policy(40, timedelta(minutes=15), timedelta(minutes=5), timedelta(hours=1))
#: one typed code (e.g. a shared link with a wrong ?code=): 5 per 15 min
JOIN_CODE = Policy(5, timedelta(minutes=15), timedelta(minutes=15), timedelta(hours=24))
JOIN_MAX_FAILURES = JOIN_CLIENT.limit

#: a register import adding this many households refreshes the planner's statistics
ANALYZE_AFTER = 100


# ---------------------------------------------------------------- register


@dataclass(frozen=True)
class HouseholdInfo:
    id: int
    community_slug: str
    building: str
    unit: str
    room: str
    area_m2: str

    @property
    def label(self) -> str:
        return f"{self.building}-{self.unit}-{self.room}"


@dataclass
class RegisterImport:
    created: int
    updated: int
    codes: list[tuple[str, str]]  # (building-unit-room, plain code) for new households, once


def _info(row: HouseholdRow, slug: str) -> HouseholdInfo:
    return HouseholdInfo(row.id, slug, row.building, row.unit, row.room, row.area_m2)


def read_table(path: Path) -> list[tuple[int, dict[str, object]]]:
    """CSV (UTF-8 or GBK) or XLSX → [(line number, {canonical column: value})]."""
    if not path.exists():
        raise InvalidInput(key="households.does_exist_give_path", path=path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise ImportFormatError(
                key="households.readable_xlsx_workbook", path_name=path.name, inner=exc
            ) from None
        ws = wb.worksheets[0]
        raw_rows = [
            ["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)
        ]
        wb.close()
    elif suffix in (".csv", ".txt"):
        data = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                decoded = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes almost anything
            raise ImportFormatError(key="households.cannot_decode_utf_gbk", path_name=path.name)
        raw_rows = list(csv.reader(io.StringIO(decoded)))
    else:
        raise ImportFormatError(
            key="households.expected_csv_xlsx_file", path_name=path.name, value=suffix or "none"
        )
    raw_rows = [r for r in raw_rows]
    if not raw_rows:
        raise ImportFormatError(key="households.empty_expected_header_row", path_name=path.name)
    header = [canonical_header(h) or h.strip() for h in raw_rows[0]]
    out: list[tuple[int, dict[str, object]]] = []
    for i, row in enumerate(raw_rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        out.append((i, {header[j]: row[j] for j in range(min(len(header), len(row)))}))
    return out


def _check_columns(
    rows: list[tuple[int, dict[str, object]]], required: Iterable[str], name: str
) -> None:
    if not rows:
        raise ImportFormatError(key="households.header_but_rows", name=name)
    missing = [c for c in required if c not in rows[0][1]]
    if missing:
        raise ImportFormatError(
            key="households.lacks_column_s_expected", name=name, items=", ".join(missing)
        )


def open_ballots(
    session: Session, community_id: int, now: datetime | None = None
) -> list[BallotRow]:
    now = now or utcnow()
    rows = session.scalars(
        select(BallotRow).where(
            BallotRow.community_id == community_id, BallotRow.closed_at.is_(None)
        )
    )
    return [
        b
        for b in rows
        if b.opens_at is not None
        and b.opens_at <= now
        and (b.closes_at is None or now < b.closes_at)
    ]


def _log_register_change(
    session: Session, community_id: int, actor: str, change: dict[str, Any], now: datetime
) -> None:
    """Every register change goes to the audit log; under an open ballot it names the ballots."""
    ballots = [b.id for b in open_ballots(session, community_id, now)]
    record(
        session, community_id, actor, "register.change", {**change, "open_ballots": ballots}, now
    )


def add_register_rows(
    session: Session,
    community: CommunityRow,
    rows: Sequence[RegisterRow],
    *,
    who: StaffIdentity | None,
    rng: random.Random | None = None,
    seeded: int = 0,
    now: datetime | None = None,
    issue_codes: bool = True,
) -> RegisterImport:
    """Add new households and update existing ones. ``issue_codes`` False: the new households
    get no code yet (they cannot vote online until ``cocreate codes --new-only`` or the staff
    page prints their slips), so adding flats never renews anybody else's code."""
    actor = require_staff(who, community.id, action="register.import").actor
    now = now or utcnow()
    existing = {
        (h.building, h.unit, h.room): h
        for h in session.scalars(
            select(HouseholdRow).where(HouseholdRow.community_id == community.id)
        )
    }
    created = updated = 0
    codes: list[tuple[str, str]] = []
    labels: list[str] = []
    changes: list[dict[str, Any]] = []
    new_rows: list[list[Any]] = []
    fresh = [r for r in rows if r.key not in existing]
    issued = iter(
        new_codes(session, community.id, len(fresh), rng=rng, seeded=seeded)
        if issue_codes
        else [(None, None)] * len(fresh)
    )
    for r in rows:
        area = area_text(r.area_m2)
        old = existing.get(r.key)
        if old is not None:
            new_values = {"area_m2": area, "owner_id": r.owner_id, "residents": r.residents}
            diff = {k: [getattr(old, k), v] for k, v in new_values.items() if getattr(old, k) != v}
            if diff:
                for k, (_, v) in diff.items():
                    setattr(old, k, v)
                updated += 1
                changes.append({"household": r.label, "changed": diff})
            continue
        code, stored = next(issued)
        session.add(
            HouseholdRow(
                community_id=community.id,
                building=r.building,
                unit=r.unit,
                room=r.room,
                area_m2=area,
                owner_id=r.owner_id,
                residents=r.residents,
                code_hash=stored,
                created_at=now,
            )
        )
        labels.append(r.label)
        if code is not None:
            codes.append((r.label, code))
        new_rows.append([r.label, area, r.owner_id, r.residents])
        created += 1
    session.flush()
    if created >= ANALYZE_AFTER:
        refresh_statistics(session, HouseholdRow.__tablename__)
    if created or changes:
        _log_register_change(
            session,
            community.id,
            actor,
            {
                "what": "import",
                "created": labels,
                "created_count": created,
                "updated": changes,
                # every new row in full, so audit verify can prove the register (issue 11.4)
                "rows": new_rows,
            },
            now,
        )
    return RegisterImport(created, updated, codes)


def import_households(
    session: Session,
    path: Path,
    slug: str,
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
    issue_codes: bool = True,
) -> RegisterImport:
    """Import a register (CSV/XLSX); all rows or none. New households get codes (returned once),
    or with ``issue_codes`` False none until their slips are printed (the CLI and the staff page:
    a code nobody sees is of no use); existing ones (same building, unit, room) are updated, and
    the change is logged. No existing household's code changes."""
    community = repo.community_by_slug(session, slug)
    require_staff(who, community.id, action="register.import")
    rows = read_table(path)
    _check_columns(rows, REQUIRED, path.name)
    valid = validate_rows(rows)
    return add_register_rows(session, community, valid, who=who, now=now, issue_codes=issue_codes)


def households_of(session: Session, community_id: int) -> list[HouseholdRow]:
    return list(
        session.scalars(
            select(HouseholdRow)
            .where(HouseholdRow.community_id == community_id)
            .order_by(HouseholdRow.id)
        )
    )


def list_households(session: Session, slug: str) -> list[HouseholdRow]:
    return households_of(session, repo.community_by_slug(session, slug).id)


def household_by_room(
    session: Session, community_id: int, building: str, unit: str, room: str
) -> HouseholdRow | None:
    return session.scalar(
        select(HouseholdRow).where(
            HouseholdRow.community_id == community_id,
            HouseholdRow.building == clean_label(building),
            HouseholdRow.unit == clean_label(unit),
            HouseholdRow.room == clean_label(room),
        )
    )


def _register_diff(
    row: HouseholdRow, area_m2: str | None, owner_id: str | None, residents: int | None
) -> dict[str, list[Any]]:
    """{field: [before, after]} of the values that would change (checked, nothing written)."""
    from cocreate_map.domain.households import parse_area

    diff: dict[str, list[Any]] = {}
    if area_m2 is not None:
        new_area = area_text(parse_area(area_m2))
        if new_area != row.area_m2:
            diff["area_m2"] = [row.area_m2, new_area]
    if owner_id is not None:
        new_owner = owner_id.strip() or None
        if new_owner != row.owner_id:
            diff["owner_id"] = [row.owner_id, new_owner]
    if residents is not None and residents != row.residents:
        if not 0 <= residents <= 50:
            raise InvalidInput(key="households.residents_must", residents=residents)
        diff["residents"] = [row.residents, residents]
    return diff


@dataclass(frozen=True)
class RegisterChange:
    """What a register edit will change, shown to staff before they confirm it."""

    household_id: int
    label: str
    changes: tuple[tuple[str, object, object], ...]  # (field, before, after)


def preview_household_change(
    session: Session,
    household_id: int,
    *,
    area_m2: str | None = None,
    owner_id: str | None = None,
    residents: int | None = None,
) -> RegisterChange:
    """The before → after of :func:`update_household` with these values; writes nothing."""
    row = session.get(HouseholdRow, household_id)
    if row is None:
        raise NotFound(key="households.household_look_up_register", household_id=household_id)
    diff = _register_diff(row, area_m2, owner_id, residents)
    return RegisterChange(row.id, row.label, tuple((k, a, b) for k, (a, b) in diff.items()))


def update_household(
    session: Session,
    household_id: int,
    *,
    area_m2: str | None = None,
    owner_id: str | None = None,
    residents: int | None = None,
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> HouseholdRow:
    """Change area, owner or residents; logged (and shown on the result of an open ballot)."""
    now = now or utcnow()
    row = session.get(HouseholdRow, household_id)
    if row is None:
        raise NotFound(key="households.household_look_up_register", household_id=household_id)
    actor = require_staff(who, row.community_id, action="register.edit").actor
    diff = _register_diff(row, area_m2, owner_id, residents)
    for key, (_, after) in diff.items():
        setattr(row, key, after)
    if diff:
        session.flush()
        _log_register_change(
            session,
            row.community_id,
            actor,
            {"what": "edit", "household": row.label, "changed": diff},
            now,
        )
    return row


def code_hash(community_id: int, code: str) -> str:
    """The stored (keyed) hash of a household code; InvalidInput when it is malformed."""
    return keyed_code_hash(keys.server_secret(), community_id, code)


def new_codes(
    session: Session,
    community_id: int,
    count: int,
    *,
    rng: random.Random | None = None,
    seeded: int = 0,
) -> list[tuple[str, str]]:
    """``count`` fresh (plain code, stored hash) pairs, none equal to a code the community has or
    to each other: the one place codes are made (the register import, ``cocreate codes``, the
    demo). ``rng`` with ``seeded`` > 0 only from the demo loader: its first codes are the public
    ones in the README."""
    taken = set(
        session.scalars(
            select(HouseholdRow.code_hash).where(
                HouseholdRow.community_id == community_id, HouseholdRow.code_hash.is_not(None)
            )
        )
    )
    out: list[tuple[str, str]] = []
    for i in range(count):
        while True:
            code = generate_code(rng if rng is not None and i < seeded else None)
            stored = code_hash(community_id, code)
            if stored not in taken:
                break
        taken.add(stored)
        out.append((code, stored))
    return out


def households_for_codes(
    session: Session, slug: str, labels: Sequence[str] = (), *, new_only: bool = False
) -> list[int]:
    """The households whose slips to print: those named ``labels`` ("3-2-501", "3栋2单元501"
    is cleaned like the register), and/or with ``new_only`` those without a code yet (added
    since the last slips). NotFound names the labels the register does not have; NotFound too
    when nothing is left to print."""
    community = repo.community_by_slug(session, slug)
    rows = households_of(session, community.id)
    if labels:
        by_label = {r.label: r for r in rows}
        wanted = [_clean_household_label(x) for x in labels]
        unknown = [x for x, w in zip(labels, wanted, strict=True) if w not in by_label]
        if unknown:
            raise NotFound(key="codes.unknown_households", items="、".join(unknown), slug=slug)
        rows = [by_label[w] for w in dict.fromkeys(wanted)]
    if new_only:
        rows = [r for r in rows if r.code_hash is None]
    if not rows:
        raise NotFound(
            key="codes.nothing_new"
            if new_only
            else "households.community_households_import_register",
            slug=slug,
        )
    return [r.id for r in rows]


def _clean_household_label(text: str) -> str:
    """ "3-2-501", "3栋-2单元-501", "3 2 501" → "3-2-501" (building, unit, room as the register)."""
    parts = [p for p in re.split(r"[-\s/，,]+", text.strip()) if p]
    if len(parts) == 1:  # 3栋2单元501室
        m = re.fullmatch(r"(.+?)(?:栋|幢|号楼|号)(.+?)单元(.+?)室?", parts[0])
        parts = list(m.groups()) if m else parts
    return "-".join(clean_label(p) for p in parts)


def regenerate_codes(
    session: Session,
    slug: str,
    household_ids: Sequence[int] | None = None,
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
    confirm_open_ballots: bool = False,
) -> list[tuple[HouseholdRow, str]]:
    """New random codes for the households (default: all); their old codes and the phones signed
    in with them stop working. Plain codes are returned once. Never the README's demo codes:
    those come from the demo loader only. During an open ballot NeedsConfirmation is raised
    unless ``confirm_open_ballots`` (households must get their new slip before they can vote)."""
    now = now or utcnow()
    community = repo.community_by_slug(session, slug)
    actor = require_staff(who, community.id, action="codes").actor
    rows = households_of(session, community.id)
    if household_ids is not None:
        wanted = set(household_ids)
        rows = [r for r in rows if r.id in wanted]
    if not rows:
        raise NotFound(key="households.community_households_import_register", slug=slug)
    running = open_ballots(session, community.id, now)
    renewed = [r for r in rows if r.code_hash is not None]  # a first code ends nothing
    if running and renewed and not confirm_open_ballots:
        raise NeedsConfirmation(
            key="codes.open_ballot",
            ballots="、".join(f"#{b.id} {b.title}" for b in running),
            n=len(renewed),
        )
    for r in rows:  # the old hashes go first, so a new code may never equal a regenerated one
        r.code_hash = None
    session.flush()
    out = []
    for r, (code, stored) in zip(rows, new_codes(session, community.id, len(rows)), strict=True):
        r.code_hash = stored
        out.append((r, code))
    auth_repo.revoke_households(session, [r.id for r in rows], now)
    session.flush()
    record(
        session,
        community.id,
        actor,
        "codes.regenerate",
        {
            "households": len(out),
            "first_codes": len(out) - len(renewed),
            "open_ballots": [b.id for b in running],
        },
        now,
    )
    return out


# ---------------------------------------------------------------- joining with a code


@dataclass(frozen=True)
class JoinResult:
    """``household`` when the code is right. Else ``left`` tries remain for this client;
    ``locked_until`` set: no more tries until then (``throttled``: this one was not checked)."""

    household: HouseholdInfo | None
    locked_until: datetime | None = None
    left: int = JOIN_CLIENT.limit
    throttled: bool = False

    @property
    def failures_left(self) -> int:
        return self.left


def join_with_code(
    session: Session,
    slug: str,
    code: str,
    now: datetime | None = None,
    *,
    client: str = "",
) -> JoinResult:
    """The household whose code this is. Wrong codes count per client ("address|browser
    session", ui/client.py), per address and per typed code — never per community, so nobody
    can lock out their neighbours; at most the limit is checked per window, even when guesses
    arrive in parallel.

    Returns (does not raise) on a wrong code, so the caller commits the count. A code that is
    malformed (a 0, O, 1 …) raises InvalidInput and is not counted as a guess.
    """
    now = now or utcnow()
    normalise_code(code)  # raises InvalidInput for a malformed code
    community = repo.community_by_slug(session, slug)
    stored = code_hash(community.id, code)
    address, sess = split_client(client)
    checks = [
        (f"join:code:{community.id}:{stored[:32]}", JOIN_CODE),
        (f"join:client:{address}|{sess}", JOIN_CLIENT),
        (f"join:address:{address}", JOIN_ADDRESS),
    ]
    taken = []
    for key, policy in checks:
        attempt = auth_repo.attempt(session, key, policy, now)
        if not attempt.verdict.allowed:
            return JoinResult(None, attempt.verdict.locked_until, 0, throttled=True)
        taken.append((attempt, policy))
    left = min(a.verdict.left for a, _ in taken[1:])
    row = session.scalar(
        select(HouseholdRow).where(
            HouseholdRow.community_id == community.id, HouseholdRow.code_hash == stored
        )
    )
    if row is not None:
        return JoinResult(_info(row, slug), left=left)
    locked_until = None
    for attempt, policy in taken:
        if attempt.verdict.left == 0:
            until = auth_repo.lock(session, attempt, policy, now)
            if policy is not JOIN_CODE:
                locked_until = max(until, locked_until or until)
    session.flush()
    return JoinResult(None, locked_until, left)


def household_info(session: Session, household_id: int) -> HouseholdInfo:
    info = household_info_or_none(session, household_id)
    if info is None:
        raise NotFound(key="households.household_longer_exists_join", household_id=household_id)
    return info


def household_info_or_none(session: Session, household_id: int) -> HouseholdInfo | None:
    row = session.get(HouseholdRow, household_id)
    if row is None:
        return None
    community = session.get(CommunityRow, row.community_id)
    assert community is not None
    return _info(row, community.slug)


def register_stats(session: Session, community_id: int) -> tuple[int, int]:
    """(households, households that voted on some ballot)."""
    total = session.scalar(
        select(func.count())
        .select_from(HouseholdRow)
        .where(HouseholdRow.community_id == community_id)
    )
    voted = session.scalar(
        select(func.count(func.distinct(VoteRow.household_id)))
        .join(HouseholdRow, HouseholdRow.id == VoteRow.household_id)
        .where(HouseholdRow.community_id == community_id)
    )
    return int(total or 0), int(voted or 0)
