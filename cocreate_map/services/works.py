"""Use cases of works (工程项目, issue 13 共建): an adopted decision becomes a work on the map.

A work is created from a ballot that passed (its winning option's change-set becomes the scope),
from adopted residents' marks, or by staff. Staff start, complete and accept it; staff (building
chiefs for works in their buildings) post dated milestones with photos and progress; households
volunteer as supervisors (监督员). Marks linked to a work follow it — in progress when it starts,
resolved when it is completed — with an automatic official reply. Every write goes into the
community's hash-chained audit log. Functions take a Session; one user action = one transaction,
opened by the caller. Results are frozen dataclasses, never rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cocreate_map.domain import works as dom
from cocreate_map.domain.annotations import Category, RenovationClass
from cocreate_map.domain.annotations import Status as MarkStatus
from cocreate_map.domain.households import clean_label
from cocreate_map.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from cocreate_map.i18n import translate
from cocreate_map.io.photos import clean_photo
from cocreate_map.services import ballots
from cocreate_map.services import marks as marks_service
from cocreate_map.services.access import EDITORS, EVERY_STAFF, require_staff
from cocreate_map.services.audit import record
from cocreate_map.services.households import household_by_room
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage import works_repo as wrepo
from cocreate_map.storage.tables import utcnow
from cocreate_map.storage.work_tables import (
    WorkMarkRow,
    WorkMilestoneRow,
    WorkPhotoRow,
    WorkRow,
    WorkSupervisorRow,
)

Status = dom.Status

# ---------------------------------------------------------------- value objects


@dataclass(frozen=True)
class WorkInfo:
    """What a list, the map and the funds ledger need of a work."""

    id: int
    community_id: int
    title: str
    category: RenovationClass
    budget_fen: int
    status: Status
    progress_pct: int
    source: dom.Source
    ballot_id: int | None
    option_name: str | None
    contractor: str
    planned_start: date | None
    planned_end: date | None
    buildings: tuple[str, ...]
    description: str
    scope: BaseGeometry | None  # WGS-84
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    accepted_at: datetime | None
    reopen_reason: str | None
    supervisors: int = 0

    @property
    def budget_yuan(self) -> str:
        return dom.format_yuan(self.budget_fen)


@dataclass(frozen=True)
class MilestoneInfo:
    id: int
    work_id: int
    text: str
    progress_pct: int
    happened_on: date
    author: str  # "staff:wang"
    photo_ids: tuple[int, ...]
    created_at: datetime


@dataclass(frozen=True)
class SupervisorInfo:
    household_id: int
    label: str  # "3-1-201": shown to staff; residents see public_name or a building only
    building: str
    public_name: str


@dataclass(frozen=True)
class LinkedMark:
    id: int
    category: Category
    text: str
    status: MarkStatus
    building: str | None


@dataclass(frozen=True)
class WorkDetail:
    work: WorkInfo
    milestones: tuple[MilestoneInfo, ...]
    supervisors: tuple[SupervisorInfo, ...]
    marks: tuple[LinkedMark, ...]
    allowed_actions: tuple[dom.Action, ...]


@dataclass(frozen=True)
class PhotoData:
    mime: str
    data: bytes


def _info(row: WorkRow, supervisors: int = 0) -> WorkInfo:
    return WorkInfo(
        id=row.id,
        community_id=row.community_id,
        title=row.title,
        category=RenovationClass(row.category),
        budget_fen=int(row.budget_fen),
        status=wrepo.work_status(row),
        progress_pct=int(row.progress_pct),
        source=dom.Source(row.source),
        ballot_id=row.ballot_id,
        option_name=row.option_name,
        contractor=row.contractor,
        planned_start=row.planned_start,
        planned_end=row.planned_end,
        buildings=tuple(row.buildings or ()),
        description=row.description,
        scope=row.scope,
        created_at=row.created_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        accepted_at=row.accepted_at,
        reopen_reason=row.reopen_reason,
        supervisors=supervisors,
    )


# ---------------------------------------------------------------- reading


def get_work(session: Session, work_id: int) -> WorkInfo:
    row = wrepo.get(session, work_id)
    return _info(row, wrepo.supervisor_counts(session, [row.id]).get(row.id, 0))


def list_works(session: Session, slug: str) -> list[WorkInfo]:
    community = repo.community_by_slug(session, slug)
    rows = wrepo.of_community(session, community.id)
    counts = wrepo.supervisor_counts(session, [r.id for r in rows])
    return [_info(r, counts.get(r.id, 0)) for r in rows]


def work_detail(session: Session, work_id: int) -> WorkDetail:
    row = wrepo.get(session, work_id)
    photos = wrepo.photo_ids(session, work_id)
    milestones = tuple(
        MilestoneInfo(
            m.id,
            m.work_id,
            m.text,
            m.progress_pct,
            m.happened_on,
            m.author,
            tuple(photos.get(m.id, ())),
            m.created_at,
        )  # fmt: skip
        for m in wrepo.milestones(session, work_id)
    )
    sups = tuple(
        SupervisorInfo(h.id, h.label, h.building, s.public_name)
        for s, h in wrepo.supervisors(session, work_id)
    )
    linked = tuple(
        LinkedMark(m.id, Category(m.category), m.text, marks_service.mark_status(m), m.building)
        for m in wrepo.linked_marks(session, work_id)
    )
    info = _info(row, len(sups))
    return WorkDetail(info, milestones, sups, linked, tuple(dom.allowed_actions(info.status)))


def photo(session: Session, photo_id: int) -> PhotoData:
    row = wrepo.photo(session, photo_id)
    return PhotoData(row.mime, row.data)


def work_for_mark(session: Session, mark_id: int) -> int | None:
    return wrepo.work_of_mark(session, mark_id)


# ---------------------------------------------------------------- scope


def _building_label(name: str | None, source_id: str | None, element_id: int) -> str:
    return clean_label(name or source_id or str(element_id))


def _buildings_touched(
    session: Session, community_id: int, scope: BaseGeometry | None
) -> list[str]:
    if scope is None or scope.is_empty:
        return []
    out = []
    for b in wrepo.buildings(session, community_id):
        if b.geometry.intersects(scope):
            out.append(_building_label(b.name, b.source_id, b.id))
    return sorted(set(out), key=_building_key)


def _building_key(label: str) -> tuple[int, str]:
    return (int(label), "") if label.isdigit() else (10**9, label)


def _scope_of_buildings(
    session: Session, community_id: int, labels: Sequence[str]
) -> tuple[BaseGeometry | None, list[str]]:
    wanted = [clean_label(x) for x in labels if str(x).strip()]
    if not wanted:
        return None, []
    by_label = {
        _building_label(b.name, b.source_id, b.id): b.geometry
        for b in wrepo.buildings(session, community_id)
    }
    missing = [w for w in wanted if w not in by_label]
    if missing:
        raise InvalidInput(key="works.unknown_buildings", buildings=", ".join(missing))
    uniq = sorted(set(wanted), key=_building_key)
    return shapely.union_all([by_label[w] for w in uniq]), uniq


def _option_scope(
    session: Session, community_id: int, option_name: str
) -> tuple[BaseGeometry | None, RenovationClass | None]:
    """The union of what the option adds, modifies or removes, and the class its elements
    imply (R18)."""
    option = wrepo.option(session, community_id, option_name)
    if option is None:
        return None, None
    parts: list[BaseGeometry] = []
    classes: list[RenovationClass | None] = []
    for change, base in wrepo.option_changes(session, option.id):
        geom = change.geometry if change.geometry is not None else (base.geometry if base else None)
        if geom is not None and not geom.is_empty:
            parts.append(geom)
        kind = change.kind or (base.kind if base else "")
        attrs = change.attrs or (base.attrs if base else {}) or {}
        classes.append(dom.element_class(kind, attrs.get("facility_type")))
    scope = shapely.union_all(parts) if parts else None
    return scope, dom.inherit_category(classes)


def _adopted_option(
    session: Session, community_id: int, ballot_id: int, option: str | None
) -> str | None:
    """The option a passed ballot adopted (None when it decided on no layout option); refuses
    an open, a failed or another community's ballot, and an option that did not win."""

    ballot = ballots.get_ballot(session, ballot_id)
    if ballot.community_id != community_id:
        raise InvalidInput(key="works.ballot_community", ballot=ballot_id)
    if ballots.status(ballot) != "closed":
        raise InvalidTransition(key="works.ballot_open", ballot=ballot_id)
    result = ballots.tally_ballot(session, ballot_id).decision  # the outcome that binds
    if not result.passed or result.winner is None:
        raise InvalidTransition(
            key="works.ballot_not_passed", ballot=ballot_id, outcome=result.outcome
        )
    winner = result.winner
    linked = list(ballot.options or [])
    if winner in linked:
        adopted: str | None = winner
    elif winner == "yes" and len(linked) == 1:
        adopted = linked[0]
    elif winner == "yes":
        adopted = None  # a yes/no question on no layout option
    else:
        adopted = winner  # a choice in words, e.g. the wall colour "棉花白"
    if option is not None and option.strip() and option.strip() != (adopted or winner):
        raise InvalidInput(
            key="works.option_not_winner", ballot=ballot_id, winner=adopted or winner,
            option=option.strip(),
        )  # fmt: skip
    return adopted


