"""Use cases of layout options (issue 4): create, duplicate, import, edit by drawing, metrics,
comparison, unit costs, exports and the three demo options.

Options are stored as change-sets (``storage.options_tables``) in WGS-84 like every geometry;
metrics load the base elements and the changes, reproject them to the community's metric CRS
(``io.crs``) and hand them to the pure domain (``domain.options.apply``,
``domain.metrics.compute_metrics``/``compare``). The caller owns the transaction.
"""

from __future__ import annotations

import json
import math
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import cocreate_map.storage.options_tables  # noqa: F401  (registers the tables on Base)
from cocreate_map.domain.elements import Kind, PlanElement, parse_kind
from cocreate_map.domain.layout import SNAP_TOLERANCE_M, Side, snap_line_ends, stall_row
from cocreate_map.domain.metrics import (
    RULES,
    Metrics,
    MetricsCache,
    MetricSettings,
    UnitCosts,
    Violation,
    compare,
    compute_metrics,
)
from cocreate_map.domain.options import ACTIONS, Change, LayoutOption, apply
from cocreate_map.errors import AlreadyExists, InvalidInput, NotFound
from cocreate_map.i18n import LANGS
from cocreate_map.io import crs as crs_io
from cocreate_map.io import json_text
from cocreate_map.io.geo_files import ReadOptions, read_geo_file
from cocreate_map.services.access import require_staff
from cocreate_map.services.audit import record
from cocreate_map.services.community import MapData, _map_data
from cocreate_map.services.imports import MANAGERS
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import BallotRow
from cocreate_map.storage.options_tables import OptionChangeRow, OptionRow
from cocreate_map.storage.tables import CommunityRow, CommunitySettingRow, ElementRow, utcnow

UNIT_COSTS_KEY = "unit_costs"
_AREA_TOL = 0.01  # m², as in domain.metrics
SPECIAL_RULE = "civil-code-special"  # domain.voting: art. 278 items (6)–(8), double 3/4
ORDINARY_RULE = "civil-code-ordinary"

# Keys of the metrics dict (``cocreate metrics --json``), documented in README "Layout metrics".
METRIC_KEYS = (
    "parking_stalls",
    "parking_stalls_estimated",
    "accessible_stalls_required",
    "accessible_stalls",
    "bike_places",
    "ebike_places",
    "community_area_m2",
    "green_area_m2",
    "green_ratio",
    "green_occupied_m2",
    "centralised_green_m2",
    "centralised_green_per_person_m2",
    "households",
    "persons",
    "demolished_count",
    "demolished_area_m2",
    "fire_lane_min_clear_width_m",
)


# ---------------------------------------------------------------- results


@dataclass
class OptionInfo:
    name: str
    description: str
    adds: int
    removes: int
    modifies: int
    updated_at: str

    @property
    def changes(self) -> int:
        return self.adds + self.removes + self.modifies


@dataclass
class OptionImportSummary:
    slug: str
    option: str
    created: bool
    adds: int
    removes: int
    modifies: int
    repairs: list[str] = field(default_factory=list)


@dataclass
class OptionMapData:
    """What the comparison page draws for one option: the applied plan plus what changed."""

    data: MapData
    added: dict[str, Any]  # FeatureCollection of added/modified elements (WGS-84)
    removed: dict[str, Any]  # FeatureCollection of removed base elements (WGS-84)


# ---------------------------------------------------------------- helpers


def _community(session: Session, slug: str) -> CommunityRow:
    return repo.community_by_slug(session, slug)


def _epsg(community: CommunityRow) -> int:
    if community.metric_epsg == 4326:
        raise InvalidInput(key="options.community_metric_crs_yet", slug=community.slug)
    return community.metric_epsg


def _find_option(session: Session, community: CommunityRow, name: str) -> OptionRow | None:
    return session.scalar(
        select(OptionRow).where(OptionRow.community_id == community.id, OptionRow.name == name)
    )


def _option(session: Session, community: CommunityRow, name: str) -> OptionRow:
    row = _find_option(session, community, name)
    if row is None:
        known = ", ".join(o.name for o in _option_rows(session, community)) or "none yet"
        raise NotFound(
            key="options.community_option_options_create",
            slug=community.slug,
            name=name,
            known=known,
        )
    return row


def _option_rows(session: Session, community: CommunityRow) -> Sequence[OptionRow]:
    return session.scalars(
        select(OptionRow).where(OptionRow.community_id == community.id).order_by(OptionRow.name)
    ).all()


