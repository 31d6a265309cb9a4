"""Marks in and out of files: GeoJSON/CSV exports, opinions collected on paper, the demo marks.

Split from ``services.marks`` (the use cases residents and staff click through); everything here
goes through those use cases, so a paper opinion or a demo mark is submitted, audited and moved
through its lifecycle exactly like one made in the app.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cocreate_map.domain import annotations as dom
from cocreate_map.domain.households import clean_label
from cocreate_map.errors import (
    CocreateError,
    ImportFormatError,
    InvalidInput,
    at_line,
    first_errors,
)
from cocreate_map.io import json_text
from cocreate_map.io.spreadsheet import safe_cell
from cocreate_map.services.access import EVERY_STAFF, require_staff
from cocreate_map.services.households import household_by_room, read_table
from cocreate_map.services.marks import (
    MarkInfo,
    building_points,
    check_building_label,
    check_inside,
    list_marks,
    parse_geometry,
    submit_mark,
)
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.tables import utcnow


def marks_feature_collection(marks: Sequence[MarkInfo]) -> dict[str, Any]:
    """GeoJSON of marks with their plain values (the UI escapes before display)."""
    features = []
    for m in marks:
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(m.geometry),
                "properties": {
                    "id": m.id,
                    "category": m.category.value,
                    "class": m.renovation_class.value,
                    "safety": m.safety,
                    "status": m.status.value,
                    "text": m.text,
                    "building": m.building,
                    "source": m.source,
                    "supports": m.supports,
                    "comments": m.comments,
                    "submitted_at": m.submitted_at.isoformat(timespec="seconds"),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


EXPORT_COLUMNS = (
    "id", "category", "class", "safety", "status", "supports", "comments", "building", "source",
    "submitted_at", "lon", "lat", "text",
)  # fmt: skip


def export_marks(
    session: Session, slug: str, fmt: str, who: StaffIdentity | None, out: Path | None = None
) -> bytes:
    """The marks ``who`` sees on the staff page, as GeoJSON or CSV (UTF-8 with BOM, so Excel
    reads Chinese): the same permission filter as :func:`list_marks` (a building chief exports
    the marks of their buildings only); anyone but the community's staff is refused."""
    community = repo.community_by_slug(session, slug)
    require_staff(who, community.id, EVERY_STAFF, action="mark.export")
    marks = list_marks(session, slug, staff=who, sort="newest")
    if fmt == "geojson":
        data = json.dumps(marks_feature_collection(marks), ensure_ascii=False, indent=1).encode()
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(EXPORT_COLUMNS)
        for m in marks:
            c = m.geometry.representative_point() if m.geometry.geom_type != "Point" else m.geometry
            writer.writerow(
                safe_cell(v)
                for v in (
                    m.id, m.category.value, m.renovation_class.value, int(m.safety),
                    m.status.value, m.supports, m.comments, m.building or "", m.source,
                    m.submitted_at.isoformat(timespec="seconds"), f"{c.x:.6f}", f"{c.y:.6f}",
                    m.text,
                )
            )  # fmt: skip
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    else:
        raise InvalidInput(key="mark_files.export_format_must_geojson", fmt=fmt)
    if out is not None:
        out.write_bytes(data)
    return data


# ---------------------------------------------------------------- paper opinions

_PAPER_HEADERS = {
    "lon": "lon", "lng": "lon", "经度": "lon", "lat": "lat", "纬度": "lat",
    "category": "category", "类别": "category", "分类": "category",
    "text": "text", "意见": "text", "内容": "text", "描述": "text",
    "building": "building", "楼栋": "building", "楼号": "building",
    "unit": "unit", "单元": "unit", "room": "room", "房号": "room", "户号": "room",
    "safety": "safety", "安全隐患": "safety",
}  # fmt: skip


@dataclass
class PaperImport:
    created: int
    mark_ids: list[int]


