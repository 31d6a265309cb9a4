"""Read planning features from GIS/CAD files and write exports — the API the services call.

:func:`read_geo_file` returns WGS-84, 2-D, valid geometries with a :class:`Kind` each, the list
of every repair made and human-readable notes; it raises a ``CocreateError`` with a one-line
message (what was wrong, what to pass) and never half-imports.

Kind resolution, first match wins: ``options.kind`` > ``options.kind_field`` >
``options.layer_map[layer]`` > a ``kind`` property holding a Kind value (our own exports; not in
Tilezen/OSM layers) > OSM/Tilezen tags > the built-in CAD layer table (DXF) > ``other``.

Choices made for OSM/Tilezen data (see the Shanghai and Wuhan samples):

* ``landuse=residential`` areas become ``other`` with ``landuse=residential``, not ``boundary``: a
  community has exactly one boundary, which a planner picks (``--kind boundary`` on a file holding
  it, or a layer map); a city extract holds dozens of residential areas.
* Tilezen ``building_part`` features become ``other`` (``osm_kind=building_part``): every one lies
  inside a building outline, so counting them as buildings would count floors and households twice.
* Tilezen label points (``label_placement``, or a point sharing the id of a polygon/line) and
  ``address`` points are skipped with a note; they are labels, not plan elements.
* A kind found from tags or a layer whose geometry family it does not accept (a point
  ``parking``, a ``tree_row`` line) falls back to ``other`` with a note; an explicit kind
  (``--kind``, ``--kind-field``, a ``kind`` property) that does not fit refuses the file, naming
  the feature.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from cocreate_map import config
from cocreate_map.domain.elements import (
    KIND_ATTRS,
    KIND_GEOMETRIES,
    FacilityType,
    Kind,
    geometry_family,
    normalize_attrs,
    parse_kind,
)
from cocreate_map.domain.geometry import Repair, repair
from cocreate_map.errors import CrsError, InvalidGeometry, InvalidInput, TooLarge
from cocreate_map.io import crs as crs_mod
from cocreate_map.io import dxf, formats, json_text
from cocreate_map.io.china_coords import CoordSystem, convert_geometry
from cocreate_map.io.limits import heavy_job

OUTLIER_MIN_KM = 5.0
_KIND_VALUES = {k.value for k in Kind}
# Kinds a person or our own export stated: a geometry they do not accept refuses the file.
_EXPLICIT = {"option", "field", "property"}


@dataclass
class ReadOptions:
    kind: Kind | None = None
    kind_field: str | None = None
    layer_map: dict[str, Kind] | None = None
    crs: str | None = None
    coords: CoordSystem = "wgs84"
    encoding: str | None = None
    drop_outliers: bool = False


@dataclass
class ImportedFeature:
    kind: Kind
    geometry: BaseGeometry
    name: str | None
    attrs: dict[str, Any]
    source_id: str | None
    layer: str | None


@dataclass
class ReadResult:
    features: list[ImportedFeature]
    repairs: list[Repair]
    notes: list[str]
    source_crs: str


@dataclass
class ExportRow:
    id: int
    kind: str
    name: str | None
    attrs: dict[str, Any]
    geometry: BaseGeometry


# ---------------------------------------------------------------------------------------------
# OSM / Tilezen tags → kind

_GREEN = {
    "grass", "park", "garden", "village_green", "recreation_ground", "forest", "wood",
    "natural_wood", "scrub", "meadow", "grassland", "flowerbed", "nature_reserve", "heath",
}  # fmt: skip
_FOOT = {"footway", "path", "pedestrian", "steps", "cycleway", "corridor", "bridleway", "pier"}
_ROAD = {
    "service", "residential", "living_street", "unclassified", "tertiary", "secondary",
    "primary", "trunk", "motorway", "track", "road", "tertiary_link", "secondary_link",
    "primary_link", "trunk_link", "motorway_link",
}  # fmt: skip
_TILEZEN_ROAD = {"major_road", "minor_road", "highway"}
_FACILITY_TAGS: dict[str, str] = {
    "toilets": FacilityType.OTHER.value,
    "waste_basket": FacilityType.WASTE_POINT.value,
    "waste_disposal": FacilityType.WASTE_POINT.value,
    "recycling": FacilityType.WASTE_POINT.value,
    "bench": FacilityType.SEATING.value,
    "street_lamp": FacilityType.LIGHTING.value,
    "playground": FacilityType.PLAYGROUND.value,
    "fitness_station": FacilityType.FITNESS.value,
    "fitness": FacilityType.FITNESS.value,
    "kindergarten": FacilityType.KINDERGARTEN.value,
    "childcare": FacilityType.KINDERGARTEN.value,
    "clinic": FacilityType.CLINIC.value,
    "doctors": FacilityType.CLINIC.value,
    "social_facility": FacilityType.ELDERLY_CARE.value,
    "nursing_home": FacilityType.ELDERLY_CARE.value,
    "community_centre": FacilityType.ACTIVITY_ROOM.value,
    "convenience": FacilityType.SHOP.value,
    "supermarket": FacilityType.SHOP.value,
    "greengrocer": FacilityType.SHOP.value,
    "marketplace": FacilityType.SHOP.value,
    "gate": FacilityType.GATE.value,
}
_TILEZEN_MARKERS = {"min_zoom", "sort_rank", "_pieces"}
_OSM_MARKERS = {"osm_id", "building", "highway", "landuse", "amenity", "leisure", "natural"}
_OSM_KEEP = {
    "name:en": "name_en",
    "addr_street": "addr_street",
    "addr_housenumber": "addr_housenumber",
    "addr:street": "addr_street",
    "addr:housenumber": "addr_housenumber",
    "surface": "surface",
    "oneway": "oneway",
}
_NAME_FIELDS = ("name:zh", "name_zh", "name", "Name", "NAME", "名称", "MC", "mc")
_ID_FIELDS = ("id", "osm_id", "ID", "fid", "FID", "OBJECTID", "EntityHandle")
_ATTR_ALIASES: dict[str, tuple[str, ...]] = {
    "floors": ("floors", "building:levels", "levels", "层数", "楼层数", "storeys"),
    "households": ("households", "户数"),
    "height_m": ("height_m", "height", "高度"),
    "width_m": ("width_m", "width", "宽度"),
    "stall_count": ("stall_count", "capacity", "车位数"),
}


def _truthy(value: Any) -> bool:
    return (
        value is not None
        and not _missing(value)
        and str(value).lower() not in ("no", "0", "false", "")
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _tag_kind(props: dict[str, Any], tilezen: bool) -> tuple[Kind, dict[str, Any]] | None:
    """Kind from OSM tags or Tilezen ``kind``/``kind_detail``; None when nothing says."""
    extra: dict[str, Any] = {}
    if tilezen:
        tk = str(props.get("kind") or "")
        detail = str(props.get("kind_detail") or "")
        if tk:
            extra["osm_kind"] = tk
        if detail:
            extra["osm_kind_detail"] = detail
        if tk == "building":
            return Kind.BUILDING, extra
        if tk in _GREEN:
            return Kind.GREEN_BELT, extra
        if tk == "parking":
            return Kind.PARKING_LOT, extra
        if tk == "bicycle_parking":
            return Kind.BIKE_PARKING, extra
        if tk == "residential":
            return Kind.OTHER, {**extra, "landuse": "residential"}
        if tk in ("pedestrian", "footway") or (tk == "path" and detail in _FOOT | {""}):
            return Kind.FOOTPATH, extra
        if tk in _TILEZEN_ROAD:
            return Kind.ROAD, extra
        if tk in _FACILITY_TAGS:
            return Kind.FACILITY, {**extra, "facility_type": _FACILITY_TAGS[tk]}
        return (Kind.OTHER, extra) if tk else None
    if _truthy(props.get("building")):
        return Kind.BUILDING, extra
    highway = str(props.get("highway") or "")
    if highway in _FOOT:
        return Kind.FOOTPATH, {"highway": highway}
    if highway in _ROAD:
        return Kind.ROAD, {"highway": highway}
    amenity = str(props.get("amenity") or "")
    if amenity == "parking":
        return Kind.PARKING_LOT, extra
    if amenity == "bicycle_parking":
        return Kind.BIKE_PARKING, extra
    for key in ("landuse", "leisure", "natural"):
        value = str(props.get(key) or "")
        if value in _GREEN:
            return Kind.GREEN_BELT, {key: value}
        if key == "landuse" and value == "residential":
            return Kind.OTHER, {"landuse": "residential"}
    for key in ("amenity", "leisure", "shop"):
        value = str(props.get(key) or "")
        if value in _FACILITY_TAGS:
            return Kind.FACILITY, {"facility_type": _FACILITY_TAGS[value]}
    return None


# ---------------------------------------------------------------------------------------------
# Reading


class _Context:
    def __init__(self, display: str, options: ReadOptions) -> None:
        self.display = display
        self.options = options
        self.notes: list[str] = []
        self.repairs: list[Repair] = []
        self.counts: Counter[str] = Counter()


def _props(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    return {c: row[c] for c in columns if not _missing(row[c])}


def _source_id(props: dict[str, Any]) -> str | None:
    for key in _ID_FIELDS:
        if key in props and not _missing(props[key]):
            value = props[key]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value)
    return None


def _name(props: dict[str, Any]) -> str | None:
    for key in _NAME_FIELDS:
        value = props.get(key)
        if not _missing(value) and str(value).strip():
            return str(value).strip()
    return None


def _label(ctx: _Context, layer: str | None, source_id: str | None, index: int) -> str:
    where = f" layer {layer!r}" if layer else ""
    ident = f"id {source_id}" if source_id is not None else f"#{index + 1}"
    return f"{ctx.display}{where} feature {ident}"


def _closed_lines_to_polygon(geom: BaseGeometry) -> BaseGeometry | None:
    parts = shapely.get_parts(geom)
    polys = []
    for part in parts:
        coords = np.asarray(part.coords)
        if len(coords) < 4 or not np.allclose(coords[0], coords[-1]):
            return None
        polys.append(Polygon(coords))
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _degenerate(geom: BaseGeometry | None) -> bool:
    """Nothing to draw: missing, empty, a line of zero length or a polygon of zero area (after
    repair) — what a CAD drawing holds by the dozen (a double click, a collapsed hatch)."""
    if geom is None or geom.is_empty:
        return True
    family = geometry_family(geom)
    if family == "line":
        return bool(shapely.force_2d(geom).length == 0)
    if family == "polygon":
        flat = shapely.force_2d(geom)
        if not flat.is_valid:
            flat = shapely.make_valid(flat)
        return bool(flat.area == 0)
    return False


def _split_collection(geom: BaseGeometry) -> list[BaseGeometry]:
    """One geometry per family out of a GeometryCollection (CAD blocks, some KML)."""
    parts = [shapely.force_2d(p) for p in shapely.get_parts(geom) if not p.is_empty]
    out = []
    for family, cls in (
        ("polygon", shapely.multipolygons),
        ("line", shapely.multilinestrings),
        ("point", shapely.multipoints),
    ):
        mine = [p for p in parts if geometry_family(p) == family]
        if mine:
            out.append(mine[0] if len(mine) == 1 else cls(mine))
    return out


def _attrs_for(kind: Kind, props: dict[str, Any], keep_all: bool, skip: set[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if keep_all:
        attrs = {k: v for k, v in props.items() if k not in skip}
    for canonical, aliases in _ATTR_ALIASES.items():
        if canonical not in KIND_ATTRS.get(kind, ()):
            continue
        for alias in aliases:
            if alias in props and not _missing(props[alias]):
                attrs.pop(alias, None)
                attrs.setdefault(canonical, props[alias])
                break
    return attrs


def _is_tilezen(columns: list[str], frame: Any) -> bool:
    if _TILEZEN_MARKERS & set(columns):
        return True
    if "source" in columns and "kind" in columns:
        return bool((frame["source"].astype(str) == "openstreetmap.org").any())
    return False


def _read_layer(
    ctx: _Context,
    raw: formats.RawLayer,
    geoms: np.ndarray,
    keep_mask: np.ndarray,
) -> list[ImportedFeature]:
    opts = ctx.options
    frame = raw.frame
    geom_col = frame.geometry.name
    columns = [c for c in frame.columns if c != geom_col]
    tilezen = raw.dialect == "gis" and _is_tilezen(columns, frame)
    osm = raw.dialect == "gis" and not tilezen and bool(_OSM_MARKERS & set(columns))
    if opts.kind_field and opts.kind_field not in columns:
        have = ", ".join(columns[:15]) or "none"
        raise InvalidInput(
            key="geo_files.kind_field_property_file",
            display=ctx.display,
            kind_field=opts.kind_field,
            have=have,
        )
    records = frame[columns].to_dict("records")
    props_list = [_props(r, columns) for r in records]
    for props in props_list:
        for key in raw.int_fields & props.keys():
            if isinstance(props[key], float) and props[key].is_integer():
                props[key] = int(props[key])
    ids = [_source_id(p) for p in props_list]

    # Label points: a point sharing its id with a line/polygon, or marked as a label.
    non_point_ids = {
        ids[i] for i in range(len(geoms))
        if keep_mask[i] and geoms[i] is not None and geometry_family(geoms[i]) != "point"
    }  # fmt: skip

    skip_cols = {"id", "kind", "name", opts.kind_field or "", geom_col} | set(_NAME_FIELDS)
    if raw.dialect == "dxf":
        skip_cols |= dxf.DXF_SYSTEM_COLUMNS
    out: list[ImportedFeature] = []
    seen: dict[tuple[str, str], int] = {}
    for i, props in enumerate(props_list):
        if not keep_mask[i]:
            continue
        geom = geoms[i]
        layer = raw.name
        if raw.dialect == "dxf":
            layer = str(props.get("Layer") or "") or None
        source_id = ids[i]
        label = _label(ctx, layer, source_id, i)
        is_point = geom is not None and not geom.is_empty and geometry_family(geom) == "point"
        if tilezen and is_point:
            if _truthy(props.get("label_placement")) or (
                source_id is not None and source_id in non_point_ids
            ):
                ctx.counts["label"] += 1
                continue
            if props.get("kind") == "address":
                ctx.counts["address"] += 1
                continue
        if raw.dialect == "dxf" and is_point and _truthy(props.get("Text")):
            ctx.counts["dxf_text"] += 1
            continue

        kind, source, extra = _resolve_kind(ctx, props, layer, raw.dialect, tilezen, osm, label)
        if tilezen and source == "tags" and props.get("kind") == "building_part":
            kind, source, extra = Kind.OTHER, "tags", {"osm_kind": "building_part"}
            ctx.counts["building_part"] += 1

        pieces = [geom]
        if geom is not None and geom.geom_type == "GeometryCollection" and not geom.is_empty:
            pieces = _split_collection(geom)
            ctx.counts["collection"] += 1
        for piece_no, piece in enumerate(pieces):
            piece_label = label if len(pieces) == 1 else f"{label} part {piece_no + 1}"
            if raw.dialect == "dxf" and _degenerate(piece):
                ctx.counts["dxf_degenerate"] += 1  # a CAD slip (a zero-length line), not a plan
                continue
            fixed, repairs = repair(piece, piece_label)
            ctx.repairs.extend(repairs)
            feature_kind = kind
            family = geometry_family(fixed)
            if (
                family not in KIND_GEOMETRIES[kind]
                and family == "line"
                and "polygon" in KIND_GEOMETRIES[kind]
            ):
                poly = _closed_lines_to_polygon(fixed)
                if poly is not None:
                    fixed, more = repair(poly, piece_label)
                    ctx.repairs.extend(more)
                    family = "polygon"
                    ctx.counts["ring_to_polygon"] += 1
            if family not in KIND_GEOMETRIES[kind]:
                allowed = " or ".join(sorted(KIND_GEOMETRIES[kind]))
                if source in _EXPLICIT:
                    raise InvalidGeometry(
                        key="geo_files.must_geometry_give_another",
                        piece_label=piece_label,
                        kind=kind.value,
                        allowed=allowed,
                        geom_type=fixed.geom_type,
                    )
                ctx.counts[f"fallback:{kind.value}:{fixed.geom_type}"] += 1
                feature_kind = Kind.OTHER
            attrs = _attrs_for(
                feature_kind, props, keep_all=not tilezen or source == "property", skip=skip_cols
            )
            if tilezen and source != "property":
                for src, dst in _OSM_KEEP.items():
                    if src in props:
                        attrs.setdefault(dst, props[src])
            attrs.update({k: v for k, v in extra.items() if k not in attrs or k == "facility_type"})
            if (
                feature_kind is Kind.BUILDING
                and source == "tags"
                and "height_m" in attrs
                and "floors" not in attrs
            ):
                try:
                    attrs["floors"] = max(1, round(float(attrs["height_m"]) / 3))
                    ctx.counts["floors_from_height"] += 1
                except (TypeError, ValueError):
                    pass
            try:
                attrs = normalize_attrs(feature_kind, attrs)
            except InvalidInput as exc:
                raise InvalidInput(
                    key="geo_files.error_2", piece_label=piece_label, inner=exc
                ) from None
            feature = ImportedFeature(
                kind=feature_kind,
                geometry=fixed,
                name=_name(props),
                attrs=attrs,
                source_id=source_id,
                layer=layer,
            )
            if source_id is not None and len(pieces) == 1:
                key = (layer or "", source_id)
                if key in seen:
                    first = out[seen[key]]
                    if geometry_family(first.geometry) == family and first.kind == feature_kind:
                        if not first.geometry.equals(fixed):
                            first.geometry, more = repair(
                                shapely.union(first.geometry, fixed), label
                            )
                            ctx.repairs.extend(more)
                            ctx.counts["dup_merged"] += 1
                        else:
                            ctx.counts["dup_dropped"] += 1
                        for k, v in attrs.items():
                            first.attrs.setdefault(k, v)
                        continue
                    ctx.counts["dup_kept"] += 1
                else:
                    seen[key] = len(out)
            out.append(feature)
    return out


def _resolve_kind(
    ctx: _Context,
    props: dict[str, Any],
    layer: str | None,
    dialect: str,
    tilezen: bool,
    osm: bool,
    label: str,
) -> tuple[Kind, str, dict[str, Any]]:
    """(kind, where it came from, extra attrs); explicit kinds refuse geometry they do not accept."""
    opts = ctx.options
    if opts.kind is not None:
        return opts.kind, "option", {}
    if opts.kind_field:
        value = props.get(opts.kind_field)
        if _missing(value) or not str(value).strip():
            raise InvalidInput(
                key="geo_files.kind_field_empty_give",
                label=label,
                kind_field=opts.kind_field,
                items=", ".join(k.value for k in Kind),
            )
        try:
            return parse_kind(str(value)), "field", {}
        except InvalidInput as exc:
            raise InvalidInput(key="geo_files.error", label=label, inner=exc) from None
    if opts.layer_map and layer is not None and layer in opts.layer_map:
        return opts.layer_map[layer], "layer_map", {}
    if not tilezen:
        value = props.get("kind")
        if isinstance(value, str) and value.strip().lower() in _KIND_VALUES:
            return Kind(value.strip().lower()), "property", {}
    if tilezen or osm:
        found = _tag_kind(props, tilezen)
        if found is not None:
            return found[0], "tags", found[1]
    if dialect == "dxf":
        builtin = dxf.layer_kind(layer)
        if builtin is not None:
            return builtin[0], "cad", builtin[1]
    return Kind.OTHER, "fallback", {}


def _median_point(geoms: np.ndarray) -> tuple[float, float]:
    """The median of the features' centres: where the bulk of the data is (outliers aside)."""
    centres = shapely.centroid(geoms)
    return float(np.nanmedian(shapely.get_x(centres))), float(np.nanmedian(shapely.get_y(centres)))


