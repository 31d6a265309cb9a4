"""Use cases of residents' problem marks (issue 3, 决策共谋).

Residents (a household joined with its code) submit marks, say "me too", comment, withdraw or
edit their own submitted marks and rate resolved ones. Staff (services/staff.py identities)
publish, hide, discuss, adopt, decline, start and resolve marks, reply officially, import paper
opinions and export. Every transition and official reply goes into the community's hash-chained
audit log (services/audit.record). Functions take a Session; one user action = one
transaction, opened by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cocreate_map import config
from cocreate_map.domain import annotations as dom
from cocreate_map.domain.annotations import Action, Category, Status
from cocreate_map.domain.households import clean_label
from cocreate_map.errors import (
    CocreateError,
    InvalidGeometry,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Term,
)
from cocreate_map.io import crs as crs_io
from cocreate_map.io.photos import clean_photo
from cocreate_map.services import audit
from cocreate_map.services.access import EVERY_STAFF, require_staff
from cocreate_map.services.audit import record
from cocreate_map.services.audit_checks import id_maps, text_digest
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import AuditRow, HouseholdRow
from cocreate_map.storage.db import upsert_insert
from cocreate_map.storage.mark_tables import (
    MarkCommentRow,
    MarkPhotoRow,
    MarkRatingRow,
    MarkRow,
    MarkSupportRow,
)
from cocreate_map.storage.tables import CommunityRow, CommunitySettingRow, ElementRow, utcnow

#: how far outside the community boundary a mark may lie (a gate, the street in front)
OUTSIDE_TOLERANCE_M = 100.0
#: a mark with no household and no building gets the nearest building within this distance
NEAREST_BUILDING_M = 40.0
REPLY_TEMPLATES_KEY = "mark_reply_templates"


# ---------------------------------------------------------------- value objects


@dataclass(frozen=True)
class MarkInfo:
    id: int
    community_id: int
    category: Category
    safety: bool
    text: str
    geometry: BaseGeometry  # WGS-84
    building: str | None
    household_id: int | None
    source: str
    status: Status
    submitted_at: datetime
    supports: int = 0
    comments: int = 0
    hidden_reason: str | None = None
    decline_reason: str | None = None
    photos: int = 0
    rating_mean: float | None = None
    ratings: int = 0

    @property
    def renovation_class(self) -> dom.RenovationClass:
        return dom.CATEGORY_CLASS[self.category]


@dataclass(frozen=True)
class Comment:
    id: int
    text: str
    author: str  # "1-1-101" (staff viewing), "building:1" (residents), "staff:wang" — UI localises
    official: bool
    created_at: datetime
    replies: list[Comment] = field(default_factory=list)


@dataclass(frozen=True)
class MarkDetail:
    mark: MarkInfo
    comments: list[Comment]
    photo_ids: list[int]
    supported_by_me: bool
    my_rating: int | None
    can_edit: bool
    can_support: bool
    can_comment: bool
    can_rate: bool
    history: list[tuple[str, datetime]]  # (status, when) in order


@dataclass(frozen=True)
class SubmitResult:
    mark: MarkInfo
    similar: list[MarkInfo]  # non-empty only when the caller asked to check and nothing was saved


LIFECYCLE_FIELDS = tuple(f.name for f in fields(dom.Lifecycle))


def _lifecycle(row: MarkRow) -> dom.Lifecycle:
    return dom.Lifecycle(
        row.submitted_at,
        row.published_at,
        row.hidden_at,
        row.withdrawn_at,
        row.discussion_at,
        row.adopted_at,
        row.declined_at,
        row.in_progress_at,
        row.resolved_at,
        row.evaluated_at,
    )


def mark_status(row: MarkRow) -> Status:
    return dom.status(_lifecycle(row))


def _info(row: MarkRow, supports: int = 0, comments: int = 0, **extra: Any) -> MarkInfo:
    return MarkInfo(
        row.id,
        row.community_id,
        Category(row.category),
        row.safety,
        row.text,
        row.geometry,
        row.building,
        row.household_id,
        row.source,
        mark_status(row),
        row.submitted_at,
        supports,
        comments,
        row.hidden_reason,
        row.decline_reason,
        **extra,
    )


def _get(session: Session, mark_id: int) -> MarkRow:
    row = session.get(MarkRow, mark_id)
    if row is None:
        raise NotFound(key="marks.mark_may_been_withdrawn", mark_id=mark_id)
    return row


def _household(session: Session, household_id: int, community_id: int) -> HouseholdRow:
    row = session.get(HouseholdRow, household_id)
    if row is None or row.community_id != community_id:
        raise PermissionDenied(key="marks.household_register_community_join")
    return row


# ---------------------------------------------------------------- geometry


def parse_geometry(value: BaseGeometry | dict[str, Any] | str) -> BaseGeometry:
    """A point, line or polygon from shapely, a GeoJSON geometry/feature dict or GeoJSON text."""
    geom: BaseGeometry
    if isinstance(value, BaseGeometry):
        geom = value
    else:
        try:
            data = json.loads(value) if isinstance(value, str) else value
            if data.get("type") == "Feature":
                data = data.get("geometry") or {}
            geom = shapely.geometry.shape(data)
        except Exception as exc:  # noqa: BLE001 - any malformed GeoJSON
            raise InvalidGeometry(
                key="marks.drawn_shape_valid_geojson", kind=type(exc).__name__
            ) from None
    if geom.is_empty:
        raise InvalidGeometry(key="marks.mark_location_tap_map")
    count, limit = int(shapely.get_num_coordinates(geom)), config.get("max_feature_vertices")
    if count > limit:  # before validity checks and repairs, which cost with every vertex
        raise InvalidGeometry(key="marks.drawn_too_many_vertices", count=count, limit=limit)
    if geom.geom_type not in ("Point", "LineString", "Polygon"):
        raise InvalidGeometry(key="marks.mark_one_point_one", geom_type=geom.geom_type)
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InvalidGeometry(key="marks.mark_s_coordinates_numbers")
    if geom.geom_type == "Polygon" and not geom.is_valid:
        fixed = shapely.make_valid(geom)
        polys = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type == "Polygon"]
        if not polys:
            raise InvalidGeometry(key="marks.drawn_area_crosses_itself")
        geom = max(polys, key=lambda g: g.area)
    if geom.geom_type == "LineString" and geom.length == 0:
        raise InvalidGeometry(key="marks.drawn_line_length_draw")
    return shapely.set_precision(geom, 1e-7)


def check_inside(community: CommunityRow, geom: BaseGeometry) -> None:
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidGeometry(key="marks.mark_s_coordinates_longitude")
    if community.boundary is None:
        return
    epsg = community.metric_epsg
    d = crs_io.to_metric(community.boundary, epsg).distance(crs_io.to_metric(geom, epsg))
    if d > OUTSIDE_TOLERANCE_M:
        raise InvalidGeometry(
            key="marks.mark_m_outside_marks",
            d=d,
            community_name=community.name,
            outside_tolerance_m=OUTSIDE_TOLERANCE_M,
        )


BUILDING_MAX_CHARS = 32  # marks.building is String(32), like households.building


def check_building_label(label: str) -> str:
    if len(label) > BUILDING_MAX_CHARS:
        raise InvalidInput(
            key="marks.building_characters_most_give",
            label=label[:40],
            n_label=len(label),
            building_max_chars=BUILDING_MAX_CHARS,
        )
    return label


def _nearest_building(session: Session, community: CommunityRow, geom: BaseGeometry) -> str | None:
    rows = session.execute(
        select(ElementRow.name, ElementRow.source_id, ElementRow.id, ElementRow.geometry).where(
            ElementRow.community_id == community.id, ElementRow.kind == "building"
        )
    ).all()
    if not rows:
        return None
    epsg = community.metric_epsg
    target = crs_io.to_metric(geom, epsg)
    geoms = crs_io.transform_array(
        np.array([r.geometry for r in rows], dtype=object), "EPSG:4326", f"EPSG:{epsg}"
    )
    dist = shapely.distance(geoms, target)
    i = int(np.argmin(dist))
    if dist[i] > NEAREST_BUILDING_M:
        return None
    r = rows[i]
    return clean_label(r.name or r.source_id or str(r.id))


# ---------------------------------------------------------------- queries


def _counts(session: Session, ids: Sequence[int]) -> tuple[dict[int, int], dict[int, int]]:
    if not ids:
        return {}, {}
    supports = dict(
        session.execute(
            select(MarkSupportRow.mark_id, func.count())
            .where(MarkSupportRow.mark_id.in_(ids))
            .group_by(MarkSupportRow.mark_id)
        ).all()
    )
    comments = dict(
        session.execute(
            select(MarkCommentRow.mark_id, func.count())
            .where(MarkCommentRow.mark_id.in_(ids))
            .group_by(MarkCommentRow.mark_id)
        ).all()
    )
    return supports, comments


def _visible(state: Status, author: int | None, viewer: int | None, staff: bool) -> bool:
    return staff or state in dom.PUBLIC or (viewer is not None and author == viewer)


def list_marks(
    session: Session,
    slug: str,
    *,
    categories: Iterable[str] = (),
    statuses: Iterable[str] = (),
    building: str | None = None,
    mine_household_id: int | None = None,
    viewer_household_id: int | None = None,
    staff: StaffIdentity | None = None,
    sort: str = "supported",
    limit: int | None = None,
) -> list[MarkInfo]:
    """Marks a viewer may see (public ones, their own, everything for staff), filtered and
    sorted by ``supported`` (most "me too" first) or ``newest``."""
    if sort not in ("supported", "newest"):
        raise InvalidInput(key="marks.sort_must_supported_newest", sort=sort)
    community = repo.community_by_slug(session, slug)
    stmt = select(MarkRow).where(MarkRow.community_id == community.id)
    cats = [dom.parse_category(c).value for c in categories]
    if cats:
        stmt = stmt.where(MarkRow.category.in_(cats))
    if building:
        stmt = stmt.where(MarkRow.building == clean_label(building))
    if mine_household_id is not None:
        stmt = stmt.where(MarkRow.household_id == mine_household_id)
    if staff is not None and staff.role is dom.Role.BUILDING_CHIEF:
        stmt = stmt.where(MarkRow.building.in_(staff.buildings))
    rows = list(session.scalars(stmt))
    try:
        wanted = {Status(s) for s in statuses}
    except ValueError:
        raise InvalidInput(
            key="marks.unknown_status_use",
            statuses=list(statuses),
            items=", ".join(x.value for x in Status),
        ) from None
    is_staff = staff is not None and staff.may_work_in(community.id)
    kept = []
    for r in rows:
        state = mark_status(r)
        if wanted and state not in wanted:
            continue
        if _visible(state, r.household_id, viewer_household_id, is_staff):
            kept.append(r)
    supports, comments = _counts(session, [r.id for r in kept])
    out = [_info(r, supports.get(r.id, 0), comments.get(r.id, 0)) for r in kept]
    if sort == "supported":
        out.sort(key=lambda m: (-m.supports, -m.submitted_at.timestamp(), -m.id))
    else:
        out.sort(key=lambda m: (-m.submitted_at.timestamp(), -m.id))
    return out[:limit] if limit else out


def get_mark(session: Session, mark_id: int) -> MarkInfo:
    row = _get(session, mark_id)
    supports, comments = _counts(session, [row.id])
    return _info(row, supports.get(row.id, 0), comments.get(row.id, 0))


def mark_detail(
    session: Session,
    mark_id: int,
    viewer_household_id: int | None = None,
    staff: StaffIdentity | None = None,
    *,
    community_id: int | None = None,
) -> MarkDetail:
    """One mark as its page shows it. ``community_id``: the community the page is showing; a
    mark of another community is not found there (``?community=B&mark=<A's id>``)."""
    row = _get(session, mark_id)
    if community_id is not None and row.community_id != community_id:
        raise NotFound(key="marks.mark_public_may_waiting", mark_id=mark_id)
    state = mark_status(row)
    is_staff = staff is not None and staff.may_work_in(row.community_id)
    if is_staff and staff is not None and staff.role is dom.Role.BUILDING_CHIEF:
        is_staff = row.building in staff.buildings  # the staff page's filter (list_marks)
    if not _visible(state, row.household_id, viewer_household_id, is_staff):
        raise NotFound(key="marks.mark_public_may_waiting", mark_id=mark_id)
    supports, comments_n = _counts(session, [row.id])
    ratings = session.execute(
        select(func.count(), func.sum(MarkRatingRow.stars)).where(MarkRatingRow.mark_id == row.id)
    ).one()
    n_ratings = int(ratings[0] or 0)
    photo_ids = list(
        session.scalars(
            select(MarkPhotoRow.id).where(MarkPhotoRow.mark_id == row.id).order_by(MarkPhotoRow.id)
        )
    )
    info = _info(
        row,
        supports.get(row.id, 0),
        comments_n.get(row.id, 0),
        photos=len(photo_ids),
        rating_mean=(int(ratings[1]) / n_ratings) if n_ratings else None,
        ratings=n_ratings,
    )
    # Residents see a comment's building only ("3栋居民"): complaints are about neighbours, and
    # the whole community reads them. Staff of the community see the flat.
    labels = _household_labels(session, row.community_id, building_only=not is_staff)
    comment_rows = list(
        session.scalars(
            select(MarkCommentRow)
            .where(MarkCommentRow.mark_id == row.id)
            .order_by(MarkCommentRow.created_at, MarkCommentRow.id)
        )
    )
    staff_names = _staff_names(session, {c.staff_user_id for c in comment_rows} - {None})
    top: list[Comment] = []
    by_id: dict[int, Comment] = {}
    for c in comment_rows:
        if c.staff_user_id is not None:
            author = f"staff:{staff_names.get(c.staff_user_id, '?')}"
        elif c.household_id is not None:
            author = labels.get(c.household_id, "?")
        else:
            author = "staff:" if c.official else "?"  # the bootstrap admin has no account row
        comment = Comment(c.id, c.text, author, c.official, c.created_at, [])
        if c.parent_id is None:
            top.append(comment)
            by_id[c.id] = comment
        elif c.parent_id in by_id:
            by_id[c.parent_id].replies.append(comment)
    supported = my_rating = None
    if viewer_household_id is not None:
        supported = session.scalar(
            select(MarkSupportRow.id).where(
                MarkSupportRow.mark_id == row.id,
                MarkSupportRow.household_id == viewer_household_id,
            )
        )
        my_rating = session.scalar(
            select(MarkRatingRow.stars).where(
                MarkRatingRow.mark_id == row.id,
                MarkRatingRow.household_id == viewer_household_id,
            )
        )
    history = [
        (s.value, when)
        for s, when in (
            (Status.SUBMITTED, row.submitted_at),
            (Status.PUBLISHED, row.published_at),
            (Status.UNDER_DISCUSSION, row.discussion_at),
            (Status.ADOPTED, row.adopted_at),
            (Status.DECLINED, row.declined_at),
            (Status.IN_PROGRESS, row.in_progress_at),
            (Status.RESOLVED, row.resolved_at),
            (Status.EVALUATED, row.evaluated_at),
            (Status.HIDDEN, row.hidden_at),
            (Status.WITHDRAWN, row.withdrawn_at),
        )
        if when is not None
    ]
    history.sort(key=lambda x: x[1])
    joined = viewer_household_id is not None
    own = joined and row.household_id == viewer_household_id
    return MarkDetail(
        info,
        top,
        photo_ids,
        bool(supported),
        my_rating,
        dom.can_edit(row.household_id, state, viewer_household_id),
        joined and not own and state in dom.OPEN_FOR_SUPPORT and not supported,
        (joined or is_staff) and state in dom.OPEN_FOR_COMMENTS,
        joined and state in dom.RATEABLE,
        history,
    )


def _household_labels(
    session: Session, community_id: int, *, building_only: bool = False
) -> dict[int, str]:
    """Comment authors: "1-1-101" (the flat), or "building:1" with ``building_only``."""
    return {
        r.id: f"building:{r.building}" if building_only else f"{r.building}-{r.unit}-{r.room}"
        for r in session.execute(
            select(HouseholdRow.id, HouseholdRow.building, HouseholdRow.unit, HouseholdRow.room)
            .where(HouseholdRow.community_id == community_id)
        )
    }  # fmt: skip


def _staff_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    from cocreate_map.storage.mark_tables import StaffUserRow

    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(StaffUserRow.id, StaffUserRow.username).where(StaffUserRow.id.in_(wanted))
        ).all()
    )


