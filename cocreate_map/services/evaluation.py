"""Co-evaluation of finished works (效果共评): ratings, "not done / not right" contests, results.

Households rate a completed work 1–5 stars — online with their household code (the page passes
the signed-in household), or on the paper self-evaluation form that staff enter — while the
community's defect window is open (setting ``defect_window_days``, default 30 days from
completion). One rating per household and work; a later one replaces it. Contests are made in
the same window; when they reach the threshold (setting ``contest_threshold``, default 1/10 of
the concerned households) the work goes back to "in progress" with a reason residents see.
Every rating, change and contest is in the community's hash-chained audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from cocreate_map.domain import evaluation as dom
from cocreate_map.domain import works as works_domain
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.china_time import china_time
from cocreate_map.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound
from cocreate_map.io.photos import clean_photo
from cocreate_map.services import marks as marks_service
from cocreate_map.services import works as works_service
from cocreate_map.services.access import EVERY_STAFF, require_staff
from cocreate_map.services.audit import record
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import evaluation_repo as repo
from cocreate_map.storage import funds_repo
from cocreate_map.storage import repositories as communities
from cocreate_map.storage import works_repo as wrepo
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.evaluation_tables import WorkContestRow, WorkRatingRow
from cocreate_map.storage.tables import utcnow
from cocreate_map.storage.work_tables import WorkPhotoRow, WorkRow

WINDOW_KEY = "defect_window_days"
THRESHOLD_KEY = "contest_threshold"
RATING_PHOTO = "rating_household"  # work_photos.meta key of a photo sent with a rating
RATED = frozenset({works_domain.Status.COMPLETED, works_domain.Status.ACCEPTED})


@dataclass(frozen=True)
class RatingResult:
    work_id: int
    household_id: int
    stars: int
    changed: bool  # True when it replaced the household's earlier rating
    closes_at: datetime


@dataclass(frozen=True)
class ContestResult:
    work_id: int
    contests: int
    concerned: int
    threshold: Fraction
    reopened: bool


@dataclass(frozen=True)
class Comment:
    building: str
    stars: int
    text: str
    at: datetime
    photo_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class WorkRatings:
    work_id: int
    title: str
    summary: dom.RatingSummary
    contests: int
    threshold: Fraction
    reopened: bool  # reopened by contests (the reason residents see)
    reopen_reason: str | None
    open_until: datetime | None  # None: not completed yet, or closed
    comments: tuple[Comment, ...]


def window_days(session: Session, community_id: int) -> int:
    value = funds_repo.setting(session, community_id, WINDOW_KEY)
    return dom.DEFAULT_WINDOW_DAYS if value is None else int(value["days"])


def contest_threshold(session: Session, community_id: int) -> Fraction:
    value = funds_repo.setting(session, community_id, THRESHOLD_KEY)
    return dom.DEFAULT_CONTEST_THRESHOLD if value is None else Fraction(value["fraction"])


def concerned(session: Session, work: WorkRow) -> list[HouseholdRow]:
    """The households the work concerns: those of its buildings, or the whole community."""
    rows = repo.households_of(session, work.community_id)
    scope = set(work.buildings or ())
    return [h for h in rows if not scope or h.building in scope]


def _open_work(session: Session, work: WorkRow, now: datetime) -> datetime:
    state = wrepo.work_status(work)
    if state not in RATED or work.completed_at is None:
        raise InvalidTransition(key="evaluation.not_completed", work=work.id, status=state.value)
    days = window_days(session, work.community_id)
    if not dom.in_window(work.completed_at, now, days):
        raise InvalidTransition(key="evaluation.closed", work=work.id, days=days)
    return work.completed_at + timedelta(days=days)


def _concerned_household(session: Session, work: WorkRow, household_id: int) -> HouseholdRow:
    h = repo.household(session, work.community_id, household_id)
    scope = set(work.buildings or ())
    if scope and h.building not in scope:
        raise InvalidInput(
            key="evaluation.outside_scope",
            household=f"{h.building}-{h.unit}-{h.room}",
            buildings="、".join(sorted(scope)),
        )
    return h


def rate_work(
    session: Session,
    work_id: int,
    household_id: int,
    stars: object,
    comment: str = "",
    *,
    paper: bool = False,
    who: StaffIdentity | None = None,
    photo: bytes | None = None,
    now: datetime | None = None,
) -> RatingResult:
    """One household's rating (online: the caller has checked the household's code; paper:
    ``who`` is the staff member who enters the form). A ``photo`` (metadata removed) replaces
    the household's earlier photo of this work."""
    now = now or utcnow()
    work = wrepo.get(session, work_id)
    household = _concerned_household(session, work, household_id)
    if paper:
        staff = require_staff(
            who, work.community_id, EVERY_STAFF, building=household.building, action="rate"
        )
        actor = staff.actor
    else:
        actor = f"household:{household.id}"
    value = dom.check_stars(stars)
    text = dom.clean_text(comment, dom.COMMENT_MAX_CHARS, required=False, what="comment")
    closes_at = _open_work(session, work, now)
    cleaned = None if not photo else clean_photo(photo)
    row = repo.rating(session, work.id, household.id)
    changed = row is not None
    if row is None:
        row = WorkRatingRow(work_id=work.id, household_id=household.id, created_at=now)
        session.add(row)
    row.stars, row.comment, row.updated_at = value, text, now
    row.channel = "paper" if paper else "online"
    session.flush()
    if cleaned is not None:
        for old in _rating_photo_rows(session, work.id, household.id):
            session.delete(old)
        session.add(
            WorkPhotoRow(
                work_id=work.id, milestone_id=None, mime=cleaned.mime, width=cleaned.width,
                height=cleaned.height, data=cleaned.data,
                meta={**cleaned.meta, RATING_PHOTO: household.id}, created_at=now,
            )
        )  # fmt: skip
        session.flush()
    record(
        session,
        work.community_id,
        actor,
        "work.rate",
        {"work_id": work.id, "household_id": household.id, "stars": value,
         "channel": row.channel, "changed": changed, "photo": cleaned is not None},
        now,
    )  # fmt: skip
    return RatingResult(work.id, household.id, value, changed, closes_at)