def _find_outliers(geoms: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, float]:
    """Features far from the rest: > max(5 km, 10 × the 75th-percentile distance) from the median."""
    idx = np.flatnonzero(mask)
    if len(idx) < 5:
        return np.zeros(len(geoms), dtype=bool), 0.0
    centres = shapely.centroid(geoms[idx])
    x, y = shapely.get_x(centres), shapely.get_y(centres)
    mx, my = np.nanmedian(x), np.nanmedian(y)
    kx = 111.32 * math.cos(math.radians(my))
    dist = np.hypot((x - mx) * kx, (y - my) * 110.57)
    threshold = max(OUTLIER_MIN_KM, 10 * float(np.nanpercentile(dist, 75)))
    far = np.zeros(len(geoms), dtype=bool)
    far[idx] = dist > threshold
    return far, float(np.nanmin(dist[dist > threshold])) if far.any() else 0.0


_POSITION = re.compile(rb"\[\s*-?[0-9][0-9.eE+-]*\s*,\s*-?[0-9]")


def _geojson_positions(path: Path) -> int:
    """The coordinate positions a GeoJSON text holds (``[`` then two numbers), without parsing."""
    return sum(1 for _ in _POSITION.finditer(path.read_bytes()))


def check_vertices(geoms: np.ndarray, display: str) -> None:
    """Refuse shapes with more vertices than the settings allow, before any repair, reprojection
    or map (a 1 M-vertex polygon was accepted and each map view then took 72 s)."""
    counts = shapely.get_num_coordinates(geoms)
    per_feature = config.get("max_feature_vertices")
    if len(counts) and int(counts.max()) > per_feature:
        i = int(counts.argmax())
        raise TooLarge(
            key="geo_files.feature_too_many_vertices",
            display=display,
            n=i + 1,
            count=int(counts[i]),
            limit=per_feature,
        )
    total, limit = int(counts.sum()), config.get("max_vertices")
    if total > limit:
        raise TooLarge(key="geo_files.too_many_vertices", display=display, total=total, limit=limit)