def buildings_of(session: Session, slug: str) -> list[str]:
    """Building labels for filters: those on the map and those marks name, in natural order."""
    community = repo.community_by_slug(session, slug)
    labels = set(building_points(session, community.id))
    labels |= {
        b
        for b in session.scalars(
            select(MarkRow.building).where(MarkRow.community_id == community.id).distinct()
        )
        if b
    }
    return sorted(labels, key=lambda b: (len(b), b))


def photo(session: Session, photo_id: int) -> MarkPhotoRow:
    row = session.get(MarkPhotoRow, photo_id)
    if row is None:
        raise NotFound(key="marks.photo", photo_id=photo_id)
    return row


# ---------------------------------------------------------------- residents' actions


def similar_marks(
    session: Session, slug: str, category: str, geometry: BaseGeometry | dict[str, Any] | str
) -> list[MarkInfo]:
    """Public marks of the same category within 30 m, nearest first ("is it one of these?")."""
    community = repo.community_by_slug(session, slug)
    cat = dom.parse_category(category)
    geom = parse_geometry(geometry)
    rows = [
        r
        for r in session.scalars(
            select(MarkRow).where(
                MarkRow.community_id == community.id, MarkRow.category == cat.value
            )
        )
        # public and still open: a declined or resolved problem that comes back is a new mark
        if mark_status(r) in dom.PUBLIC - {Status.DECLINED, Status.RESOLVED, Status.EVALUATED}
    ]
    if not rows:
        return []
    epsg = f"EPSG:{community.metric_epsg}"
    metric = crs_io.transform_array(
        np.array([r.geometry for r in rows], dtype=object), "EPSG:4326", epsg
    )
    candidates = [dom.Candidate(r.id, cat, g) for r, g in zip(rows, metric, strict=True)]
    near = dom.similar(cat, crs_io.to_metric(geom, community.metric_epsg), candidates)
    by_id = {r.id: r for r in rows}
    supports, comments = _counts(session, [i for i, _ in near])
    return [_info(by_id[i], supports.get(i, 0), comments.get(i, 0)) for i, _ in near]


