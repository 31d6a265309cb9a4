"""Imports that can be repeated and undone, options that can be deleted, communities that can be
archived (issue 17.6).

- A file is recognised by the SHA-256 of its bytes (a Shapefile: of its side-car files too),
  stored on its import row. Importing the same file into the same community again is refused
  with the earlier import named, unless the caller asks to *replace* it: the earlier import is
  undone first, in the same transaction.
- An import is undone as the unit it was written in: every element it wrote goes; its row stays,
  marked undone (``options["undone_at"]``), so import ids are never reused and the log's entries
  keep naming one import each. Not when a layout option refers to one of those elements
  (deleting them would silently drop the option's changes). Undo and replace are entries of the
  community's hash-chained audit log.
- An option can be deleted when no open ballot decides on it.
- An archived community is hidden from lists and read-only: every write to its rows is refused
  at flush time (:func:`_refuse_archived_writes`), whatever page or command attempts it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import event
from sqlalchemy.orm import Session

from cocreate_map.domain.annotations import Role
from cocreate_map.domain.community import utm_epsg
from cocreate_map.domain.elements import Kind
from cocreate_map.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from cocreate_map.io import crs as crs_io
from cocreate_map.services.access import require_staff
from cocreate_map.services.audit import LIVE_COMMUNITIES, record
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import imports_repo
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.tables import CommunityRow, ImportRow, utcnow

MANAGERS = (Role.ADMIN, Role.PLANNER)


def content_sha256(path: Path) -> str:
    """SHA-256 of the file; for a ``.shp`` of it and its side-car files (sorted by extension)."""
    path = Path(path)
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts = sorted(
            (p for p in path.parent.glob(path.stem + ".*") if p.stem == path.stem),
            key=lambda p: p.suffix.lower(),
        )
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.suffix.lower().encode())
        with part.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ImportInfo:
    id: int
    slug: str
    filename: str
    created_at: datetime
    feature_count: int
    elements: int  # still in the community (a later option may not have removed any)
    content_sha256: str | None
    source_crs: str
    undone_at: str | None = None


def _info(row: ImportRow, slug: str, elements: int) -> ImportInfo:
    return ImportInfo(
        id=row.id,
        slug=slug,
        filename=row.filename,
        created_at=row.created_at,
        feature_count=row.feature_count,
        elements=elements,
        content_sha256=row.content_sha256,
        source_crs=row.source_crs,
        undone_at=undone(row),
    )


def undone(row: ImportRow) -> str | None:
    value = (row.options or {}).get("undone_at")
    return str(value) if value else None


def list_imports(session: Session, slug: str) -> list[ImportInfo]:
    """The community's imports, newest first."""
    community = repo.community_by_slug(session, slug)
    rows = imports_repo.imports_of(session, community.id)
    counts = imports_repo.element_counts(session, [r.id for r in rows])
    return [_info(r, community.slug, counts.get(r.id, 0)) for r in rows]


def earlier_imports(session: Session, community_id: int, sha256: str) -> list[ImportRow]:
    return [
        row
        for row in imports_repo.imports_of_file(session, community_id, sha256)
        if undone(row) is None
    ]


def find_earlier(session: Session, slug: str, path: Path) -> ImportInfo | None:
    """The newest earlier import of this very file into ``slug`` (the page's replace offer)."""
    community = repo.find_community(session, slug)
    if community is None:
        return None
    rows = earlier_imports(session, community.id, content_sha256(path))
    if not rows:
        return None
    row = rows[-1]
    return _info(row, community.slug, imports_repo.element_counts(session, [row.id]).get(row.id, 0))


def refuse_repeat(row: ImportRow) -> AlreadyExists:
    return AlreadyExists(
        key="imports.seen_before",
        filename=row.filename,
        import_id=row.id,
        at=row.created_at.strftime("%Y-%m-%d %H:%M"),
        n=row.feature_count,
    )


def recompute_boundary(session: Session, community: CommunityRow) -> None:
    """The community's boundary from its elements (a drawn boundary, else their hull); none
    when it has no element left (its last import undone)."""
    rows = repo.elements_of(session, community.id)
    if not rows:
        community.boundary = None
        return
    boundaries = [r.geometry for r in rows if r.kind == Kind.BOUNDARY.value]
    if boundaries:
        boundary = shapely.union_all(boundaries)
    else:
        # No drawn boundary: the convex hull of everything, 5 m wider, measured in metres.
        hull = shapely.convex_hull(shapely.union_all([r.geometry for r in rows]))
        c = hull.centroid
        epsg = utm_epsg(c.x, c.y)
        boundary = crs_io.to_wgs84(crs_io.to_metric(hull, epsg).buffer(5.0), epsg)
    c = boundary.centroid
    community.boundary = boundary
    community.metric_epsg = utm_epsg(c.x, c.y)


def remove_import(session: Session, row: ImportRow, actor: str, action: str) -> int:
    """Delete the import's elements and mark its row undone, audit-logged; the number of
    elements removed."""
    users = imports_repo.options_using(session, row.id)
    if users:
        raise InvalidInput(
            key="imports.used_by_options",
            import_id=row.id,
            filename=row.filename,
            options=", ".join(users),
        )
    community = repo.community_by_id(session, row.community_id)
    removed = imports_repo.delete_elements_of(session, row.id)
    payload: dict[str, Any] = {
        "import_id": row.id,
        "filename": row.filename,
        "content_sha256": row.content_sha256,
        "feature_count": row.feature_count,
        "elements_removed": int(removed or 0),
    }
    at = utcnow().isoformat(timespec="seconds")
    row.options = {**(row.options or {}), "undone_at": at, "undone_by": actor}
    session.flush()
    session.expire(community, ["elements"])
    recompute_boundary(session, community)
    session.flush()
    record(session, community.id, actor, action, payload)
    return int(removed or 0)