def read_geo_file(
    path: Path, options: ReadOptions | None = None, *, display_name: str | None = None
) -> ReadResult:
    """Read a GeoJSON/GeoPackage/Shapefile/zip/KML/DXF/CSV file into WGS-84 plan features; at
    most ``COCREATE_MAX_HEAVY_JOBS`` at once in this process (:mod:`cocreate_map.io.limits`)."""
    with heavy_job(display_name or Path(path).name):
        return _read_geo_file(path, options, display_name=display_name)


def _read_geo_file(
    path: Path, options: ReadOptions | None = None, *, display_name: str | None = None
) -> ReadResult:
    options = options or ReadOptions()
    path = Path(path)
    display = display_name or path.name
    if not path.is_file():
        raise InvalidInput(key="geo_files.such_file", display=display)
    fmt = formats.format_for_path(path, display)
    limit_mb = config.get("max_upload_mb")
    size = formats.input_size(path)
    if size > limit_mb * 1024 * 1024:
        raise TooLarge(
            key="geo_files.mb_above_limit_mb",
            display=display,
            size=size / 1024 / 1024,
            limit_mb=limit_mb,
        )
    if fmt.name == "geojson":
        # GDAL parses a GeoJSON whole (a 1 M-vertex polygon: ~10 s, +400 MB) before anything can
        # be counted; its positions ("[x, y") are counted in the text first
        total, limit = _geojson_positions(path), config.get("max_vertices")
        if total > limit:
            raise TooLarge(
                key="geo_files.too_many_vertices", display=display, total=total, limit=limit
            )
    raw = fmt.reader(path, options.encoding, display)
    ctx = _Context(display, options)
    ctx.notes.extend(raw.notes)

    total = sum(len(layer.frame) for layer in raw.layers)
    max_features = config.get("max_features")
    if total > max_features:
        raise TooLarge(
            key="geo_files.holds_features_above_limit",
            display=display,
            total=total,
            max_features=max_features,
        )
    if total == 0:
        raise InvalidInput(key="geo_files.contains_features_check_you", display=display)
    for layer in raw.layers:
        check_vertices(np.asarray(layer.frame.geometry.values, dtype=object), display)

    # CRS: one per layer, all brought to WGS-84 lon/lat (then GCJ-02/BD-09 → WGS-84 if asked).
    override = crs_mod.parse_crs(options.crs) if options.crs else None
    labels: set[str] = set()
    layer_geoms: list[np.ndarray] = []
    for layer in raw.layers:
        geoms = np.asarray(layer.frame.geometry.values, dtype=object)
        present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
        if present.any():
            geoms = geoms.copy()
            geoms[present] = shapely.force_2d(geoms[present])
            bounds = tuple(float(v) for v in shapely.total_bounds(geoms[present]))
        else:
            bounds = (0.0, 0.0, 0.0, 0.0)
        what = display if len(raw.layers) == 1 else f"{display} layer {layer.name!r}"
        if override is not None:
            source = override
            labels.add(f"{crs_mod.crs_label(source)} (given)")
        elif layer.crs is not None:
            source = crs_mod.parse_crs(layer.crs)
            labels.add(crs_mod.crs_label(source))
        elif fmt.name == "dxf":
            raise CrsError(key="geo_files.dxf_files_carry_crs")
        else:
            raise crs_mod.missing_crs_error(bounds, what)
        if present.any():
            crs_mod.check_plausible(source, bounds, what)
            crs_mod.check_area_of_use(source, _median_point(geoms[present]), what)
            source_text = source.to_wkt()
            if not source.equals("EPSG:4326", ignore_axis_order=True):
                geoms[present] = crs_mod.transform_array(geoms[present], source_text, "EPSG:4326")
            if options.coords != "wgs84":
                geoms[present] = [
                    convert_geometry(g, options.coords, "wgs84") for g in geoms[present]
                ]
            after = tuple(float(v) for v in shapely.total_bounds(geoms[present]))
            crs_mod.check_wgs84_result(after, what, crs_mod.crs_label(source))
        layer_geoms.append(geoms)
    if options.coords != "wgs84":
        ctx.notes.append(f"coordinates converted from {options.coords} to WGS-84")

    # Outliers over all layers together.
    all_geoms = np.concatenate(layer_geoms)
    present_all = np.array([g is not None and not g.is_empty for g in all_geoms], dtype=bool)
    far, nearest_km = _find_outliers(all_geoms, present_all)
    if far.any():
        n = int(far.sum())
        if not options.drop_outliers:
            raise InvalidInput(
                key="geo_files.features_lie_km_more", display=display, n=n, nearest_km=nearest_km
            )
        ctx.notes.append(
            f"{n} features {nearest_km:.0f} km or more away from the rest left out (--drop-outliers)"
        )

    features: list[ImportedFeature] = []
    offset = 0
    for layer, geoms in zip(raw.layers, layer_geoms, strict=True):
        keep = ~far[offset : offset + len(geoms)]
        offset += len(geoms)
        features.extend(_read_layer(ctx, layer, geoms, keep))

    _summarise(ctx)
    if not features:
        raise InvalidInput(
            key="geo_files.nothing_left_import", display=display, items="; ".join(ctx.notes)
        )
    source_crs = ", ".join(sorted(labels))
    return ReadResult(features, ctx.repairs, ctx.notes, source_crs)