def contest_work(
    session: Session,
    work_id: int,
    household_id: int,
    reason: str,
    *,
    who: StaffIdentity | None = None,
    now: datetime | None = None,
) -> ContestResult:
    """A household says the work is not done or not right. Reaching the threshold reopens it."""
    now = now or utcnow()
    work = wrepo.get(session, work_id)
    household = _concerned_household(session, work, household_id)
    text = dom.clean_text(reason, dom.REASON_MAX_CHARS, required=True, what="reason")
    state = wrepo.work_status(work)
    if state is not works_domain.Status.COMPLETED:
        raise InvalidTransition(key="evaluation.contest_state", work=work.id, status=state.value)
    _open_work(session, work, now)
    assert work.completed_at is not None
    round_no = int(work.completed_at.timestamp())
    if repo.contest_of(session, work.id, household.id, round_no) is not None:
        raise AlreadyExists(key="evaluation.contested_twice", work=work.id)
    session.add(
        WorkContestRow(
            work_id=work.id, household_id=household.id, round=round_no, reason=text, created_at=now
        )
    )
    session.flush()
    actor = who.actor if who is not None else f"household:{household.id}"
    record(
        session,
        work.community_id,
        actor,
        "work.contest",
        {"work_id": work.id, "household_id": household.id, "round": round_no, "reason": text},
        now,
    )
    count = len(repo.contests(session, work.id, work.completed_at))
    total = len(concerned(session, work))
    threshold = contest_threshold(session, work.community_id)
    reopened = dom.reopens(count, total, threshold)
    if reopened:
        residents = StaffIdentity("residents", Role.ADMIN, work.community_id)
        works_service.apply_action(
            session,
            work.id,
            works_domain.Action.REOPEN,
            who=residents,
            reason=f"{count}/{total} 户居民提出“没做好/不对”：{text}"[
                : works_domain.REASON_MAX_CHARS
            ],
            now=now,
        )
    return ContestResult(work.id, count, total, threshold, reopened)


def _choice_key(choice: object) -> str:
    return choice if isinstance(choice, str) else json.dumps(choice, ensure_ascii=False)


def work_ratings(session: Session, work_id: int, now: datetime | None = None) -> WorkRatings:
    now = now or utcnow()
    work = wrepo.get(session, work_id)
    people = concerned(session, work)
    by_id = {h.id: h for h in people}
    per_building: dict[str, int] = {}
    for h in people:
        per_building[h.building] = per_building.get(h.building, 0) + 1
    votes = repo.votes_of(session, work.ballot_id) if work.ballot_id else {}
    rows = [r for r in repo.ratings(session, work.id) if r.household_id in by_id]
    summary = dom.summarise(
        per_building,
        (
            dom.Rating(
                r.household_id,
                r.stars,
                by_id[r.household_id].building,
                None if r.household_id not in votes else _choice_key(votes[r.household_id]),
            )
            for r in rows
        ),
    )
    photos: dict[int, list[int]] = {}
    for p in _rating_photo_rows(session, work.id):
        photos.setdefault(int(p.meta[RATING_PHOTO]), []).append(p.id)
    days = window_days(session, work.community_id)
    open_until = None
    if work.completed_at is not None and dom.in_window(work.completed_at, now, days):
        open_until = work.completed_at + timedelta(days=days)
    contests = (
        0 if work.completed_at is None else len(repo.contests(session, work.id, work.completed_at))
    )
    return WorkRatings(
        work.id,
        work.title,
        summary,
        contests,
        contest_threshold(session, work.community_id),
        work.reopen_reason is not None and work.completed_at is None,
        work.reopen_reason,
        open_until,
        tuple(
            Comment(
                by_id[r.household_id].building, r.stars, r.comment, r.updated_at,
                tuple(photos.get(r.household_id, ())),
            )
            for r in rows
            if r.comment or r.household_id in photos
        ),
    )  # fmt: skip


