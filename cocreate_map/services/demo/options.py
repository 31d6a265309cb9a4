"""The demo's three layout options A/B/C, drawn in the demo's local frame."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely
import shapely.affinity
from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

import cocreate_map.storage.options_tables  # noqa: F401  (registers the tables on Base)
from cocreate_map.domain.layout import stall_row
from cocreate_map.errors import InvalidInput
from cocreate_map.io import crs as crs_io
from cocreate_map.services.demo.site import DEMO_SLUG
from cocreate_map.services.options import _add_change, _epsg, _find_option, _writable
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.options_tables import OptionRow

DEMO_OPTIONS = (
    ("方案A：草坪改车位", "多停车：8栋、9栋北侧两条草坪改为 48 个车位。"),
    (
        "方案B：保留绿地",
        "保绿地：拆除 4 处违建，其中 3 处原址改车位；草坪和消防通道上的车移走；新建电动车棚。",
    ),
    (
        "方案C：平衡",
        "平衡：拆除违建，清空消防通道；一条草坪改 12 个车位；新建电动车棚和东侧垃圾分类点。",
    ),
)


def load_demo_options(
    session: Session, slug: str = DEMO_SLUG, *, who: StaffIdentity | None
) -> list[str]:
    """Create the three demo options A/B/C on the demo community 棉花小区 (idempotent: options
    that exist are kept). Drawn in the demo's local frame (metres from the south-west corner of
    the wall, see data/README.md) and placed relative to base elements found by source id."""
    community = _writable(session, slug, who, "option.demo")
    epsg = _epsg(community)
    rows = repo.elements_of(session, community.id)
    by_source = {r.source_id: r for r in rows if r.source_id}
    needed = ["ill-01", "ill-02", "ill-03", "ill-04", "stall-041", "stall-047", "stall-048"]
    missing = [s for s in needed if s not in by_source]
    if missing or community.boundary is None:
        raise InvalidInput(
            key="options.community_demo_community_load", slug=slug, items=", ".join(missing[:3])
        )
    x0, y0, _, _ = crs_io.to_metric(community.boundary, epsg).bounds

    def wgs(geom: BaseGeometry) -> BaseGeometry:
        return crs_io.to_wgs84(shapely.affinity.translate(geom, x0, y0), epsg)

    def local(source_id: str) -> BaseGeometry:
        g = crs_io.to_metric(by_source[source_id].geometry, epsg)
        return shapely.affinity.translate(g, -x0, -y0)

    def row_of(line: Iterable[tuple[float, float]], n: int) -> list[BaseGeometry]:
        return [wgs(p) for p in stall_row(LineString(list(line)), n)]

    def stall_on(source_id: str) -> BaseGeometry:
        g = local(source_id)
        c = g.centroid
        minx, miny, maxx, maxy = g.bounds
        if maxx - minx >= maxy - miny:  # lie the stall along the shed's long side
            return wgs(box(c.x - 2.65, c.y - 1.25, c.x + 2.65, c.y + 1.25))
        return wgs(box(c.x - 1.25, c.y - 2.65, c.x + 1.25, c.y + 2.65))

    sheds = ["ill-01", "ill-02", "ill-03", "ill-04"]
    lawn_cars = [f"stall-{i:03d}" for i in range(41, 47)]
    lane_cars = ["stall-047", "stall-048"]
    ebike = wgs(box(14, 18, 24, 22.4))  # 44 m², 20 places at 2.2 m² each (R15)
    plans: dict[str, list[tuple[str, str, str | None, dict[str, Any], BaseGeometry | str]]] = {
        DEMO_OPTIONS[0][0]: [
            *(
                ("add", "parking_stall", "草坪改车位", {"stall_count": 1}, g)
                for g in row_of([(95, 137), (165, 137)], 24)
            ),
            *(
                ("add", "parking_stall", "草坪改车位", {"stall_count": 1}, g)
                for g in row_of([(175, 137), (245, 137)], 24)
            ),
        ],  # fmt: skip
        DEMO_OPTIONS[1][0]: [
            *(("remove", "", None, {}, s) for s in sheds + lawn_cars + lane_cars),
            *(
                ("add", "parking_stall", "拆违后车位", {"stall_count": 1}, stall_on(s))
                for s in ("ill-01", "ill-03", "ill-04")
            ),
            (
                "add",
                "facility",
                "新建电动车棚",
                {"facility_type": "ebike_shed", "stall_count": 20},
                ebike,
            ),
        ],  # fmt: skip
        DEMO_OPTIONS[2][0]: [
            *(("remove", "", None, {}, s) for s in sheds + lane_cars),
            *(
                ("add", "parking_stall", "草坪改车位", {"stall_count": 1}, g)
                for g in row_of([(175, 137), (245, 137)], 12)
            ),
            (
                "add",
                "facility",
                "新建电动车棚",
                {"facility_type": "ebike_shed", "stall_count": 20},
                ebike,
            ),
            (
                "add",
                "facility",
                "东侧垃圾分类点",
                {"facility_type": "waste_point"},
                wgs(Point(210, 104)),
            ),
        ],  # fmt: skip
    }
    created: list[str] = []
    for name, description in DEMO_OPTIONS:
        if _find_option(session, community, name) is not None:
            continue
        row = OptionRow(community_id=community.id, name=name, description=description)
        session.add(row)
        for action, kind, label, attrs, target in plans[name]:
            if isinstance(target, str):
                base = by_source[target]
                _add_change(row, "remove", base.kind, ref=base.id, name=base.name, attrs=base.attrs)
            else:
                _add_change(row, action, kind, name=label, attrs=attrs, geometry=target)
        created.append(name)
    session.flush()
    return created