def _summarise(ctx: _Context) -> None:
    c = ctx.counts
    if c["label"]:
        ctx.notes.append(
            f"{c['label']} label points skipped (a polygon or line with the same id exists)"
        )
    if c["address"]:
        ctx.notes.append(f"{c['address']} address points skipped (addresses are not plan elements)")
    if c["dxf_text"]:
        ctx.notes.append(f"{c['dxf_text']} DXF text labels skipped")
    if c["dxf_degenerate"]:
        ctx.notes.append(
            f"{c['dxf_degenerate']} degenerate CAD entities left out (empty, zero-length lines "
            "or zero-area shapes)"
        )
    if c["building_part"]:
        ctx.notes.append(
            f"{c['building_part']} building parts imported as other (they lie inside building outlines)"
        )
    if c["collection"]:
        ctx.notes.append(
            f"{c['collection']} geometry collections (CAD blocks) split into one feature per geometry type"
        )
    if c["ring_to_polygon"]:
        ctx.notes.append(f"{c['ring_to_polygon']} closed lines turned into polygons")
    if c["floors_from_height"]:
        ctx.notes.append(
            f"{c['floors_from_height']} buildings: floors estimated as round(height / 3 m) (no floors given)"
        )
    if c["dup_merged"]:
        ctx.notes.append(f"{c['dup_merged']} duplicate ids merged (pieces of one feature joined)")
    if c["dup_dropped"]:
        ctx.notes.append(f"{c['dup_dropped']} duplicate ids dropped (same geometry repeated)")
    if c["dup_kept"]:
        ctx.notes.append(
            f"{c['dup_kept']} features share an id with a different feature; kept both"
        )
    for key, n in sorted(c.items()):
        if key.startswith("fallback:"):
            _, kind, geom_type = key.split(":")
            ctx.notes.append(f"{n} {kind} features drawn as {geom_type} imported as other")