def my_rating(session: Session, work_id: int, household_id: int) -> int | None:
    row = repo.rating(session, work_id, household_id)
    return None if row is None else row.stars


def _rating_photo_rows(
    session: Session, work_id: int, household_id: int | None = None
) -> list[WorkPhotoRow]:
    rows = repo.work_photos_without_milestone(session, work_id)
    return [
        r
        for r in rows
        if RATING_PHOTO in (r.meta or {})
        and (household_id is None or int(r.meta[RATING_PHOTO]) == household_id)
    ]


def rating_photo(session: Session, photo_id: int) -> tuple[str, bytes]:
    """(mime, bytes) of a photo sent with a rating."""
    row = repo.work_photo(session, photo_id)
    if row is None or RATING_PHOTO not in (row.meta or {}):
        raise NotFound(key="works.photo_not_found", id=photo_id)
    return row.mime, row.data


def has_contested(session: Session, work_id: int, household_id: int) -> bool:
    """Whether the household contested the work's current completion."""
    work = wrepo.get(session, work_id)
    if work.completed_at is None:
        return False
    round_no = int(work.completed_at.timestamp())
    return repo.contest_of(session, work.id, household_id, round_no) is not None


def evaluated_works(session: Session, slug: str) -> list[WorkRow]:
    """The community's works that have been completed (or reopened by contests), newest first."""
    community = communities.community_by_slug(session, slug)
    rows = [
        w
        for w in wrepo.of_community(session, community.id)
        if w.completed_at is not None or w.reopen_reason is not None
    ]
    return sorted(rows, key=lambda w: w.completed_at or w.created_at, reverse=True)


@dataclass(frozen=True)
class CommunitySummary:
    """The community's 共评 figures, each with its denominator (what field reports quote)."""

    marks_resolved: int
    marks_adopted: int  # resolution rate = resolved / adopted
    works_rated: int  # household ratings of completed works
    works_satisfied: int  # of them 4–5 stars
    works_evaluated: int  # completed works
    contests: int  # "not done / not right" of the current completion rounds
    contested_works: int
    reopened_works: int

    @property
    def resolution(self) -> Fraction | None:
        return (
            None if self.marks_adopted == 0 else Fraction(self.marks_resolved, self.marks_adopted)
        )

    @property
    def satisfaction(self) -> Fraction | None:
        return None if self.works_rated == 0 else Fraction(self.works_satisfied, self.works_rated)


def community_summary(session: Session, slug: str) -> CommunitySummary:

    marks = marks_service.summary(session, slug)
    rated = satisfied = contests = contested = reopened = evaluated = 0
    for w in evaluated_works(session, slug):
        r = work_ratings(session, w.id)
        evaluated += w.completed_at is not None
        rated += r.summary.rated
        satisfied += r.summary.satisfied
        contests += r.contests
        contested += r.contests > 0
        reopened += r.reopened
    return CommunitySummary(
        marks.resolved, marks.adopted, rated, satisfied, evaluated, contests, contested, reopened
    )


def ratings_form_pdf(session: Session, work_id: int, out: Any) -> int:
    """Write the paper self-evaluation form (a page per building, its rooms listed) to ``out``;
    returns the number of buildings."""
    from cocreate_map.io.reports_evaluation import ratings_form

    work = wrepo.get(session, work_id)
    community = communities.community_by_id(session, work.community_id)
    rooms: dict[str, list[tuple[str, str]]] = {}
    for h in concerned(session, work):
        rooms.setdefault(h.building, []).append((h.unit, h.room))
    if not rooms:
        raise InvalidInput(key="evaluation.no_household", household="—")
    days = window_days(session, work.community_id)
    closes = (
        china_time(work.completed_at + timedelta(days=days), "%Y-%m-%d")
        if work.completed_at
        else f"完工后 {days} 天"
    )
    ordered = {b: rooms[b] for b in sorted(rooms, key=dom.building_key)}
    ratings_form(work.title, community.name, ordered, out, closes)
    return len(ordered)