def submit_mark(
    session: Session,
    slug: str,
    household_id: int | None,
    category: str,
    text: str,
    geometry: BaseGeometry | dict[str, Any] | str,
    *,
    safety: bool | None = None,
    photo_bytes: bytes | None = None,
    check_similar: bool = False,
    source: str = "online",
    building: str | None = None,
    staff: StaffIdentity | None = None,
    now: datetime | None = None,
) -> SubmitResult:
    """Save a new mark (status submitted; paper marks entered by staff are published at once).

    With ``check_similar`` nothing is saved when public marks of the same category lie within
    30 m: they come back in ``similar`` so the resident can say "me too" instead.
    """
    now = now or utcnow()
    community = repo.community_by_slug(session, slug)
    cat = dom.parse_category(category)
    body = dom.clean_text(text, dom.TEXT_MAX_CHARS, what="description")
    geom = parse_geometry(geometry)
    check_inside(community, geom)
    if source not in ("online", "paper"):
        raise InvalidInput(key="marks.source_must_online_paper", source=source)
    if household_id is None and staff is None:
        raise PermissionDenied(key="marks.join_your_household_code")
    if staff is not None:  # paper opinions entered by staff of this community
        require_staff(staff, community.id, EVERY_STAFF, action="mark.paper")
    household = _household(session, household_id, community.id) if household_id else None
    cleaned = clean_photo(photo_bytes) if photo_bytes else None
    if check_similar:
        near = similar_marks(session, slug, cat.value, geom)
        if near:
            placeholder = MarkInfo(
                0, community.id, cat, bool(safety), body, geom, None, household_id, source,
                Status.SUBMITTED, now,
            )  # fmt: skip
            return SubmitResult(placeholder, near)
    # The building a mark belongs to (its chief acts on it, the summary counts it there): the
    # building it stands at; else the household's; else the one a paper opinion names.
    given = check_building_label(clean_label(building)) if building else None
    where = _nearest_building(session, community, geom)
    if where is not None and len(where) > BUILDING_MAX_CHARS:
        where = None  # a long element name is no building label (marks.building holds 32)
    where = where or (household.building if household is not None else None) or given
    if staff is not None:  # a building chief enters the opinions of their own buildings
        require_staff(staff, community.id, EVERY_STAFF, building=where, action="mark.paper")
    row = MarkRow(
        community_id=community.id,
        category=cat.value,
        safety=(cat in dom.SAFETY_BY_DEFAULT) if safety is None else bool(safety),
        text=body,
        geometry=geom,
        building=where,
        household_id=household.id if household is not None else None,
        source=source,
        submitted_at=now,
        published_at=now if source == "paper" else None,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    if cleaned is not None:
        session.add(
            MarkPhotoRow(
                mark_id=row.id,
                mime=cleaned.mime,
                width=cleaned.width,
                height=cleaned.height,
                data=cleaned.data,
                meta=cleaned.meta,
                created_at=now,
            )
        )
    actor = staff.actor if staff is not None else f"household:{household_id}"
    record(
        session,
        community.id,
        actor,
        "mark.submit",
        {
            "mark_id": row.id,
            "category": cat.value,
            "source": source,
            "building": where,
            "text_sha256": text_digest(row.text),
            "status": "published" if source == "paper" else "submitted",
        },
        now,
    )
    session.flush()
    return SubmitResult(_info(row, photos=1 if cleaned else 0), [])


def edit_mark(
    session: Session,
    mark_id: int,
    household_id: int,
    *,
    text: str | None = None,
    category: str | None = None,
    now: datetime | None = None,
) -> MarkInfo:
    """The author changes text or category while the mark is still submitted."""
    row = _get(session, mark_id)
    if not dom.can_edit(row.household_id, mark_status(row), household_id):
        raise _not_yours(row, household_id)
    if text is not None:
        row.text = dom.clean_text(text, dom.TEXT_MAX_CHARS, what="description")
    if category is not None:
        row.category = dom.parse_category(category).value
    row.updated_at = now or utcnow()
    session.flush()
    record(
        session,
        row.community_id,
        f"household:{household_id}",
        "mark.edit",
        {"mark_id": row.id, "category": row.category, "text_sha256": text_digest(row.text)},
        row.updated_at,
    )
    return get_mark(session, mark_id)


def withdraw_mark(
    session: Session, mark_id: int, household_id: int, now: datetime | None = None
) -> MarkInfo:
    now = now or utcnow()
    row = _get(session, mark_id)
    state = mark_status(row)
    if not dom.can_edit(row.household_id, state, household_id):
        raise _not_yours(row, household_id)
    _apply(session, row, Action.WITHDRAW, f"household:{household_id}", None, now)
    return get_mark(session, mark_id)


def _not_yours(row: MarkRow, household_id: int | None) -> PermissionDenied:
    if row.household_id != household_id:
        return PermissionDenied(key="marks.not_your_mark")
    return PermissionDenied(key="marks.no_longer_changeable", state=_state_term(mark_status(row)))


def _state_term(state: Status) -> Term:
    return Term(f"mark_status.{state.value}", state.value)


def support_mark(
    session: Session, mark_id: int, household_id: int, now: datetime | None = None
) -> tuple[bool, int]:
    """ "Me too": (added now?, supports after). One per household, safe under concurrent taps
    (UNIQUE + INSERT … ON CONFLICT DO NOTHING)."""
    now = now or utcnow()
    row = _get(session, mark_id)
    _household(session, household_id, row.community_id)
    state = mark_status(row)
    if state not in dom.OPEN_FOR_SUPPORT:
        raise PermissionDenied(key="marks.mark_me_too_open", state=_state_term(state))
    if row.household_id == household_id:
        raise PermissionDenied(key="marks.your_own_mark_ask")
    insert = upsert_insert(session)
    stmt = (
        insert(MarkSupportRow)
        .values(mark_id=mark_id, household_id=household_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["mark_id", "household_id"])
        .returning(MarkSupportRow.id)
    )
    added = session.execute(stmt).scalar() is not None
    count = session.scalar(
        select(func.count()).select_from(MarkSupportRow).where(MarkSupportRow.mark_id == mark_id)
    )
    return added, int(count or 0)


def add_comment(
    session: Session,
    mark_id: int,
    text: str,
    *,
    household_id: int | None = None,
    staff: StaffIdentity | None = None,
    parent_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """A comment by a household, or an official reply by staff (audited). Replies go one
    level deep: a reply to a reply is attached to the top comment."""
    now = now or utcnow()
    row = _get(session, mark_id)
    body = dom.clean_text(text, dom.COMMENT_MAX_CHARS, what="comment")
    if staff is not None:
        _require_staff(staff, row)
    elif household_id is not None:
        _household(session, household_id, row.community_id)
    else:
        raise PermissionDenied(key="marks.join_your_household_code_2")
    state = mark_status(row)
    if state not in dom.OPEN_FOR_COMMENTS and staff is None:
        raise PermissionDenied(key="marks.mark_takes_new_comments", state=_state_term(state))
    if parent_id is not None:
        parent = session.get(MarkCommentRow, parent_id)
        if parent is None or parent.mark_id != mark_id:
            raise NotFound(
                key="marks.comment_mark_reload_page", parent_id=parent_id, mark_id=mark_id
            )
        parent_id = parent.parent_id or parent.id
    comment = MarkCommentRow(
        mark_id=mark_id,
        parent_id=parent_id,
        household_id=household_id if staff is None else None,
        staff_user_id=staff.id if staff is not None else None,
        official=staff is not None,
        text=body,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    if staff is not None:
        record(
            session,
            row.community_id,
            staff.actor,
            "mark.reply",
            {"mark_id": mark_id, "comment_id": comment.id, "text": body},
            now,
        )
    return comment.id


def rate_mark(
    session: Session, mark_id: int, household_id: int, stars: int, now: datetime | None = None
) -> MarkInfo:
    """A household rates a resolved mark 1–5 (效果共评); the first rating makes it evaluated.
    A household's later rating replaces its earlier one."""
    now = now or utcnow()
    value = dom.check_rating(stars)
    row = _get(session, mark_id)
    _household(session, household_id, row.community_id)
    state = mark_status(row)
    if state not in dom.RATEABLE:
        raise PermissionDenied(key="marks.mark_residents_rate_work", state=_state_term(state))
    insert = upsert_insert(session)
    stmt = insert(MarkRatingRow).values(
        mark_id=mark_id, household_id=household_id, stars=value, created_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["mark_id", "household_id"],
        set_={"stars": stmt.excluded.stars, "created_at": stmt.excluded.created_at},
    )
    session.execute(stmt)
    if row.evaluated_at is None:
        row.evaluated_at = now
        row.updated_at = now
        record(
            session,
            row.community_id,
            f"household:{household_id}",
            "mark.evaluated",
            {"mark_id": mark_id, "from": state.value, "to": Status.EVALUATED.value},
            now,
        )
    session.flush()
    return get_mark(session, mark_id)


# ---------------------------------------------------------------- staff actions


def _require_staff(staff: StaffIdentity | None, row: MarkRow) -> StaffIdentity:
    who = require_staff(staff, row.community_id, EVERY_STAFF, action="mark.staff")
    dom.require_act(who.role, who.buildings, row.building)
    return who


def _apply(
    session: Session, row: MarkRow, action: Action, actor: str, reason: str | None, now: datetime
) -> Status:
    before = mark_status(row)
    after = dom.apply(_lifecycle(row), action, now, reason)
    for name in LIFECYCLE_FIELDS:
        setattr(row, name, getattr(after, name))
    target = dom.status(after)
    text = dom.clean_text(reason or "", dom.REASON_MAX_CHARS, required=False) or None
    if action is Action.HIDE:
        row.hidden_reason = text
    elif action is Action.DECLINE:
        row.decline_reason = text
    elif action is Action.UNHIDE:
        row.hidden_reason = None
    row.updated_at = now
    session.flush()
    record(
        session,
        row.community_id,
        actor,
        f"mark.{action.value}",
        {"mark_id": row.id, "from": before.value, "to": target.value, "reason": text},
        now,
    )
    return target


def apply_action(
    session: Session,
    mark_id: int,
    action: str,
    staff: StaffIdentity | None,
    *,
    reason: str | None = None,
    reply: str | None = None,
    now: datetime | None = None,
) -> MarkInfo:
    """A staff transition (publish, hide, discuss, adopt, decline, start, resolve, unhide),
    optionally with an official reply; audited."""
    now = now or utcnow()
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput(
            key="marks.unknown_action_use_one",
            action=action,
            items=", ".join(a.value for a in Action),
        ) from None
    if act is Action.WITHDRAW:
        raise PermissionDenied(key="marks.only_household_made_mark")
    row = _get(session, mark_id)
    who = _require_staff(staff, row)
    _apply(session, row, act, who.actor, reason, now)
    if reply and reply.strip():
        add_comment(session, mark_id, reply, staff=staff, now=now)
    return get_mark(session, mark_id)


def bulk_action(
    session: Session,
    mark_ids: Sequence[int],
    action: str,
    staff: StaffIdentity | None,
    *,
    reason: str | None = None,
    reply: str | None = None,
    now: datetime | None = None,
) -> list[MarkInfo]:
    """The same action on several marks: all or none (the first refusal names its mark)."""
    if not mark_ids:
        raise InvalidInput(key="marks.marks_selected_tick_marks")
    out = []
    for mark_id in mark_ids:
        try:
            out.append(
                apply_action(session, mark_id, action, staff, reason=reason, reply=reply, now=now)
            )
        except CocreateError as exc:
            raise type(exc)(
                key="marks.mark_nothing_was_changed", mark_id=mark_id, inner=exc
            ) from None
    return out


# ---------------------------------------------------------------- reply templates

DEFAULT_TEMPLATES: dict[str, list[str]] = {
    "zh": [
        "感谢您的意见，已转交相关部门，我们会尽快处理。",
        "此问题已纳入本次改造方案，将在施工阶段解决。",
        "经现场查看，问题已处理完毕，欢迎您对效果进行评价。",
        "此问题不属于本次改造范围，已记录并转交物业/社区跟进。",
    ],
    "en": [
        "Thank you; we passed this on to the department in charge and will handle it soon.",
        "This is part of the renovation plan and will be fixed during the works.",
        "We checked on site and the problem is fixed; please rate the result.",
        "This is outside the scope of this renovation; we recorded it and passed it on.",
    ],
}


def reply_templates(session: Session, slug: str, lang: str = "zh") -> list[str]:
    community = repo.community_by_slug(session, slug)
    row = session.scalar(
        select(CommunitySettingRow).where(
            CommunitySettingRow.community_id == community.id,
            CommunitySettingRow.key == REPLY_TEMPLATES_KEY,
        )
    )
    if row is not None and row.value.get(lang):
        return list(row.value[lang])
    return list(DEFAULT_TEMPLATES.get(lang, DEFAULT_TEMPLATES["zh"]))


def set_reply_templates(
    session: Session,
    slug: str,
    lang: str,
    templates: Sequence[str],
    *,
    staff: StaffIdentity | None,
) -> None:
    community = repo.community_by_slug(session, slug)
    require_staff(staff, community.id, action="mark.templates")
    cleaned = [dom.clean_text(t, dom.COMMENT_MAX_CHARS, what="template") for t in templates if t]
    row = session.scalar(
        select(CommunitySettingRow).where(
            CommunitySettingRow.community_id == community.id,
            CommunitySettingRow.key == REPLY_TEMPLATES_KEY,
        )
    )
    if row is None:
        row = CommunitySettingRow(community_id=community.id, key=REPLY_TEMPLATES_KEY, value={})
        session.add(row)
    row.value = {**row.value, lang: cleaned}
    session.flush()


# ---------------------------------------------------------------- summary, map, exports


def summary(session: Session, slug: str, staff: StaffIdentity | None = None) -> dom.Summary:
    """Counts of the community's marks; for a building chief, of the marks of their buildings
    (the same filter as :func:`list_marks`)."""
    community = repo.community_by_slug(session, slug)
    where = [MarkRow.community_id == community.id]
    if staff is not None and staff.role is dom.Role.BUILDING_CHIEF:
        where.append(MarkRow.building.in_(staff.buildings))
    rows = list(session.scalars(select(MarkRow).where(*where)))
    stars = session.scalars(
        select(MarkRatingRow.stars).join(MarkRow, MarkRow.id == MarkRatingRow.mark_id).where(*where)
    )
    return dom.summarise(
        ((Category(r.category), r.building, mark_status(r)) for r in rows), list(stars)
    )


def building_points(session: Session, community_id: int) -> dict[str, BaseGeometry]:
    out: dict[str, BaseGeometry] = {}
    for r in session.execute(
        select(ElementRow.name, ElementRow.source_id, ElementRow.id, ElementRow.geometry).where(
            ElementRow.community_id == community_id, ElementRow.kind == "building"
        )
    ):
        out[clean_label(r.name or r.source_id or str(r.id))] = r.geometry.representative_point()
    return out


# ---------------------------------------------------------------- reconciliation with the log


def check_marks(session: Session, community_id: int, rows: Sequence[AuditRow]) -> list[str]:
    """Every mark's status, category and text as its log entries left them."""
    want: dict[int, dict[str, Any]] = {}
    for r in rows:
        p = r.payload
        if r.action == "community.moved":
            (m,) = id_maps(p, "marks")
            want = {m.get(k, k): v for k, v in want.items()}
            continue
        if not r.action.startswith("mark.") or "mark_id" not in p:
            continue
        mid = int(p["mark_id"])
        cur = want.setdefault(mid, {"seq": r.seq, "submitted": False})
        cur["seq"] = r.seq
        if r.action == "mark.submit":
            first = "published" if p.get("source") == "paper" else "submitted"
            cur.update(submitted=True, status=p.get("status", first), category=p.get("category"))
            if "text_sha256" in p:
                cur["text"] = p["text_sha256"]
        elif r.action == "mark.edit":
            cur.update({k: v for k, v in (("category", p.get("category")),) if v})
            if "text_sha256" in p:
                cur["text"] = p["text_sha256"]
        elif "to" in p:
            cur["status"] = p["to"]
    problems: list[str] = []
    seen = set()
    for m in session.scalars(select(MarkRow).where(MarkRow.community_id == community_id)):
        seen.add(m.id)
        w = want.get(m.id)
        if w is None or not w["submitted"]:
            problems.append(f"mark {m.id} is in no log entry (inserted directly)")
            continue
        status = mark_status(m).value
        if w.get("status") and status != w["status"]:
            problems.append(
                f"mark {m.id} is {status} but log entry {w['seq']} left it {w['status']} "
                "(edited directly)"
            )
        if w.get("category") and m.category != w["category"]:
            problems.append(
                f"mark {m.id} has category {m.category} but log entry {w['seq']} says "
                f"{w['category']} (edited directly)"
            )
        if "text" in w and text_digest(m.text) != w["text"]:
            problems.append(
                f"mark {m.id}: its text differs from the one logged by entry {w['seq']} "
                "(edited directly)"
            )
    for mid in sorted(k for k, v in want.items() if v["submitted"] and k not in seen):
        problems.append(f"mark {mid} of log entry {want[mid]['seq']} is missing (deleted)")
    return problems


audit.register_check("marks", check_marks)