def _check_name(name: str) -> str:
    clean = (name or "").strip()
    if not clean:
        raise InvalidInput(key="options.option_needs_name_e")
    if len(clean) > 200:
        raise InvalidInput(key="options.option_name_most_characters", n_clean=len(clean))
    return clean


def _to_metric_array(geoms: Sequence[BaseGeometry], epsg: int) -> list[BaseGeometry]:
    if not geoms:
        return []
    arr = np.array(list(geoms), dtype=object)
    return list(crs_io.transform_array(arr, crs_io.WGS84, f"EPSG:{epsg}"))


def _base_elements(session: Session, community: CommunityRow) -> list[PlanElement]:
    rows = repo.elements_of(session, community.id)
    metric = _to_metric_array([r.geometry for r in rows], _epsg(community))
    return [
        PlanElement(
            kind=Kind(r.kind),
            geometry=g,
            name=r.name,
            attrs=dict(r.attrs),
            id=r.id,
            source_id=r.source_id,
        )
        for r, g in zip(rows, metric, strict=True)
    ]


def _layout(row: OptionRow, epsg: int) -> LayoutOption:
    changes: list[Change] = []
    geoms = [c.geometry for c in row.changes if c.geometry is not None]
    metric = iter(_to_metric_array(geoms, epsg))
    for c in row.changes:
        element = None
        if c.geometry is not None:
            element = PlanElement(
                kind=Kind(c.kind), geometry=next(metric), name=c.name, attrs=dict(c.attrs)
            )
            if c.action == "remove":
                element = None
        changes.append(Change(c.action, element, c.ref_element_id))  # type: ignore[arg-type]
    return LayoutOption(row.name, changes)


def _touch(row: OptionRow) -> None:
    row.updated_at = utcnow()


def _info(row: OptionRow) -> OptionInfo:
    by_action = {a: 0 for a in ACTIONS}
    for c in row.changes:
        by_action[c.action] = by_action.get(c.action, 0) + 1
    return OptionInfo(
        name=row.name,
        description=row.description,
        adds=by_action["add"],
        removes=by_action["remove"],
        modifies=by_action["modify"],
        updated_at=row.updated_at.isoformat(timespec="microseconds"),
    )


def _add_change(
    row: OptionRow,
    action: str,
    kind: str,
    *,
    ref: int | None = None,
    name: str | None = None,
    attrs: Mapping[str, Any] | None = None,
    geometry: BaseGeometry | None = None,
) -> None:
    row.changes.append(
        OptionChangeRow(
            action=action,
            ref_element_id=ref,
            kind=kind,
            name=name,
            attrs=dict(attrs or {}),
            geometry=geometry,
        )
    )


def _round_lonlat(geom: BaseGeometry) -> list[float]:
    p = geom if geom.geom_type == "Point" else geom.representative_point()
    return [round(float(p.x), 6), round(float(p.y), 6)]


# ---------------------------------------------------------------- options CRUD


def _writable(session: Session, slug: str, who: StaffIdentity | None, action: str) -> CommunityRow:
    """The community, once ``who`` may change its options (admins and planners)."""
    community = _community(session, slug)
    require_staff(who, community.id, action=action)
    return community


def list_options(session: Session, slug: str) -> list[OptionInfo]:
    community = _community(session, slug)
    return [_info(r) for r in _option_rows(session, community)]


def create_option(
    session: Session,
    slug: str,
    name: str,
    description: str = "",
    *,
    duplicate_of: str | None = None,
    who: StaffIdentity | None,
) -> OptionInfo:
    """A new option: empty, or a copy of ``duplicate_of``'s changes (to edit further)."""
    community = _writable(session, slug, who, "option.create")
    name = _check_name(name)
    if _find_option(session, community, name) is not None:
        raise AlreadyExists(key="options.community_option_already_pick", slug=slug, name=name)
    source = _option(session, community, duplicate_of) if duplicate_of else None
    row = OptionRow(community_id=community.id, name=name, description=description.strip())
    session.add(row)
    if source is not None:
        if not row.description:
            row.description = source.description
        for c in source.changes:
            _add_change(
                row,
                c.action,
                c.kind,
                ref=c.ref_element_id,
                name=c.name,
                attrs=c.attrs,
                geometry=c.geometry,
            )
    session.flush()
    return _info(row)


def delete_option(session: Session, slug: str, name: str, *, who: StaffIdentity | None) -> None:
    community = _writable(session, slug, who, "option.delete")
    session.delete(_option(session, community, name))
    session.flush()


