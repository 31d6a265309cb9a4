"""Use cases of the household register, access codes and the hash-chained audit log.

The audit log lives here (not in ``ballots``) because register changes and votes both write it.
Writers call :func:`lock_chain` first: on PostgreSQL a per-community advisory lock, on SQLite the
database write lock, so two transactions never append to the same chain head.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cocreate_map.domain import audit as audit_domain
from cocreate_map.domain.households import (
    REQUIRED,
    RegisterRow,
    area_text,
    canonical_header,
    clean_label,
    generate_code,
    hash_code,
    normalise_code,
    validate_rows,
)
from cocreate_map.errors import ImportFormatError, InvalidInput, NotFound, PermissionDenied
from cocreate_map.services.access import local_admin, require_staff
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import (
    AuditRow,
    BallotRow,
    HouseholdRow,
    JoinThrottleRow,
    VoteRow,
)
from cocreate_map.storage.tables import CommunityRow, ElementRow, utcnow

#: wrong codes per community within the window before joining waits
JOIN_MAX_FAILURES = 20
JOIN_WINDOW = timedelta(minutes=15)
JOIN_LOCKOUT = timedelta(minutes=15)

DEMO_CODE_SEED = "cotton-compound demo codes v1"
DEMO_SEEDED_CODES = 6  # the first households of building 1 get public, seeded codes


# ---------------------------------------------------------------- audit log


def lock_chain(session: Session, community_id: int) -> None:
    """Serialise appends to one community's audit chain until the transaction ends (taken once
    per transaction: later calls in it cost nothing)."""
    locked: set[int] = session.info.setdefault("audit_locked", set())
    if community_id in locked:
        return
    locked.add(community_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_000_000 + community_id})
    else:
        # Any write takes SQLite's database lock; reads after it see the newest chain head.
        session.execute(text("UPDATE join_throttle SET failures = failures WHERE 0 = 1"))


def record(
    session: Session,
    community_id: int,
    actor: str,
    action: str,
    payload: dict[str, Any],
    now: datetime | None = None,
) -> AuditRow:
    """Append one entry to the community's hash chain (inside the caller's transaction).

    The chain lock is taken here, once per transaction, as late as possible: the caller's own
    rows are written first, so writers of one community wait for each other only for the append
    and the commit (issue 16.4). A signed checkpoint follows when one is due (services/audit)."""
    from cocreate_map.services import audit

    lock_chain(session, community_id)
    session.flush()
    head = session.execute(
        select(AuditRow.seq, AuditRow.hash)
        .where(AuditRow.community_id == community_id)
        .order_by(AuditRow.seq.desc())
        .limit(1)
    ).first()
    seq = 1 if head is None else head.seq + 1
    prev = audit_domain.GENESIS if head is None else head.hash
    at = (now or utcnow()).isoformat(timespec="microseconds")
    chain_id = _chain_id(session, community_id)
    body = _audit_body(chain_id, seq, at, actor, action, payload)
    row = AuditRow(
        community_id=community_id,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        payload=payload,
        prev_hash=prev,
        hash=audit_domain.entry_hash(prev, body),
    )
    session.add(row)
    session.flush()
    audit.after_append(session, row, chain_id)
    return row


def _audit_body(
    community_id: int, seq: int, at: str, actor: str, action: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "community_id": community_id,
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "payload": payload,
    }


def audit_entries(session: Session, community_id: int) -> list[AuditRow]:
    return list(
        session.scalars(
            select(AuditRow).where(AuditRow.community_id == community_id).order_by(AuditRow.seq)
        )
    )


def _chain_id(session: Session, community_id: int) -> int:
    """The id the community's chain is hashed under: its own, or the one it had in the database
    it moved from (``cocreate community move`` keeps the chain's hashes as they were)."""
    moved = session.scalar(
        select(CommunityRow.audit_chain_id).where(CommunityRow.id == community_id)
    )
    return community_id if moved is None else moved


def chain_of(rows: Sequence[AuditRow], chain_id: int | None = None) -> list[audit_domain.Entry]:
    """The rows as domain entries; ``chain_id`` is the id the chain was hashed under (default:
    the rows' own community id)."""
    return [
        audit_domain.Entry(
            _audit_body(
                r.community_id if chain_id is None else chain_id,
                r.seq,
                r.at,
                r.actor,
                r.action,
                dict(r.payload),
            ),
            r.prev_hash,
            r.hash,
        )
        for r in rows
    ]


def audit_head(session: Session, community_id: int) -> str:
    head = session.scalar(
        select(AuditRow.hash)
        .where(AuditRow.community_id == community_id)
        .order_by(AuditRow.seq.desc())
        .limit(1)
    )
    return head or audit_domain.GENESIS


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
) -> RegisterImport:
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
    changes: list[dict[str, Any]] = []
    new_rows: list[list[Any]] = []
    for i, r in enumerate(rows):
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
        code = generate_code(rng if i < seeded else None)
        session.add(
            HouseholdRow(
                community_id=community.id,
                building=r.building,
                unit=r.unit,
                room=r.room,
                area_m2=area,
                owner_id=r.owner_id,
                residents=r.residents,
                code_hash=hash_code(community.id, code),
                created_at=now,
            )
        )
        codes.append((r.label, code))
        new_rows.append([r.label, area, r.owner_id, r.residents])
        created += 1
    session.flush()
    if created or changes:
        _log_register_change(
            session,
            community.id,
            actor,
            {
                "what": "import",
                "created": [label for label, _ in codes],
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
) -> RegisterImport:
    """Import a register (CSV/XLSX); all rows or none. New households get codes (returned once);
    existing ones (same building, unit, room) are updated, and the change is logged."""
    community = repo.community_by_slug(session, slug)
    require_staff(who, community.id, action="register.import")
    rows = read_table(path)
    _check_columns(rows, REQUIRED, path.name)
    valid = validate_rows(rows)
    return add_register_rows(session, community, valid, who=who, now=now)


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


def regenerate_codes(
    session: Session,
    slug: str,
    household_ids: Sequence[int] | None = None,
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> list[tuple[HouseholdRow, str]]:
    """New codes for the households (default: all); old codes stop working. Plain codes once."""
    community = repo.community_by_slug(session, slug)
    actor = require_staff(who, community.id, action="codes").actor
    rows = households_of(session, community.id)
    if household_ids is not None:
        wanted = set(household_ids)
        rows = [r for r in rows if r.id in wanted]
    if not rows:
        raise NotFound(key="households.community_households_import_register", slug=slug)
    out = []
    demo_rng = random.Random(DEMO_CODE_SEED) if slug == _demo_slug() else None
    for i, r in enumerate(rows):
        seeded = demo_rng is not None and i < DEMO_SEEDED_CODES
        code = generate_code(demo_rng if seeded else None)
        r.code_hash = hash_code(community.id, code)
        out.append((r, code))
    session.flush()
    record(
        session,
        community.id,
        actor,
        "codes.regenerate",
        {"households": len(out)},
        now,
    )
    return out


# ---------------------------------------------------------------- joining with a code


@dataclass(frozen=True)
class JoinResult:
    household: HouseholdInfo | None
    locked_until: datetime | None = None
    failures_left: int = JOIN_MAX_FAILURES


def join_with_code(
    session: Session, slug: str, code: str, now: datetime | None = None
) -> JoinResult:
    """The household whose code this is; wrong codes count toward a per-community lockout.

    Returns (does not raise) on a wrong code, so the caller commits the failure count. A code
    that is malformed (a 0, O, 1 …) raises InvalidInput and is not counted as a guess.
    """
    now = now or utcnow()
    community = repo.community_by_slug(session, slug)
    throttle = session.get(JoinThrottleRow, community.id)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        raise PermissionDenied(key="households.too_many_wrong_codes", minutes=minutes)
    normalise_code(code)  # raises InvalidInput for a malformed code
    row = session.scalar(
        select(HouseholdRow).where(
            HouseholdRow.community_id == community.id,
            HouseholdRow.code_hash == hash_code(community.id, code),
        )
    )
    if row is not None:
        return JoinResult(_info(row, slug))
    if throttle is None:
        throttle = JoinThrottleRow(community_id=community.id, failures=0, window_started_at=now)
        session.add(throttle)
    if now - throttle.window_started_at > JOIN_WINDOW:
        throttle.failures = 0
        throttle.window_started_at = now
        throttle.locked_until = None
    throttle.failures += 1
    if throttle.failures >= JOIN_MAX_FAILURES:
        throttle.locked_until = now + JOIN_LOCKOUT
        throttle.failures = 0
        throttle.window_started_at = now
    session.flush()
    return JoinResult(None, throttle.locked_until, JOIN_MAX_FAILURES - throttle.failures)


def session_token(session: Session, household_id: int) -> str:
    """A token that keeps a household signed in on one phone (stored in a cookie).

    ``"<id>.<hmac>"`` keyed with the household's stored code hash: it reveals nothing about the
    code, and it stops working when the household's code is regenerated.
    """
    row = session.get(HouseholdRow, household_id)
    if row is None or row.code_hash is None:
        raise NotFound(key="households.household_code_ask_new", household_id=household_id)
    mac = hmac.new(row.code_hash.encode(), f"session:{row.id}".encode(), hashlib.sha256)
    return f"{row.id}.{mac.hexdigest()[:32]}"


def household_from_token(session: Session, slug: str, token: str) -> HouseholdInfo | None:
    """The household a token from :func:`session_token` names, or None when it is stale."""
    head, _, _ = (token or "").partition(".")
    if not head.isdigit():
        return None
    row = session.get(HouseholdRow, int(head))
    community = repo.find_community(session, slug)
    if row is None or community is None or row.community_id != community.id:
        return None
    if not hmac.compare_digest(session_token(session, row.id), token):
        return None
    return _info(row, slug)


def household_info(session: Session, household_id: int) -> HouseholdInfo:
    row = session.get(HouseholdRow, household_id)
    if row is None:
        raise NotFound(key="households.household_longer_exists_join", household_id=household_id)
    community = session.get(CommunityRow, row.community_id)
    assert community is not None
    return _info(row, community.slug)


# ---------------------------------------------------------------- demo register


def _demo_slug() -> str:
    from cocreate_map.services.community import DEMO_SLUG

    return DEMO_SLUG


def demo_register(buildings: Sequence[tuple[str, int]]) -> list[RegisterRow]:
    """A deterministic register: per building, units 1–2, two rooms per floor (101, 102, 201 …),
    areas 45–90 m² with two decimals from a seeded generator; three 公房 units of building 1 belong
    to the housing bureau (one owner head, DOMAIN.md R2)."""
    rng = random.Random("cotton-compound register v1")
    rows: list[RegisterRow] = []
    for building, count in buildings:
        per_unit = [count - count // 2, count // 2]
        for unit_no, n in enumerate(per_unit, start=1):
            for k in range(n):
                floor, pos = divmod(k, 2)
                room = f"{floor + 1}{pos + 1:02d}"
                cents = rng.randint(4500, 9000)
                owner = "房管所" if building == "1" and unit_no == 2 and k < 3 else None
                rows.append(
                    RegisterRow(
                        building, str(unit_no), room, Fraction(cents, 100), owner, rng.randint(1, 5)
                    )
                )
    return rows


def demo_buildings(session: Session, community_id: int) -> list[tuple[str, int]]:
    rows = session.scalars(
        select(ElementRow).where(
            ElementRow.community_id == community_id, ElementRow.kind == "building"
        )
    )
    out = []
    for e in rows:
        label = clean_label(e.name or e.source_id or str(e.id))
        n = int((e.attrs or {}).get("households") or 0)
        if n > 0:
            out.append((label, n))
    return sorted(out, key=lambda x: (len(x[0]), x[0]))


def add_demo_households(session: Session, slug: str) -> RegisterImport:
    """Give the demo community its register; the first households get seeded, public codes."""
    community = repo.community_by_slug(session, slug)
    rows = demo_register(demo_buildings(session, community.id))
    return add_register_rows(
        session,
        community,
        rows,
        who=local_admin("demo"),
        rng=random.Random(DEMO_CODE_SEED),
        seeded=DEMO_SEEDED_CODES,
    )


def demo_codes() -> list[tuple[str, str]]:
    """The public demo codes: (building-unit-room, code) of the first seeded households."""
    rng = random.Random(DEMO_CODE_SEED)
    rows = demo_register([("1", 24)])[:DEMO_SEEDED_CODES]
    return [(r.label, generate_code(rng)) for r in rows]


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