# ---------------------------------------------------------------------------------------------
# Layer maps and exports


def parse_layer_map(path: Path) -> dict[str, Kind]:
    """A layer → kind map from JSON ``{"layer": "kind"}`` or CSV ``layer,kind`` lines."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            key="geo_files.layer_map_could_read", path_name=path.name, inner=exc
        ) from None
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json_text.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                key="geo_files.layer_map_valid_json",
                path_name=path.name,
                msg=exc.msg,
                lineno=exc.lineno,
            ) from None
        if not isinstance(data, dict):
            raise InvalidInput(key="geo_files.layer_map_must_json", path_name=path.name)
        pairs = [(str(k), str(v)) for k, v in data.items()]
    else:
        for row in csv.reader(text.splitlines()):
            if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
                continue
            if len(row) != 2:
                raise InvalidInput(
                    key="geo_files.layer_map_each_line", path_name=path.name, row=row
                )
            if row[0].strip().lower() == "layer" and row[1].strip().lower() == "kind":
                continue
            pairs.append((row[0].strip(), row[1].strip()))
    out: dict[str, Kind] = {}
    for layer, kind in pairs:
        try:
            out[layer] = parse_kind(kind)
        except InvalidInput as exc:
            raise InvalidInput(
                key="geo_files.layer_map_layer", path_name=path.name, layer=layer, inner=exc
            ) from None
    return out


def write_export(rows: list[ExportRow], path: Path, fmt: str) -> None:
    """Write rows (WGS-84) as geojson, gpkg or csv; ``read_geo_file`` reads every one back."""
    writer = formats.writer_for(fmt)
    writer(rows, Path(path))