def _base_row(session: Session, community: CommunityRow, element_id: int) -> ElementRow:
    row = session.get(ElementRow, element_id)
    if row is None or row.community_id != community.id:
        raise NotFound(
            key="options.community_element_pick_element", slug=community.slug, element_id=element_id
        )
    return row


def remove_element(
    session: Session,
    slug: str,
    option_name: str,
    element_id: int,
    *,
    who: StaffIdentity | None,
) -> None:
    """Mark a base element as removed (demolished, given up) in an option."""
    community = _writable(session, slug, who, "option.edit")
    row = _option(session, community, option_name)
    base = _base_row(session, community, element_id)
    if any(c.ref_element_id == element_id for c in row.changes):
        raise InvalidInput(
            key="options.option_changes_element_already",
            option_name=option_name,
            element_id=element_id,
            value=base.name or base.kind,
        )
    _add_change(row, "remove", base.kind, ref=element_id, name=base.name, attrs=base.attrs)
    _touch(row)
    session.flush()


def undo_last_change(
    session: Session, slug: str, option_name: str, *, who: StaffIdentity | None
) -> bool:
    """Drop the option's most recent change; False if it had none."""
    community = _writable(session, slug, who, "option.edit")
    row = _option(session, community, option_name)
    if not row.changes:
        return False
    last = row.changes[-1]
    row.changes.remove(last)
    _touch(row)
    session.flush()
    return True


def add_element(
    session: Session,
    slug: str,
    option_name: str,
    kind: str,
    geometry_wgs84: BaseGeometry,
    name: str | None = None,
    attrs: Mapping[str, Any] | None = None,
    *,
    who: StaffIdentity | None,
) -> None:
    """Add a new element (checked in the metric CRS like an import) to an option."""
    community = _writable(session, slug, who, "option.edit")
    row = _option(session, community, option_name)
    k = parse_kind(kind)
    element = PlanElement(
        k, crs_io.to_metric(geometry_wgs84, _epsg(community)), name, dict(attrs or {})
    )
    _add_change(row, "add", k.value, name=name, attrs=element.attrs, geometry=geometry_wgs84)
    _touch(row)
    session.flush()


def add_stall_row(
    session: Session,
    slug: str,
    option_name: str,
    line_wgs84: BaseGeometry,
    count: int | None = None,
    *,
    side: Side = "left",
    name: str | None = None,
    settings: MetricSettings | None = None,
    who: StaffIdentity | None,
) -> int:
    """Place a row of perpendicular stalls (2.5 × 5.3 m by default) along a drawn line, on its
    left or right; ``count`` None fills the line. Returns the number of stalls added."""
    s = settings or MetricSettings()
    if line_wgs84.geom_type != "LineString":
        raise InvalidInput(key="options.stall_row_drawn_line", geom_type=line_wgs84.geom_type)
    community = _writable(session, slug, who, "option.edit")
    row = _option(session, community, option_name)
    epsg = _epsg(community)
    stalls = stall_row(
        crs_io.to_metric(line_wgs84, epsg),
        count,
        side=side,
        width_m=s.stall_width_m,
        depth_m=s.stall_depth_m,
    )
    label = name or "新增车位"
    for poly in stalls:
        _add_change(
            row,
            "add",
            Kind.PARKING_STALL.value,
            name=label,
            attrs={"stall_count": 1},
            geometry=crs_io.to_wgs84(poly, epsg),
        )
    _touch(row)
    session.flush()
    return len(stalls)


SNAP_KINDS = (Kind.ROAD, Kind.PARKING_LOT, Kind.PARKING_STALL)


def snap_row_line(
    session: Session,
    slug: str,
    option_name: str,
    line_wgs84: BaseGeometry,
    *,
    tolerance_m: float = SNAP_TOLERANCE_M,
) -> tuple[BaseGeometry, int]:
    """A drawn stall-row line with its end points moved onto the nearest road / parking lot /
    stall edge of the plan after the option, where one lies within ``tolerance_m`` (a corner
    first). Returns the (WGS-84) line and how many ends moved; 0 returns the line as drawn."""
    if line_wgs84.geom_type != "LineString":
        return line_wgs84, 0
    community = _community(session, slug)
    row = _option(session, community, option_name)
    epsg = _epsg(community)
    plan = apply(_base_elements(session, community), _layout(row, epsg))
    targets = [e.geometry for e in plan if e.kind in SNAP_KINDS]
    snapped, moved = snap_line_ends(crs_io.to_metric(line_wgs84, epsg), targets, tolerance_m)
    if not moved:
        return line_wgs84, 0
    return crs_io.to_wgs84(snapped, epsg), moved