# ---------------------------------------------------------------- creating and editing


def _payload(row: WorkRow) -> dict[str, Any]:
    return {
        "work_id": row.id,
        "title": row.title,
        "category": row.category,
        "source": row.source,
        "ballot_id": row.ballot_id,
        "option": row.option_name,
        "budget_fen": int(row.budget_fen),
        "contractor": row.contractor,
        "planned_start": row.planned_start.isoformat() if row.planned_start else None,
        "planned_end": row.planned_end.isoformat() if row.planned_end else None,
        "buildings": list(row.buildings or ()),
    }


def create_work(
    session: Session,
    slug: str,
    title: str,
    *,
    who: StaffIdentity | None,
    ballot_id: int | None = None,
    option_name: str | None = None,
    mark_ids: Sequence[int] = (),
    buildings: Sequence[str] = (),
    category: str | RenovationClass | None = None,
    budget_fen: int = 0,
    contractor: str = "",
    planned_start: date | None = None,
    planned_end: date | None = None,
    description: str = "",
    now: datetime | None = None,
) -> WorkInfo:
    """A new planned work from a passed ballot, from marks, or by staff (audited)."""
    now = now or utcnow()
    community = repo.community_by_slug(session, slug)
    staff = require_staff(who, community.id, EDITORS, action="works.create")
    clean_title = dom.clean_title(title)
    if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen < 0:
        raise InvalidInput(key="works.amount_negative", value=str(budget_fen))
    if budget_fen > dom.MAX_BUDGET_FEN:
        raise InvalidInput(key="works.amount_large", value=dom.format_yuan(budget_fen))
    dom.check_dates(planned_start, planned_end)
    chosen = dom.parse_category(category) if category not in (None, "") else None
    text = dom.clean(description, dom.TEXT_MAX_CHARS, required=False)
    who_contracts = dom.clean(contractor, dom.CONTRACTOR_MAX_CHARS, required=False)

    scope: BaseGeometry | None = None
    inherited: RenovationClass | None = None
    source = dom.Source.STAFF
    adopted: str | None = None
    if ballot_id is not None:
        source = dom.Source.BALLOT
        adopted = _adopted_option(session, community.id, ballot_id, option_name)
        if adopted is not None:
            scope, inherited = _option_scope(session, community.id, adopted)
    marks = _marks_to_link(session, community.id, mark_ids)
    if marks:
        if source is dom.Source.STAFF:
            source = dom.Source.MARKS
        inherited = inherited or dom.marks_category(Category(m.category) for m in marks)
        if scope is None:
            scope = shapely.union_all([m.geometry for m in marks])
    picked_scope, picked = _scope_of_buildings(session, community.id, buildings)
    if picked_scope is not None:
        scope = picked_scope if scope is None else shapely.union_all([scope, picked_scope])
    touched = set(picked) | set(_buildings_touched(session, community.id, scope))
    touched |= {m.building for m in marks if m.building}
    row = WorkRow(
        community_id=community.id,
        title=clean_title,
        description=text,
        category=(chosen or inherited or RenovationClass.BASIC).value,
        source=source.value,
        ballot_id=ballot_id,
        option_name=adopted,
        scope=scope,
        buildings=sorted(touched, key=_building_key),
        budget_fen=budget_fen,
        contractor=who_contracts,
        planned_start=planned_start,
        planned_end=planned_end,
        progress_pct=0,
        created_by=staff.actor,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    record(session, community.id, staff.actor, "work.create", _payload(row), now)
    for m in marks:
        _link(session, row, m, staff, now)
    return get_work(session, row.id)


def update_work(
    session: Session,
    work_id: int,
    *,
    who: StaffIdentity | None,
    title: str | None = None,
    category: str | RenovationClass | None = None,
    budget_fen: int | None = None,
    contractor: str | None = None,
    planned_start: date | None = None,
    planned_end: date | None = None,
    description: str | None = None,
    now: datetime | None = None,
) -> WorkInfo:
    """Change a work's title, category, budget, contractor or plan (audited, old → new)."""
    now = now or utcnow()
    row = wrepo.get(session, work_id)
    staff = require_staff(who, row.community_id, EDITORS, action="works.edit")
    before = _payload(row)
    if title is not None:
        row.title = dom.clean_title(title)
    if category not in (None, ""):
        row.category = dom.parse_category(category).value
    if budget_fen is not None:
        if isinstance(budget_fen, bool) or budget_fen < 0:
            raise InvalidInput(key="works.amount_negative", value=str(budget_fen))
        if budget_fen > dom.MAX_BUDGET_FEN:
            raise InvalidInput(key="works.amount_large", value=dom.format_yuan(budget_fen))
        row.budget_fen = budget_fen
    if contractor is not None:
        row.contractor = dom.clean(contractor, dom.CONTRACTOR_MAX_CHARS, required=False)
    if description is not None:
        row.description = dom.clean(description, dom.TEXT_MAX_CHARS, required=False)
    start = planned_start if planned_start is not None else row.planned_start
    end = planned_end if planned_end is not None else row.planned_end
    dom.check_dates(start, end)
    row.planned_start, row.planned_end = start, end
    after = _payload(row)
    changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changed:
        row.updated_at = now
        session.flush()
        record(
            session,
            row.community_id,
            staff.actor,
            "work.edit",
            {"work_id": row.id, "changed": changed},
            now,
        )
    return get_work(session, row.id)


# ---------------------------------------------------------------- marks that follow a work

_LINKABLE = frozenset(
    {
        MarkStatus.PUBLISHED,
        MarkStatus.UNDER_DISCUSSION,
        MarkStatus.ADOPTED,
        MarkStatus.IN_PROGRESS,
        MarkStatus.RESOLVED,
        MarkStatus.EVALUATED,
    }
)


def _marks_to_link(session: Session, community_id: int, mark_ids: Sequence[int]) -> list[Any]:
    out = []
    for mark_id in dict.fromkeys(int(i) for i in mark_ids):
        try:
            m = marks_service._get(session, mark_id)
        except NotFound:
            raise NotFound(key="works.mark_community", mark=mark_id) from None
        if m.community_id != community_id:
            raise InvalidInput(key="works.mark_community", mark=mark_id)
        state = marks_service.mark_status(m)
        if state not in _LINKABLE:
            raise InvalidTransition(key="works.mark_state", mark=mark_id, state=state.value)
        other = wrepo.work_of_mark(session, mark_id)
        if other is not None:
            raise InvalidInput(key="works.mark_linked", mark=mark_id, work=other)
        out.append(m)
    return out


def _follow(
    session: Session, work: WorkRow, mark_id: int, staff: StaffIdentity, now: datetime
) -> None:
    """Bring one mark up to the work's stage, one official reply per step (audited by
    services/marks)."""
    stage = wrepo.work_status(work)
    mark = marks_service._get(session, mark_id)
    state = marks_service.mark_status(mark)
    steps: list[tuple[str, str]] = []
    if state in (MarkStatus.PUBLISHED, MarkStatus.UNDER_DISCUSSION):
        steps.append(("adopt", "works.reply.adopted"))
        state = MarkStatus.ADOPTED
    if stage is not Status.PLANNED and state is MarkStatus.ADOPTED:
        steps.append(("start", "works.reply.started"))
        state = MarkStatus.IN_PROGRESS
    if stage in (Status.COMPLETED, Status.ACCEPTED) and state is MarkStatus.IN_PROGRESS:
        steps.append(("resolve", "works.reply.completed"))
    for action, reply in steps:
        marks_service.apply_action(
            session, mark_id, action, staff,
            reply=translate("zh", reply, title=work.title), now=now,
        )  # fmt: skip


def _link(session: Session, work: WorkRow, mark: Any, staff: StaffIdentity, now: datetime) -> None:
    session.add(WorkMarkRow(work_id=work.id, mark_id=mark.id, created_at=now))
    session.flush()
    record(
        session,
        work.community_id,
        staff.actor,
        "work.link_mark",
        {"work_id": work.id, "mark_id": mark.id},
        now,
    )
    _follow(session, work, mark.id, staff, now)


def link_marks(
    session: Session,
    work_id: int,
    mark_ids: Sequence[int],
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> WorkInfo:
    """Marks follow the work from now on (brought up to its stage at once)."""
    now = now or utcnow()
    row = wrepo.get(session, work_id)
    staff = require_staff(who, row.community_id, EDITORS, action="works.link")
    marks = _marks_to_link(session, row.community_id, mark_ids)
    if not marks:
        raise InvalidInput(key="works.no_marks")
    for m in marks:
        _link(session, row, m, staff, now)
    return get_work(session, row.id)


# ---------------------------------------------------------------- lifecycle


def apply_action(
    session: Session,
    work_id: int,
    action: str | dom.Action,
    *,
    who: StaffIdentity | None,
    reason: str | None = None,
    now: datetime | None = None,
) -> WorkInfo:
    """Start, complete, accept (验收) or reopen a work (audited); linked marks follow."""
    now = now or utcnow()
    row = wrepo.get(session, work_id)
    staff = require_staff(who, row.community_id, EDITORS, action=f"works.{action}")
    try:
        act = dom.Action(action)
    except ValueError:
        raise InvalidTransition(
            key="works.transition", state=wrepo.work_status(row).value, action=str(action)[:20],
            allowed=", ".join(a.value for a in dom.allowed_actions(wrepo.work_status(row))),
        ) from None  # fmt: skip
    before = wrepo.work_status(row)
    after = dom.apply(wrepo.lifecycle(row), act, now, reason)
    row.started_at, row.completed_at, row.accepted_at = (
        after.started_at, after.completed_at, after.accepted_at,
    )  # fmt: skip
    text = dom.clean(reason or "", dom.REASON_MAX_CHARS, required=False) or None
    if act is dom.Action.REOPEN:
        row.reopen_reason = text
    if act is dom.Action.COMPLETE:
        row.progress_pct = 100
    row.updated_at = now
    session.flush()
    record(
        session, row.community_id, staff.actor, f"work.{act.value}",
        {"work_id": row.id, "from": before.value, "to": dom.status(after).value, "reason": text},
        now,
    )  # fmt: skip
    for m in wrepo.linked_marks(session, row.id):
        _follow(session, row, m.id, staff, now)
    return get_work(session, row.id)


# ---------------------------------------------------------------- milestones


def _require_milestone_staff(who: StaffIdentity | None, row: WorkRow) -> StaffIdentity:
    staff = require_staff(who, row.community_id, EVERY_STAFF, action="works.milestone")
    if not dom.can_post_milestone(staff.role, staff.buildings, row.buildings or ()):
        raise PermissionDenied(
            key="works.chief_building", user=staff.username,
            mine=", ".join(staff.buildings) or "-", theirs=", ".join(row.buildings or ()) or "-",
        )  # fmt: skip
    return staff


def post_milestone(
    session: Session,
    work_id: int,
    text: str,
    progress_pct: int,
    *,
    who: StaffIdentity | None,
    happened_on: date | None = None,
    photos: Sequence[bytes] = (),
    now: datetime | None = None,
) -> MilestoneInfo:
    """A dated milestone with photos (metadata removed) that sets the work's progress."""
    now = now or utcnow()
    row = wrepo.get(session, work_id)
    staff = _require_milestone_staff(who, row)
    state = wrepo.work_status(row)
    if state not in dom.OPEN_FOR_MILESTONES:
        raise InvalidTransition(key="works.milestones_closed")
    body = dom.clean(text, dom.TEXT_MAX_CHARS, required=False)
    if not body:
        raise InvalidInput(key="works.text_empty")
    pct = dom.check_progress(progress_pct, int(row.progress_pct))
    cleaned = [clean_photo(p) for p in photos]  # every photo checked before anything is written
    day = happened_on or now.date()
    ms = WorkMilestoneRow(
        work_id=row.id, text=body, progress_pct=pct, happened_on=day, author=staff.actor,
        staff_user_id=staff.id, created_at=now,
    )  # fmt: skip
    session.add(ms)
    session.flush()
    ids = []
    for p in cleaned:
        ph = WorkPhotoRow(
            work_id=row.id, milestone_id=ms.id, mime=p.mime, width=p.width, height=p.height,
            data=p.data, meta=p.meta, created_at=now,
        )  # fmt: skip
        session.add(ph)
        session.flush()
        ids.append(ph.id)
    row.progress_pct = pct
    row.updated_at = now
    session.flush()
    record(
        session, row.community_id, staff.actor, "work.milestone",
        {"work_id": row.id, "milestone_id": ms.id, "text": body, "progress_pct": pct,
         "happened_on": day.isoformat(), "photos": len(ids)},
        now,
    )  # fmt: skip
    return MilestoneInfo(ms.id, row.id, body, pct, day, staff.actor, tuple(ids), now)


# ---------------------------------------------------------------- supervisors (监督员)


def volunteer(
    session: Session,
    work_id: int,
    household_id: int | None,
    *,
    public_name: str = "",
    now: datetime | None = None,
) -> SupervisorInfo:
    """A household (joined with its code) volunteers to supervise the work (audited)."""
    now = now or utcnow()
    row = wrepo.get(session, work_id)
    if household_id is None:
        raise PermissionDenied(key="works.sign_in_household")
    household = repo.household_or_none(session, household_id)
    if household is None or household.community_id != row.community_id:
        raise PermissionDenied(key="works.household")
    state = wrepo.work_status(row)
    if not dom.can_volunteer(state, household_id):
        raise InvalidTransition(key="works.volunteer_closed", state=state.value)
    if wrepo.find_supervisor(session, work_id, household_id) is not None:
        raise InvalidInput(key="works.volunteer_twice")
    name = dom.clean(public_name, 200, required=False).replace("\n", " ")
    if len(name) > dom.NAME_MAX_CHARS:
        raise InvalidInput(key="works.name_long", max=dom.NAME_MAX_CHARS)
    session.add(
        WorkSupervisorRow(
            work_id=work_id, household_id=household_id, public_name=name, created_at=now
        )
    )
    session.flush()
    record(
        session, row.community_id, f"household:{household_id}", "work.volunteer",
        {"work_id": work_id, "household": household.label, "public_name": name}, now,
    )  # fmt: skip
    return SupervisorInfo(household.id, household.label, household.building, name)


def enter_supervisor(
    session: Session,
    work_id: int,
    label: str,
    *,
    who: StaffIdentity | None,
    public_name: str = "",
    now: datetime | None = None,
) -> SupervisorInfo:
    """Staff record a household that volunteered on paper or at a meeting ("1-1-101")."""
    row = wrepo.get(session, work_id)
    _require_milestone_staff(who, row)  # a building chief for works of their buildings
    community = repo.community_by_id(session, row.community_id)
    household_id = household_by_label(session, community.slug, label)
    return volunteer(session, work_id, household_id, public_name=public_name, now=now)


def household_by_label(session: Session, slug: str, label: str) -> int:
    """The id of household "1-1-101" of the community (staff entering a paper sign-up)."""

    community = repo.community_by_slug(session, slug)
    parts = [p.strip() for p in str(label or "").split("-")]
    row = household_by_room(session, community.id, *parts) if len(parts) == 3 else None
    if row is None:
        raise NotFound(key="works.unknown_household", label=str(label)[:40])
    return row.id


# ---------------------------------------------------------------- choices for the staff forms


def passed_ballots(session: Session, slug: str) -> list[tuple[int, str]]:
    """(id, "#id title → option") of the community's closed ballots that passed."""

    out = []
    for b in ballots.list_ballots(session, slug):
        if ballots.status(b) != "closed":
            continue
        result = ballots.tally_ballot(session, b.id).decision  # the outcome that binds
        if result.passed and result.winner is not None:
            option = result.winner
            if option == "yes" and len(b.options or []) == 1:
                option = b.options[0]
            out.append((b.id, f"#{b.id} {b.title} → {option}"))
    return out


def linkable_marks(session: Session, slug: str) -> list[tuple[int, str]]:
    """(id, "#id text") of public marks that follow no work yet (adopted ones first)."""
    rows = []
    for m in marks_service.list_marks(session, slug):
        if m.status not in _LINKABLE or wrepo.work_of_mark(session, m.id) is not None:
            continue
        text = m.text if len(m.text) <= 40 else m.text[:39] + "…"
        rows.append((m.status is not MarkStatus.ADOPTED, m.id, f"#{m.id} {text}"))
    return [(i, label) for _, i, label in sorted(rows)]


def building_labels(session: Session, slug: str) -> list[str]:
    community = repo.community_by_slug(session, slug)
    labels = {
        _building_label(b.name, b.source_id, b.id) for b in wrepo.buildings(session, community.id)
    }
    return sorted(labels, key=_building_key)
