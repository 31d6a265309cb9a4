"""Use cases: one function per user action. Each takes a Session and plain values, calls domain,
storage and io, and returns a result or raises a CocreateError. The caller owns the transaction
(``storage.db.transaction``): a raised error rolls everything back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cocreate_map import config
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.community import CommunityInfo, check_slug, utm_epsg
from cocreate_map.domain.elements import Kind, PlanElement
from cocreate_map.errors import AlreadyExists, CrsError, InvalidInput
from cocreate_map.io import crs as crs_io
from cocreate_map.io.geo_files import (
    ExportRow,
    ReadOptions,
    ReadResult,
    read_geo_file,
    write_export,
)
from cocreate_map.services import imports as imports_svc
from cocreate_map.services.access import require_creator, require_staff
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.tables import CommunityRow, ElementRow, ImportRow

# ---------------------------------------------------------------- communities


def list_communities(session: Session, *, include_archived: bool = False) -> list[CommunityInfo]:
    """The communities, archived ones only when asked (issue 17.6: hidden, data kept)."""
    counts = repo.element_counts(session)
    return [
        CommunityInfo(
            id=row.id,
            slug=row.slug,
            name=row.name,
            metric_epsg=row.metric_epsg,
            element_counts=counts.get(row.id, {}),
        )
        for row in repo.all_communities(session)
        if include_archived or row.archived_at is None
    ]


def create_community(
    session: Session,
    slug: str,
    name: str,
    boundary: BaseGeometry | None = None,
    *,
    who: StaffIdentity | None,
) -> CommunityRow:
    require_creator(who, action="community.create")
    check_slug(slug)
    if not name.strip():
        raise InvalidInput(key="community.community_needs_name_e")
    if repo.find_community(session, slug) is not None:
        raise AlreadyExists(key="community.community_exists_already_import", slug=slug)
    epsg = 4326
    if boundary is not None:
        c = boundary.centroid
        epsg = utm_epsg(c.x, c.y)
    row = CommunityRow(slug=slug, name=name.strip(), boundary=boundary, metric_epsg=epsg)
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- import


@dataclass
class ImportSummary:
    slug: str
    created: bool
    imported: int
    counts: dict[str, int]
    repairs: list[str]
    notes: list[str]
    source_crs: str
    import_id: int
    metric_epsg: int = 0
    warnings: list[str] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)  # ids of the earlier imports undone


def preview_import(path: Path, options: ReadOptions, display_name: str | None = None) -> ReadResult:
    """Read and check a file without touching the database (the UI preview)."""
    result = read_geo_file(path, options, display_name=display_name)
    if not result.features:
        raise InvalidInput(
            key="community.holds_features_import_check", value=display_name or path.name
        )
    _check_extent([f.geometry for f in result.features], display_name or path.name)
    return result


def _extent_km(geoms: list[BaseGeometry]) -> tuple[float, int]:
    union_bounds = shapely.total_bounds(np.array(geoms, dtype=object))
    cx, cy = (union_bounds[0] + union_bounds[2]) / 2, (union_bounds[1] + union_bounds[3]) / 2
    epsg = utm_epsg(cx, cy)
    box = crs_io.to_metric(shapely.box(*union_bounds), epsg)
    minx, miny, maxx, maxy = box.bounds
    return max(maxx - minx, maxy - miny) / 1000.0, epsg


def _check_extent(geoms: list[BaseGeometry], label: str) -> None:
    limit = config.get("max_extent_km")
    extent, _ = _extent_km(geoms)
    if extent > limit:
        raise InvalidInput(
            key="community.covers_km_more_than", label=label, extent=extent, limit=limit
        )


def _check_near(community: CommunityRow, geoms: list[BaseGeometry], label: str) -> None:
    """Refuse data far from an existing community: a wrong CRS or coordinate system."""
    if community.boundary is None:
        return
    limit_m = config.get("max_distance_km") * 1000.0
    epsg = community.metric_epsg
    boundary = crs_io.to_metric(community.boundary, epsg)
    far = 0
    worst = 0.0
    for geom in geoms:
        d = boundary.distance(crs_io.to_metric(geom, epsg))
        if d > limit_m:
            far += 1
            worst = max(worst, d)
    if far:
        raise CrsError(
            key="community.feature_s_lie_up",
            far=far,
            label=label,
            worst=worst / 1000,
            community_name=community.name,
            limit_m=limit_m / 1000,
        )


def import_file(
    session: Session,
    path: Path,
    slug: str,
    *,
    create_name: str | None = None,
    options: ReadOptions | None = None,
    display_name: str | None = None,
    who: StaffIdentity | None,
    replace: bool = False,
) -> ImportSummary:
    """Import every feature of a file into a community, all or nothing.

    The same file (by content) imported into the community before is refused, naming the
    earlier import, unless ``replace``: then the earlier import is undone first (audit-logged),
    in the same transaction (services/imports)."""
    options = options or ReadOptions()
    label = display_name or path.name
    created = False
    sha256 = imports_svc.content_sha256(path) if Path(path).is_file() else None
    replaced: list[int] = []
    if create_name is not None:
        require_creator(who, action="import")
        check_slug(slug)
        if repo.find_community(session, slug) is not None:
            raise AlreadyExists(key="community.community_exists_already_drop", slug=slug)
    else:
        community = repo.community_by_slug(session, slug)
        staff = require_staff(who, community.id, action="import")
        earlier = imports_svc.earlier_imports(session, community.id, sha256) if sha256 else []
        if earlier and not replace:
            raise imports_svc.refuse_repeat(earlier[-1])
        if earlier:
            require_staff(who, community.id, imports_svc.MANAGERS, action="import.undo")
    result = preview_import(path, options, display_name=label)
    if create_name is None:
        for row in earlier:
            replaced.append(row.id)
            imports_svc.remove_import(session, row, staff.username, "import.replace")
    geoms = [f.geometry for f in result.features]
    if create_name is not None:
        community = create_community(session, slug, create_name, who=who)
        created = True
    else:
        _check_near(community, geoms, label)
    epsg = community.metric_epsg if community.metric_epsg != 4326 else _extent_km(geoms)[1]
    # Domain validation (kind ↔ geometry family, attributes) in the metric CRS.
    for i, feat in enumerate(result.features):
        try:
            PlanElement(
                kind=feat.kind,
                geometry=crs_io.to_metric(feat.geometry, epsg),
                name=feat.name,
                attrs=feat.attrs,
                source_id=feat.source_id,
            )
        except InvalidInput as exc:
            where = f"feature {feat.source_id or i + 1}"
            raise type(exc)(key="community.error", label=label, where=where, inner=exc) from None
    report_lines = [str(r) for r in result.repairs] + result.notes
    imp = ImportRow(
        community_id=community.id,
        filename=label,
        source_crs=result.source_crs,
        options=_options_dict(options),
        feature_count=len(result.features),
        report="\n".join(report_lines),
        content_sha256=sha256,
    )
    session.add(imp)
    session.flush()
    counts: dict[str, int] = {}
    session.add_all(
        ElementRow(
            community_id=community.id,
            kind=f.kind.value,
            name=f.name,
            attrs=f.attrs,
            geometry=f.geometry,
            source_id=f.source_id,
            import_id=imp.id,
        )
        for f in result.features
    )
    for f in result.features:
        counts[f.kind.value] = counts.get(f.kind.value, 0) + 1
    session.flush()
    imports_svc.recompute_boundary(session, community)
    session.flush()
    return ImportSummary(
        slug=community.slug,
        created=created,
        imported=len(result.features),
        counts=counts,
        repairs=[str(r) for r in result.repairs],
        notes=list(result.notes),
        source_crs=result.source_crs,
        import_id=imp.id,
        metric_epsg=community.metric_epsg,
        replaced=replaced,
    )


def _options_dict(options: ReadOptions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in vars(options).items():
        if value in (None, False, "wgs84"):
            continue
        if isinstance(value, dict):
            value = {k: str(v) for k, v in value.items()}
        out[key] = value if isinstance(value, int | float | str | bool | dict) else str(value)
    return out


# ---------------------------------------------------------------- export


def export_community(session: Session, slug: str, fmt: str, out: Path) -> int:
    community = repo.community_by_slug(session, slug)
    rows = [
        ExportRow(id=r.id, kind=r.kind, name=r.name, attrs=dict(r.attrs), geometry=r.geometry)
        for r in repo.elements_of(session, community.id)
    ]
    write_export(rows, out, fmt)
    return len(rows)


def delete_community(session: Session, slug: str, *, who: StaffIdentity | None) -> None:
    community = repo.community_by_slug(session, slug)
    require_staff(who, community.id, (Role.ADMIN,), action="community.delete")
    repo.delete_community(session, community)


# ---------------------------------------------------------------- map


@dataclass
class MapData:
    """What the map page draws, all WGS-84 lon/lat rounded to 1e-6° (≈ 0.1 m)."""

    slug: str
    name: str
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east))
    boundary: dict[str, Any] | None  # GeoJSON geometry
    layers: dict[str, dict[str, Any]]  # kind value -> FeatureCollection, in Kind order
    counts: dict[str, int]
    # car places per parking kind, counted as the options table counts 机动车位 (stall_count,
    # else a lot's capacity from its area in the metric CRS): the legend shows these
    places: dict[str, int] = field(default_factory=dict)


CAR_PARKING = (Kind.PARKING_STALL.value, Kind.PARKING_LOT.value)


def car_places(
    items: list[tuple[int | None, str, str | None, dict[str, Any], BaseGeometry]], epsg: int
) -> dict[str, int]:
    """Car places of each parking kind among ``items`` (WGS-84), as ``metrics.count_stalls``."""
    from cocreate_map.domain.metrics import count_stalls

    out: dict[str, int] = {}
    for kind in CAR_PARKING:
        elements = [
            PlanElement(Kind(kind), crs_io.to_metric(geom, epsg), attrs=attrs)
            for _id, k, _name, attrs, geom in items
            if k == kind
        ]
        if elements:
            out[kind] = count_stalls(elements)
    return out


def _round6(coords: np.ndarray) -> np.ndarray:
    return np.round(coords, 6)


def _layers(
    items: list[tuple[int | None, str, str | None, dict[str, Any], BaseGeometry]],
) -> dict[str, dict[str, Any]]:
    """One GeoJSON FeatureCollection per kind, in Kind order, coordinates rounded to 1e-6°."""
    import json

    by_kind: dict[str, list[tuple[int | None, str, str | None, dict[str, Any], BaseGeometry]]] = {}
    for item in items:
        by_kind.setdefault(item[1], []).append(item)
    layers: dict[str, dict[str, Any]] = {}
    for kind in Kind:
        members = by_kind.get(kind.value)
        if not members:
            continue
        geoms = shapely.transform(np.array([m[4] for m in members], dtype=object), _round6)
        texts = shapely.to_geojson(geoms)
        features = []
        for (eid, k, name, attrs, _), text in zip(members, texts, strict=True):
            feature: dict[str, Any] = {
                "type": "Feature",
                "geometry": json.loads(text),
                "properties": {"id": eid, "kind": k, "name": name, **attrs},
            }
            if eid is not None:
                feature["id"] = eid
            features.append(feature)
        layers[kind.value] = {"type": "FeatureCollection", "features": features}
    return layers


def _map_data(
    slug: str,
    name: str,
    boundary: BaseGeometry | None,
    items: list[tuple[int | None, str, str | None, dict[str, Any], BaseGeometry]],
    epsg: int | None = None,
) -> MapData:
    """``epsg`` (the community's metric CRS) adds the car places per parking kind."""
    import json

    layers = _layers(items)
    if boundary is not None:
        minx, miny, maxx, maxy = boundary.bounds
    elif items:
        minx, miny, maxx, maxy = shapely.total_bounds(np.array([i[4] for i in items]))
    else:
        minx, miny, maxx, maxy = 114.3, 30.5, 114.4, 30.6
    return MapData(
        slug=slug,
        name=name,
        bounds=((float(miny), float(minx)), (float(maxy), float(maxx))),
        boundary=json.loads(shapely.to_geojson(shapely.transform(boundary, _round6)))
        if boundary is not None
        else None,
        layers=layers,
        counts={k: len(v["features"]) for k, v in layers.items()},
        places=car_places(items, epsg) if epsg is not None else {},
    )


def map_data(session: Session, slug: str) -> MapData:
    community = repo.community_by_slug(session, slug)
    items = [
        (r.id, r.kind, r.name, dict(r.attrs), r.geometry)
        for r in repo.elements_of(session, community.id)
    ]
    epsg = community.metric_epsg if community.metric_epsg != 4326 else None
    return _map_data(community.slug, community.name, community.boundary, items, epsg)


@dataclass(frozen=True)
class MapVersion:
    """The community's data version (changes whenever an import changes its elements or its
    boundary) and its element counts per kind: what the map page needs before it decides
    whether the map must be read and built again."""

    slug: str
    version: str
    counts: dict[str, int]


def map_version(session: Session, slug: str) -> MapVersion:
    """Two small queries; no element is read."""
    import hashlib

    community = repo.community_by_slug(session, slug)
    stamp = repo.element_stamp(session, community.id)
    boundary = community.boundary.wkb_hex if community.boundary is not None else ""
    digest = hashlib.sha256(
        repr((community.id, community.slug, stamp, boundary)).encode("utf-8")
    ).hexdigest()[:16]
    counts = repo.element_counts(session, community.id).get(community.id, {})
    ordered = {k.value: counts[k.value] for k in Kind if k.value in counts}
    return MapVersion(slug=community.slug, version=digest, counts=ordered)


def preview_map_data(result: ReadResult, name: str) -> MapData:
    """MapData for an import preview: the file's features, nothing from the database."""
    items = [(None, f.kind.value, f.name, dict(f.attrs), f.geometry) for f in result.features]
    return _map_data("preview", name, None, items)