def element_at(
    session: Session, slug: str, lon: float, lat: float, *, tolerance_m: float = 3.0
) -> tuple[int, str, str | None] | None:
    """The base element under a clicked point (smallest area first; points/lines within
    ``tolerance_m``), as (id, kind, name); the boundary is never picked."""
    community = _community(session, slug)
    epsg = _epsg(community)
    click = crs_io.to_metric(Point(lon, lat), epsg)
    best: tuple[float, float, ElementRow] | None = None
    rows = [r for r in repo.elements_of(session, community.id) if r.kind != Kind.BOUNDARY.value]
    for r, g in zip(rows, _to_metric_array([r.geometry for r in rows], epsg), strict=True):
        d = g.distance(click)
        if d > tolerance_m:
            continue
        key = (d if d > 0 else 0.0, float(g.area))
        if best is None or key < best[:2]:
            best = (key[0], key[1], r)
    if best is None:
        return None
    return best[2].id, best[2].kind, best[2].name


# ---------------------------------------------------------------- import / export


def _resolve_ref(
    value: Any, by_id: Mapping[int, ElementRow], by_source: Mapping[str, ElementRow], where: str
) -> ElementRow:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        raise InvalidInput(key="options.remove_modify_need_ref", where=where)
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text.isdigit() and int(text) in by_id:
        return by_id[int(text)]
    if text in by_source:
        return by_source[text]
    raise InvalidInput(key="options.ref_element_community_use", where=where, text=text)


def import_option(
    session: Session,
    path: Path,
    slug: str,
    option_name: str,
    options: ReadOptions | None = None,
    *,
    display_name: str | None = None,
    description: str = "",
    who: StaffIdentity | None,
) -> OptionImportSummary:
    """Import an option file (GeoJSON or any format ``read_geo_file`` reads): each feature has
    ``kind``, ``action`` (add | remove | modify) and, for remove/modify, ``ref`` = the base
    element's id (or its source id). Remove features may have a null geometry. All or nothing:
    the option is created (or its changes appended when it exists) only if every feature is valid.
    """
    label = display_name or path.name
    community = _writable(session, slug, who, "option.import")
    option_name = _check_name(option_name)
    epsg = _epsg(community)
    bases = repo.elements_of(session, community.id)
    by_id = {r.id: r for r in bases}
    by_source = {r.source_id: r for r in bases if r.source_id}
    pending: list[tuple[str, str, int | None, str | None, dict[str, Any], BaseGeometry | None]] = []
    repairs: list[str] = []

    features_path = path
    removes: list[dict[str, Any]] = []
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            doc = json_text.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(
                key="options.valid_geojson_check_file", label=label, inner=exc
            ) from None
        feats = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(feats, list):
            raise InvalidInput(
                key="options.expected_geojson_featurecollection_features", label=label
            )
        keep = []
        for i, f in enumerate(feats):
            props = dict((f or {}).get("properties") or {})
            if str(props.get("action", "")).strip().lower() == "remove":
                removes.append({"index": i + 1, **props})
            else:
                props.pop("id", None)  # option features are not base elements; never merged
                keep.append({**f, "properties": props, "id": None})
        tmp = tempfile.TemporaryDirectory(prefix="cocreate-option-")
        features_path = Path(tmp.name) / (Path(label).stem + ".geojson")
        features_path.write_text(
            json.dumps({**doc, "features": keep}, ensure_ascii=False), encoding="utf-8"
        )
    try:
        for props in removes:
            where = f"{label}, feature {props['index']}"
            base = _resolve_ref(props.get("ref"), by_id, by_source, where)
            pending.append(("remove", base.kind, base.id, base.name, dict(base.attrs), None))
        if not removes or features_path is not path:
            result = None
            has_features = True
            if features_path is not path:
                has_features = bool(json.loads(features_path.read_text("utf-8"))["features"])
            if has_features:
                result = read_geo_file(features_path, options or ReadOptions(), display_name=label)
            for i, feat in enumerate(result.features if result else []):
                attrs = dict(feat.attrs)
                action = str(attrs.pop("action", "add")).strip().lower() or "add"
                ref_value = attrs.pop("ref", None)
                where = f"{label}, feature {feat.source_id or i + 1}"
                if action not in ACTIONS:
                    raise InvalidInput(
                        key="options.action_add_remove_modify", where=where, action=action
                    )
                ref: int | None = None
                if action == "modify":
                    ref = _resolve_ref(ref_value, by_id, by_source, where).id
                elif ref_value not in (None, ""):
                    raise InvalidInput(key="options.added_feature_ref_drop", where=where)
                try:
                    element = PlanElement(
                        feat.kind, crs_io.to_metric(feat.geometry, epsg), feat.name, attrs
                    )
                except InvalidInput as exc:
                    raise type(exc)(key="options.error", where=where, inner=exc) from None
                pending.append(
                    (action, feat.kind.value, ref, feat.name, element.attrs, feat.geometry)
                )
            if result is not None:
                repairs = [str(r) for r in result.repairs]
    finally:
        if tmp is not None:
            tmp.cleanup()
    if not pending:
        raise InvalidInput(key="options.holds_changes_give_features", label=label)
    row = _find_option(session, community, option_name)
    created = row is None
    if row is None:
        row = OptionRow(community_id=community.id, name=option_name, description=description)
        session.add(row)
    for action, kind, ref, name, attrs, geom in pending:
        _add_change(row, action, kind, ref=ref, name=name, attrs=attrs, geometry=geom)
    _touch(row)
    session.flush()
    # Validate the whole change-set in the domain (double removals etc.) before returning.
    apply(_base_elements(session, community), _layout(row, epsg))
    counts = {a: sum(1 for p in pending if p[0] == a) for a in ACTIONS}
    return OptionImportSummary(
        slug=slug,
        option=option_name,
        created=created,
        adds=counts["add"],
        removes=counts["remove"],
        modifies=counts["modify"],
        repairs=repairs,
    )