def undo_import(session: Session, import_id: int, *, who: StaffIdentity | None) -> ImportInfo:
    """Undo one import: its elements and its row go, the boundary follows; audit-logged."""
    row = imports_repo.import_or_none(session, import_id)
    if row is None:
        raise NotFound(key="imports.no_such_import", import_id=import_id)
    if undone(row) is not None:
        raise InvalidInput(key="imports.undone_already", import_id=import_id, at=undone(row))
    community = repo.community_by_id(session, row.community_id)
    staff = require_staff(who, community.id, MANAGERS, action="import.undo")
    info = _info(row, community.slug, imports_repo.element_counts(session, [row.id]).get(row.id, 0))
    remove_import(session, row, staff.username, "import.undo")
    return info


# ---------------------------------------------------------------- archive


def archive_community(
    session: Session, slug: str, *, who: StaffIdentity | None, restore: bool = False
) -> CommunityRow:
    """Archive (hide, read-only) or, with ``restore``, bring back a community; audit-logged."""
    community = repo.community_by_slug(session, slug)
    staff = require_staff(who, community.id, (Role.ADMIN,), action="community.archive")
    if restore:
        if community.archived_at is None:
            raise InvalidInput(key="imports.not_archived", slug=slug)
        community.archived_at = None
        session.flush()
        record(session, community.id, staff.username, "community.restore", {"slug": slug})
    else:
        if community.archived_at is not None:
            raise InvalidInput(key="imports.already_archived", slug=slug)
        record(session, community.id, staff.username, "community.archive", {"slug": slug})
        community.archived_at = utcnow()
        session.flush()
    return community


def _community_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CommunityRow):
            continue
        cid = getattr(obj, "community_id", None)
        if isinstance(cid, int):
            ids.add(cid)
    return ids


@event.listens_for(Session, "before_flush")
def _refuse_archived_writes(session: Session, _context: Any, _instances: Any) -> None:
    """No row of an archived community is added, changed or deleted (its own row may be, to
    restore it)."""
    ids = _community_ids(session)
    # Communities found live earlier in this transaction need no second look (a vote flushes
    # twice, the demo a thousand times), unless one is being archived in it: then every later
    # flush of the transaction looks again.
    live: set[int] = session.info.setdefault(LIVE_COMMUNITIES, set())
    if any(
        isinstance(o, CommunityRow) and o.archived_at is not None
        for o in (*session.new, *session.dirty)
    ):
        session.info["community_changed"] = True
    if session.info.get("community_changed"):
        live.clear()
    ids -= live
    if not ids:
        return
    with session.no_autoflush:
        archived = imports_repo.archived_among(session, ids)
    if not session.info.get("community_changed"):
        live |= ids - set(archived)
    for community_id in archived:
        community = repo.community_or_none(session, community_id)
        if community is not None and community.archived_at is not None:
            # (the session's own value counts: a restore in progress may write)
            raise PermissionDenied(key="imports.archived_read_only", name=community.name)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_live_communities(session: Session) -> None:
    session.info.pop(LIVE_COMMUNITIES, None)
    session.info.pop("community_changed", None)


# ---------------------------------------------------------------- what the import page offers


@dataclass(frozen=True)
class FileLook:
    """What a file holds before it is read as plan features: its layers (GeoPackage tables, KML
    folders, zip members, CAD layers), the CRS it declares and the CRSs its coordinates fit
    (nearest to the target community, or to the known communities, first)."""

    layers: list[str]
    declared_crs: str | None
    candidates: list[Any]  # io.crs.Candidate


def look_at_file(
    session: Session, path: Path, display_name: str, slug: str | None, encoding: str | None = None
) -> FileLook:
    import numpy as np
    import shapely

    from cocreate_map.io import crs as crs_io
    from cocreate_map.io import formats

    raw = formats.format_for_path(path, display_name).reader(path, encoding, display_name)
    layers: list[str] = []
    declared: str | None = None
    points: list[tuple[float, float]] = []
    for layer in raw.layers:
        if layer.dialect == "dxf" and "Layer" in layer.frame.columns:
            layers.extend(sorted({str(v) for v in layer.frame["Layer"].dropna()} - set(layers)))
        elif layer.name is not None and layer.name not in layers:
            layers.append(layer.name)
        if layer.crs is not None and declared is None:
            declared = crs_io.crs_label(crs_io.parse_crs(layer.crs))
        geoms = np.asarray(layer.frame.geometry.values, dtype=object)
        present = [g for g in geoms if g is not None and not g.is_empty]
        if present:
            centres = shapely.centroid(np.asarray(present, dtype=object))
            points.append(
                (
                    float(np.nanmedian(shapely.get_x(centres))),
                    float(np.nanmedian(shapely.get_y(centres))),
                )
            )
    near: list[tuple[float, float]] = []
    target = repo.find_community(session, slug) if slug else None
    rows = [target] if target is not None else list(repo.all_communities(session))
    for row in rows:
        if row is not None and row.boundary is not None:
            c = row.boundary.centroid
            near.append((c.x, c.y))
    found = crs_io.candidates(points[0], near) if points else []
    return FileLook(layers=layers, declared_crs=declared, candidates=found)
