"""Plan elements: the closed set of kinds and the attributes each kind carries.

Geometry here is in the community's metric CRS (see README.md in this folder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shapely.geometry.base import BaseGeometry

from cocreate_map.errors import InvalidInput


class Kind(StrEnum):
    BOUNDARY = "boundary"
    BUILDING = "building"
    ROAD = "road"
    FIRE_LANE = "fire_lane"
    FOOTPATH = "footpath"
    PARKING_STALL = "parking_stall"
    PARKING_LOT = "parking_lot"
    BIKE_PARKING = "bike_parking"
    GREEN_BELT = "green_belt"
    ILLEGAL_STRUCTURE = "illegal_structure"
    FACILITY = "facility"
    OTHER = "other"


class FacilityType(StrEnum):
    DRYING_RACK = "drying_rack"
    FITNESS = "fitness"
    WASTE_POINT = "waste_point"
    EBIKE_SHED = "ebike_shed"
    SEATING = "seating"
    LIGHTING = "lighting"
    ACTIVITY_ROOM = "activity_room"
    PLAYGROUND = "playground"
    ELDERLY_CARE = "elderly_care"
    KINDERGARTEN = "kindergarten"
    SHOP = "shop"
    CLINIC = "clinic"
    GATE = "gate"
    OTHER = "other"


class IllegalStatus(StrEnum):
    EXISTING = "existing"
    SCHEDULED = "scheduled"
    DEMOLISHED = "demolished"


# Which geometry families a kind accepts: "polygon", "line", "point".
KIND_GEOMETRIES: dict[Kind, frozenset[str]] = {
    Kind.BOUNDARY: frozenset({"polygon"}),
    Kind.BUILDING: frozenset({"polygon"}),
    Kind.ROAD: frozenset({"line", "polygon"}),
    Kind.FIRE_LANE: frozenset({"line", "polygon"}),
    Kind.FOOTPATH: frozenset({"line", "polygon"}),
    Kind.PARKING_STALL: frozenset({"polygon", "point"}),
    Kind.PARKING_LOT: frozenset({"polygon"}),
    Kind.BIKE_PARKING: frozenset({"polygon", "point"}),
    Kind.GREEN_BELT: frozenset({"polygon"}),
    Kind.ILLEGAL_STRUCTURE: frozenset({"polygon", "point"}),
    Kind.FACILITY: frozenset({"polygon", "point", "line"}),
    Kind.OTHER: frozenset({"polygon", "point", "line"}),
}

# Attributes each kind may carry, with their types. Unknown attributes are kept as free text
# under their own names (an import keeps what a planner's file said), but these are checked.
_INT_ATTRS = {"floors", "households", "stall_count"}
_FLOAT_ATTRS = {"height_m", "width_m"}
KIND_ATTRS: dict[Kind, tuple[str, ...]] = {
    Kind.BUILDING: ("floors", "households", "height_m"),
    Kind.ROAD: ("width_m",),
    Kind.FIRE_LANE: ("width_m",),
    Kind.FOOTPATH: ("width_m",),
    Kind.FACILITY: ("facility_type",),
    Kind.PARKING_STALL: ("stall_count",),
    Kind.PARKING_LOT: ("stall_count",),
    Kind.BIKE_PARKING: ("stall_count",),
    Kind.ILLEGAL_STRUCTURE: ("status",),
}


def geometry_family(geom: BaseGeometry) -> str:
    """'polygon', 'line', 'point' or 'mixed' for a (multi-)geometry."""
    gt = geom.geom_type
    if gt in ("Polygon", "MultiPolygon"):
        return "polygon"
    if gt in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    if gt in ("Point", "MultiPoint"):
        return "point"
    return "mixed"


def parse_kind(value: str) -> Kind:
    try:
        return Kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in Kind)
        raise InvalidInput(
            key="elements.unknown_element_kind_use", value=value, allowed=allowed
        ) from None


def _to_int(name: str, value: Any) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(key="elements.must_whole_number_2", name=name, value=value) from None
    if number != int(number) or number < 0:
        raise InvalidInput(key="elements.must_whole_number", name=name, value=value)
    return int(number)


def _to_float(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(key="elements.must_number_2", name=name, value=value) from None
    if number < 0 or number != number:
        raise InvalidInput(key="elements.must_number", name=name, value=value)
    return number


def normalize_attrs(kind: Kind, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise a kind's attributes; drop empty values.

    >>> normalize_attrs(Kind.BUILDING, {"floors": "6", "households": 24.0, "note": None})
    {'floors': 6, 'households': 24}
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, float) and value != value:  # NaN from a data frame
            continue
        if key in _INT_ATTRS:
            out[key] = _to_int(key, value)
        elif key in _FLOAT_ATTRS:
            out[key] = _to_float(key, value)
        elif key == "facility_type":
            try:
                out[key] = FacilityType(str(value).strip().lower()).value
            except ValueError:
                allowed = ", ".join(f.value for f in FacilityType)
                raise InvalidInput(
                    key="elements.unknown_facility_type_use", value=value, allowed=allowed
                ) from None
        elif key == "status" and kind is Kind.ILLEGAL_STRUCTURE:
            try:
                out[key] = IllegalStatus(str(value).strip().lower()).value
            except ValueError:
                allowed = ", ".join(s.value for s in IllegalStatus)
                raise InvalidInput(
                    key="elements.unknown_illegal_structure_status", value=value, allowed=allowed
                ) from None
        elif isinstance(value, bool | int | float | str):
            out[key] = value
        else:
            out[key] = str(value)
    if kind is Kind.FACILITY and "facility_type" not in out:
        out["facility_type"] = FacilityType.OTHER.value
    if kind is Kind.ILLEGAL_STRUCTURE and "status" not in out:
        out["status"] = IllegalStatus.EXISTING.value
    if kind is Kind.PARKING_STALL and "stall_count" not in out:
        out["stall_count"] = 1
    return out


@dataclass
class PlanElement:
    """One feature of a community's plan, geometry in the metric CRS.

    ``id`` is the database id (None before storage); ``source_id`` is the id the feature had in
    the file it came from (kept for round trips and for finding duplicates).
    """

    kind: Kind
    geometry: BaseGeometry
    name: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    source_id: str | None = None

    def __post_init__(self) -> None:
        self.attrs = normalize_attrs(self.kind, self.attrs)
        family = geometry_family(self.geometry)
        if family not in KIND_GEOMETRIES[self.kind]:
            allowed = " or ".join(sorted(KIND_GEOMETRIES[self.kind]))
            raise InvalidInput(
                key="elements.must_geometry",
                kind=self.kind.value,
                allowed=allowed,
                geom_type=self.geometry.geom_type,
            )