def option_geojson(session: Session, slug: str, option_name: str) -> dict[str, Any]:
    """The option as a GeoJSON FeatureCollection that ``import_option`` reads back: one feature
    per change with kind, action, ref, name and attributes (removals carry the base geometry)."""
    community = _community(session, slug)
    row = _option(session, community, option_name)
    features = []
    for c in row.changes:
        geom = c.geometry
        ref_source = None
        if c.ref_element_id is not None:
            base = session.get(ElementRow, c.ref_element_id)
            if base is not None:
                ref_source = base.source_id
                if geom is None:
                    geom = base.geometry
        props: dict[str, Any] = {
            "kind": c.kind,
            "action": c.action,
            "ref": c.ref_element_id,
            "ref_source_id": ref_source,
            "name": c.name,
            **c.attrs,
        }
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None,
            }
        )
    return {
        "type": "FeatureCollection",
        "name": row.name,
        "description": row.description,
        "features": features,
    }


def export_option_geojson(session: Session, slug: str, option_name: str, out: Path) -> int:
    doc = option_geojson(session, slug, option_name)
    Path(out).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(doc["features"])


# ---------------------------------------------------------------- unit costs


def get_unit_costs(session: Session, slug: str) -> dict[str, float]:
    """The community's unit cost table (CNY): defaults (placeholders) overridden by saved values."""
    community = _community(session, slug)
    values = asdict(UnitCosts())
    row = session.scalar(
        select(CommunitySettingRow).where(
            CommunitySettingRow.community_id == community.id,
            CommunitySettingRow.key == UNIT_COSTS_KEY,
        )
    )
    if row is not None:
        values.update({k: float(v) for k, v in row.value.items() if k in values})
    return values


