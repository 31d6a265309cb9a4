"""Geometry validity: repair what can be repaired, and say what was done — never silently."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import GeometryCollection, MultiLineString, MultiPoint, MultiPolygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from cocreate_map.errors import InvalidGeometry


@dataclass(frozen=True)
class Repair:
    """One repair: which feature, what was wrong, what was done."""

    feature: str
    problem: str
    action: str

    def __str__(self) -> str:
        return f"{self.feature}: {self.problem} → {self.action}"


def _family_part(geom: BaseGeometry, family: str) -> BaseGeometry:
    """Keep only the parts of ``geom`` of one family (after make_valid split a polygon)."""
    if family == "polygon":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and g.area > 0]
        return (
            parts[0] if len(parts) == 1 else MultiPolygon(parts) if parts else GeometryCollection()
        )
    if family == "line":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type == "LineString" and g.length > 0]
        return (
            parts[0]
            if len(parts) == 1
            else MultiLineString(parts)
            if parts
            else GeometryCollection()
        )
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Point"]
    return parts[0] if len(parts) == 1 else MultiPoint(parts) if parts else GeometryCollection()


def _family(geom: BaseGeometry) -> str:
    gt = geom.geom_type
    if "Polygon" in gt:
        return "polygon"
    if "Line" in gt:
        return "line"
    if "Point" in gt:
        return "point"
    return "mixed"


def repair(geom: BaseGeometry | None, feature: str) -> tuple[BaseGeometry, list[Repair]]:
    """Return a valid geometry of the same family and the list of repairs made.

    Raises ``InvalidGeometry`` for a missing or empty geometry, or one that repair reduces to
    nothing (a zero-area sliver polygon, a zero-length line).

    >>> from shapely import Polygon
    >>> bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    >>> fixed, repairs = repair(bowtie, "feature 3")
    >>> fixed.is_valid, round(fixed.area), len(repairs)
    (True, 50, 1)
    """
    if geom is None or geom.is_empty:
        raise InvalidGeometry(key="geometry.geometry_give_every_feature", feature=feature)
    repairs: list[Repair] = []
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    family = _family(geom)
    if family == "mixed":
        raise InvalidGeometry(
            key="geometry.mixing_points_lines_polygons", feature=feature, geom_type=geom.geom_type
        )
    if not geom.is_valid:
        problem = explain_validity(geom)
        fixed = _family_part(shapely.make_valid(geom), family)
        if fixed.is_empty:
            raise InvalidGeometry(
                key="geometry.invalid_nothing_left_after", feature=feature, problem=problem
            )
        repairs.append(Repair(feature, problem, f"repaired with make_valid to {fixed.geom_type}"))
        geom = fixed
    # Collapse single-part multi geometries so a building is a Polygon, not a MultiPolygon of one.
    if geom.geom_type.startswith("Multi") and len(shapely.get_parts(geom)) == 1:
        geom = shapely.get_parts(geom)[0]
    if family == "polygon" and geom.area == 0:
        raise InvalidGeometry(key="geometry.polygon_zero_area_redraw", feature=feature)
    if family == "line" and geom.length == 0:
        raise InvalidGeometry(key="geometry.line_zero_length_redraw", feature=feature)
    return geom, repairs