def _paper_rows(path: Path) -> list[tuple[int, dict[str, Any], Any]]:
    """(line or feature number, properties, GeoJSON geometry or None) from CSV/XLSX or GeoJSON;
    the geometry is checked row by row in :func:`import_paper_marks`, so errors name the row."""
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            data = json_text.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ImportFormatError(
                key="mark_files.geojson_text", path_name=path.name, inner=exc
            ) from None
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise ImportFormatError(
                key="mark_files.expected_geojson_featurecollection", path_name=path.name
            )
        out = []
        for i, feat in enumerate(data.get("features") or [], start=1):
            if not isinstance(feat, dict) or not isinstance(feat.get("properties") or {}, dict):
                raise ImportFormatError(
                    key="mark_files.feature_geojson_feature_properties", path_name=path.name, i=i
                )
            props = {
                _PAPER_HEADERS.get(str(k).strip().lower(), str(k)): v
                for k, v in (feat.get("properties") or {}).items()
            }
            geom = feat.get("geometry")
            out.append((i, props, geom or None))
        return out
    rows = read_table(path)
    return [
        (line, {_PAPER_HEADERS.get(str(k).strip().lower(), str(k)): v for k, v in raw.items()},
         None)
        for line, raw in rows
    ]  # fmt: skip


def import_paper_marks(
    session: Session,
    path: Path,
    slug: str,
    staff: StaffIdentity | None,
    now: datetime | None = None,
) -> PaperImport:
    """Opinions from paper questionnaires or evening talks; all rows or none.

    CSV/XLSX: ``lon, lat`` or ``building`` (the mark then stands at that building), then
    ``category, text``, optional ``building, unit, room`` of the household. GeoJSON: point/line/
    polygon features with the same properties. Marks are published at once, marked as paper.
    """
    now = now or utcnow()
    community = repo.community_by_slug(session, slug)
    require_staff(staff, community.id, EVERY_STAFF, action="mark.paper")
    if not path.exists():
        raise InvalidInput(key="mark_files.does_exist_give_path", path=path)
    rows = _paper_rows(path)
    if not rows:
        raise ImportFormatError(key="mark_files.opinions", path_name=path.name)
    buildings = building_points(session, community.id)
    errors: list[CocreateError] = []
    prepared: list[tuple[str, str, BaseGeometry, int | None, str | None, bool | None]] = []
    unit_word = "line" if path.suffix.lower() not in (".geojson", ".json") else "feature"
    for line, props, geom in rows:
        try:
            cat = dom.parse_category(props.get("category"))
            text = dom.clean_text(str(props.get("text") or ""), dom.TEXT_MAX_CHARS)
            b = clean_label(props["building"]) if str(props.get("building") or "").strip() else None
            if b is not None:
                check_building_label(b)
            if geom is None:
                lon, lat = str(props.get("lon") or "").strip(), str(props.get("lat") or "").strip()
                if lon and lat:
                    try:
                        geom = shapely.geometry.Point(float(lon), float(lat))
                    except ValueError:
                        raise InvalidInput(
                            key="mark_files.lon_lat_must_numbers", lon=lon, lat=lat
                        ) from None
                elif b is not None:
                    if b not in buildings:
                        raise InvalidInput(
                            key="mark_files.building_map_known",
                            b=b,
                            items=", ".join(sorted(buildings)[:20]),
                        )
                    geom = buildings[b]
                else:
                    raise InvalidInput(key="mark_files.give_lon_lat_building")
            geom = parse_geometry(geom)
            check_inside(community, geom)
            household_id = None
            unit, room = str(props.get("unit") or "").strip(), str(props.get("room") or "").strip()
            if b and unit and room:
                h = household_by_room(session, community.id, b, unit, room)
                if h is None:
                    raise InvalidInput(
                        key="mark_files.household_register", b=b, unit=unit, room=room
                    )
                household_id = h.id
            safety = _truthy(props.get("safety"))
            prepared.append((cat.value, text, geom, household_id, b, safety))
        except (InvalidInput, KeyError) as exc:
            cause = exc if isinstance(exc, InvalidInput) else InvalidInput(str(exc))
            errors.append(at_line(line, cause, unit=unit_word))
    if errors:
        shown = first_errors(errors)
        raise ImportFormatError(
            key="mark_files.row_s_cannot_imported",
            path_name=path.name,
            n_errors=len(errors),
            shown=shown,
        )
    ids = []
    for cat_value, text, geom, household_id, b, safety in prepared:
        result = submit_mark(
            session, slug, household_id, cat_value, text, geom, safety=safety, source="paper",
            building=b, staff=staff, now=now,
        )  # fmt: skip
        ids.append(result.mark.id)
    return PaperImport(len(ids), ids)


def _truthy(value: object) -> bool | None:
    raw = str(value or "").strip().lower()
    if not raw:
        return None
    return raw in ("1", "true", "yes", "y", "是", "有", "x", "√")