def set_unit_costs(
    session: Session, slug: str, values: Mapping[str, Any], *, who: StaffIdentity | None
) -> dict[str, float]:
    community = _writable(session, slug, who, "option.costs")
    known = {f.name for f in fields(UnitCosts)}
    clean: dict[str, float] = {}
    for key, value in values.items():
        if key not in known:
            raise InvalidInput(
                key="options.unknown_unit_cost_use", param=key, items=", ".join(sorted(known))
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(
                key="options.unit_cost_must_number", param=key, value=value
            ) from None
        if not math.isfinite(number) or number < 0:
            raise InvalidInput(key="options.unit_cost_must_cny", param=key, value=value)
        clean[key] = number
    row = session.scalar(
        select(CommunitySettingRow).where(
            CommunitySettingRow.community_id == community.id,
            CommunitySettingRow.key == UNIT_COSTS_KEY,
        )
    )
    if row is None:
        row = CommunitySettingRow(community_id=community.id, key=UNIT_COSTS_KEY, value={})
        session.add(row)
    row.value = {**row.value, **clean}
    session.flush()
    return get_unit_costs(session, slug)


# ---------------------------------------------------------------- metrics


def _settings(session: Session, slug: str) -> MetricSettings:
    return MetricSettings(costs=UnitCosts(**get_unit_costs(session, slug)))


def _texts(v: Violation) -> dict[str, str]:
    """A violation's text in every UI language (the page picks the reader's)."""
    return {lang: v.render(lang) for lang in LANGS}


def _metric_dict(m: Metrics, epsg: int) -> dict[str, Any]:
    def where(geom: BaseGeometry | None) -> list[float] | None:
        if geom is None or geom.is_empty:
            return None
        return _round_lonlat(crs_io.to_wgs84(geom, epsg))

    out: dict[str, Any] = {k: getattr(m, k) for k in METRIC_KEYS}
    for key in (
        "community_area_m2",
        "green_area_m2",
        "green_occupied_m2",
        "centralised_green_m2",
        "demolished_area_m2",
    ):
        out[key] = round(out[key], 2)
    out["green_ratio"] = round(m.green_ratio, 6)
    if out["fire_lane_min_clear_width_m"] is not None:
        out["fire_lane_min_clear_width_m"] = round(out["fire_lane_min_clear_width_m"], 2)
    if out["centralised_green_per_person_m2"] is not None:
        out["centralised_green_per_person_m2"] = round(out["centralised_green_per_person_m2"], 3)

    def section(geom: BaseGeometry | None) -> list[list[float]] | None:
        if geom is None or geom.is_empty:
            return None
        xy = shapely.get_coordinates(crs_io.to_wgs84(geom, epsg))
        return [[round(float(x), 7), round(float(y), 7)] for x, y in (xy[0], xy[-1])]

    out["fire_lane_min_location"] = where(m.fire_lane_min_location)
    out["fire_lane_min_section"] = section(m.fire_lane_min_section)
    out["fire_lane_narrowings"] = [
        {
            "clear_width_m": round(n.clear_width_m, 2),
            "location": where(n.location),
            "section": section(n.section),
        }
        for n in m.fire_lane_narrowings
    ]
    out["walk_coverage"] = {k: round(v, 4) for k, v in m.walk_coverage.items()}
    out["walk_fallback_buildings"] = list(m.walk_fallback_buildings)
    out["walk_method"] = "euclidean_fallback" if m.walk_fallback_buildings else "network"
    out["conflicts"] = [
        {"reason": c.reason, "element": c.element, "other": c.other, "location": where(c.location)}
        for c in m.conflicts
    ]
    out["cost_total"] = round(m.cost.total, 2)
    out["cost_by_category"] = {k: round(v, 2) for k, v in m.cost.by_category.items()}
    out["cost_lines"] = [
        {
            "item": c.item,
            "category": c.category,
            "quantity": round(c.quantity, 2),
            "unit_cost": c.unit_cost,
            "total": round(c.total, 2),
        }
        for c in m.cost.lines
    ]
    out["violations"] = [
        {
            "rule": v.rule,
            "severity": v.severity,
            "message": v.message,
            "text": _texts(v),
            "location": where(v.location),
        }
        for v in m.violations
    ]
    return out


def _boundary(community: CommunityRow, base: Sequence[PlanElement]) -> BaseGeometry | None:
    """None when the plan has boundary elements (the domain unions them), else the community's
    stored boundary (the hull computed at import) in the metric CRS."""
    if any(e.kind is Kind.BOUNDARY for e in base) or community.boundary is None:
        return None
    return crs_io.to_metric(community.boundary, _epsg(community))


@dataclass(frozen=True)
class _BasePlan:
    """A community's base plan at one data version: its elements in the metric CRS, its metrics
    and the cache of metric parts that every option of that version shares (an option recomputes
    only what its change-set touches, ``domain.metrics.MetricsCache``)."""

    bind: object  # the engine/connection it was read from (kept so its id() stays unique)
    elements: list[PlanElement]
    boundary: BaseGeometry | None
    settings: MetricSettings
    metrics: Metrics
    cache: MetricsCache


_BASE_PLANS: OrderedDict[tuple[object, ...], _BasePlan] = OrderedDict()
_BASE_PLANS_LOCK = threading.Lock()
_MAX_BASE_PLANS = 8  # communities × data versions kept per process


def _base_plan(session: Session, community: CommunityRow) -> _BasePlan:
    """The base plan of the community's current data version: read, reprojected and measured
    once, then reused until an import changes the elements or the boundary (the same stamp as
    ``services.community.map_version``) or the unit costs change."""
    epsg = _epsg(community)
    settings = _settings(session, community.slug)
    bind = session.get_bind()
    stamp = repo.element_stamp(session, community.id)
    outline = community.boundary.wkb if community.boundary is not None else b""
    key = (id(bind), community.id, stamp, outline, epsg, settings)
    with _BASE_PLANS_LOCK:
        found = _BASE_PLANS.get(key)
        if found is not None and found.bind is bind:
            _BASE_PLANS.move_to_end(key)
            return found
    base = _base_elements(session, community)
    area = _boundary(community, base)
    cache = MetricsCache()
    metrics = compute_metrics(base, area, settings=settings, base=base, cache=cache)
    plan = _BasePlan(bind, base, area, settings, metrics, cache)
    with _BASE_PLANS_LOCK:
        _BASE_PLANS[key] = plan
        while len(_BASE_PLANS) > _MAX_BASE_PLANS:
            _BASE_PLANS.popitem(last=False)
    return plan


def _option_metrics(plan: _BasePlan, row: OptionRow, epsg: int) -> Metrics:
    return compute_metrics(
        apply(plan.elements, _layout(row, epsg)),
        plan.boundary,
        settings=plan.settings,
        base=plan.elements,
        cache=plan.cache,
    )


def _compute(
    session: Session, community: CommunityRow, option_name: str | None
) -> tuple[Metrics, Metrics | None, int]:
    epsg = _epsg(community)
    plan = _base_plan(session, community)
    if option_name is None:
        return plan.metrics, None, epsg
    row = _option(session, community, option_name)
    return plan.metrics, _option_metrics(plan, row, epsg), epsg


def _result(
    community: CommunityRow, name: str | None, before: Metrics, after: Metrics | None, epsg: int
) -> dict[str, Any]:
    m = after or before
    out: dict[str, Any] = {"community": community.slug, "option": name, "metric_epsg": epsg}
    out.update(_metric_dict(m, epsg))
    cmp = compare(before, m)
    out["green_change_m2"] = round(m.green_area_m2 - before.green_area_m2, 2)
    out["changes"] = {
        k: {"before": c.before, "after": c.after, "delta": c.delta} for k, c in cmp.changes.items()
    }
    reasons = []
    if before.green_area_m2 - m.green_area_m2 > _AREA_TOL:
        reasons.append("green_loss")  # R14a: change of use of common parts, art. 278 (8)
    if m.ebike_places > before.ebike_places and after is not None:
        reasons.append("new_ebike_shed")  # DOMAIN §0.2: a shed on common land is a 3/4 item
    out["change_of_use"] = "green_loss" in reasons
    out["special_majority_reasons"] = reasons
    out["ballot_rule_default"] = SPECIAL_RULE if reasons else ORDINARY_RULE

    def brief(vs: Sequence[Violation]) -> list[dict[str, Any]]:
        return [{"rule": v.rule, "message": v.message, "text": _texts(v)} for v in vs]

    out["new_violations"] = brief(cmp.new_violations)
    out["resolved_violations"] = brief(cmp.resolved_violations)
    out["warnings"] = brief(cmp.warnings)
    out["rules"] = dict(RULES)
    return out


def option_metrics(session: Session, slug: str, option_name: str | None = None) -> dict[str, Any]:
    """Every metric of an option (or of today's plan when ``option_name`` is None) as a JSON-ready
    dict: the keys of ``METRIC_KEYS`` plus ``walk_coverage``, ``cost_total``,
    ``cost_by_category``, ``violations`` [{rule, severity, message, location [lon, lat]}],
    ``conflicts``, ``changes`` against today, ``change_of_use`` and ``ballot_rule_default``."""
    community = _community(session, slug)
    before, after, epsg = _compute(session, community, option_name)
    return _result(community, option_name, before, after, epsg)


def compare_options(session: Session, slug: str, names: Sequence[str]) -> dict[str, Any]:
    """Today's metrics and those of each named option (base computed once)."""
    community = _community(session, slug)
    if not names:
        raise InvalidInput(key="options.pick_least_one_option")
    epsg = _epsg(community)
    plan = _base_plan(session, community)
    before = plan.metrics
    out: dict[str, Any] = {"base": _result(community, None, before, None, epsg), "options": {}}
    for name in names:
        after = _option_metrics(plan, _option(session, community, name), epsg)
        out["options"][name] = _result(community, name, before, after, epsg)
    return out


# ---------------------------------------------------------------- map data


def option_map_data(session: Session, slug: str, option_name: str | None) -> OptionMapData:
    """MapData of the plan after the option (today's plan when None), plus added/removed layers."""
    community = _community(session, slug)
    rows = repo.elements_of(session, community.id)
    items = {r.id: (r.id, r.kind, r.name, dict(r.attrs), r.geometry) for r in rows}
    added: list[tuple[int | None, str, str | None, dict[str, Any], BaseGeometry]] = []
    removed: list[tuple[int | None, str, str | None, dict[str, Any], BaseGeometry]] = []
    if option_name is not None:
        row = _option(session, community, option_name)
        for c in row.changes:
            if c.action == "remove" and c.ref_element_id in items:
                removed.append(items.pop(c.ref_element_id))
            elif c.action == "modify" and c.ref_element_id in items and c.geometry is not None:
                items[c.ref_element_id] = (c.ref_element_id, c.kind, c.name, c.attrs, c.geometry)
                added.append(items[c.ref_element_id])
            elif c.action == "add" and c.geometry is not None:
                added.append((None, c.kind, c.name, dict(c.attrs), c.geometry))
    plan = list(items.values()) + [a for a in added if a[0] is None]
    data = _map_data(community.slug, community.name, community.boundary, plan, _epsg(community))

    def collection(
        group: list[tuple[int | None, str, str | None, dict[str, Any], BaseGeometry]],
    ) -> dict[str, Any]:
        feats = []
        for layer in _map_data(community.slug, "", None, group).layers.values():
            feats.extend(layer["features"])
        return {"type": "FeatureCollection", "features": feats}

    return OptionMapData(data=data, added=collection(added), removed=collection(removed))


def sheet_layers(
    session: Session, slug: str, names: Sequence[str]
) -> tuple[BaseGeometry | None, dict[str, list[tuple[str, BaseGeometry, str]]]]:
    """Metric geometries for static maps: boundary and, per option, (kind, geometry, state) with
    state "same", "added" or "removed"."""
    community = _community(session, slug)
    epsg = _epsg(community)
    boundary = crs_io.to_metric(community.boundary, epsg) if community.boundary else None
    out: dict[str, list[tuple[str, BaseGeometry, str]]] = {}
    for name in names:
        od = option_map_data(session, slug, name)
        layers: list[tuple[str, BaseGeometry, str]] = []
        for kind, fc in od.data.layers.items():
            for f in fc["features"]:
                layers.append((kind, shape(f["geometry"]), "same"))
        for state, fc in (("removed", od.removed), ("added", od.added)):
            for f in fc["features"]:
                layers.append((f["properties"]["kind"], shape(f["geometry"]), state))
        metric = _to_metric_array([g for _, g, _ in layers], epsg)
        out[name] = [(k, g, s) for (k, _, s), g in zip(layers, metric, strict=True)]
    return boundary, out


def comparison_sheet(session: Session, slug: str, names: Sequence[str], out: Path) -> Path:
    """Write the one-page A4 PDF comparison sheet of 1–3 options for the notice board."""
    from cocreate_map.io.reports_options import SheetOption, write_comparison_sheet

    if not 1 <= len(names) <= 3:
        raise InvalidInput(key="options.comparison_sheet_shows_options", n_names=len(names))
    community = _community(session, slug)
    cmp = compare_options(session, slug, names)
    boundary, layers = sheet_layers(session, slug, names)
    infos = {i.name: i for i in list_options(session, slug)}
    write_comparison_sheet(
        Path(out),
        community_name=community.name,
        boundary=boundary,
        base=cmp["base"],
        options=[SheetOption(n, infos[n].description, cmp["options"][n], layers[n]) for n in names],
    )
    return Path(out)


def option_count(session: Session, slug: str) -> int:
    community = _community(session, slug)
    return (
        session.scalar(
            select(func.count())
            .select_from(OptionRow)
            .where(OptionRow.community_id == community.id)
        )
        or 0
    )


# ---------------------------------------------------------------- delete when no open ballot uses it


def delete_unused_option(
    session: Session, slug: str, name: str, *, who: StaffIdentity | None
) -> None:
    """Delete a layout option that no open ballot decides on; audit-logged."""
    community = repo.community_by_slug(session, slug)
    staff = require_staff(who, community.id, MANAGERS, action="option.delete")
    open_ballots = [
        b
        for b in session.scalars(
            select(BallotRow).where(
                BallotRow.community_id == community.id, BallotRow.closed_at.is_(None)
            )
        ).all()
        if name in (b.options or [])
    ]
    if open_ballots:
        raise InvalidInput(
            key="imports.option_in_open_ballot",
            name=name,
            ballots=", ".join(f"#{b.id} {b.title}" for b in open_ballots),
        )
    delete_option(session, slug, name, who=staff)
    record(session, community.id, staff.username, "option.delete", {"name": name})
