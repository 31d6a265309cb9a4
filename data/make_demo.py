"""Generate the demo community 棉花小区 ("Cotton Compound") as GeoJSON.

A fictional 1990s staff-dormitory compound of a former cotton mill in Wuchang, Wuhan. Everything
is drawn here in a local metric frame (metres, x east, y north, origin at the south-west corner of
the compound wall), shifted into UTM zone 50N (EPSG:32650) and converted to WGS-84 (EPSG:4326)
with pyproj. No randomness: running it twice gives the same bytes.

    python data/make_demo.py [OUTPUT]      # default: data/demo/cotton_compound.geojson

The demo deliberately contains real problems for later metrics: cars parked on a lawn, cars and
an illegal shed narrowing the fire lane, illegal sheds on green space, and one waste point that
does not reach every building within 120 m.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "demo" / "cotton_compound.geojson"

# Where the (fictional) compound is shown: open ground in Wuchang, Wuhan.
SITE_LON, SITE_LAT = 114.336, 30.532
METRIC_EPSG = 32650  # WGS 84 / UTM zone 50N
SITE_W, SITE_H = 260.0, 200.0  # metres
DECIMALS = 7  # ~1 cm

STALL_W, STALL_D = 2.5, 5.3  # perpendicular car stall, metres
SHED_W, SHED_D = 3.0, 5.0  # typical illegal shed
FLOORS, STOREY_M = 6, 3.0

# Slab grid: 3 columns (west -> east) x 4 rows (south -> north), each slab 60 x 12 m.
COLUMNS_X = (20.0, 100.0, 180.0)
ROWS_Y = (32.0, 64.0, 116.0, 148.0)  # 20 m between rows 1-2 and 3-4; central green between 2-3
SLAB_L, SLAB_D = 60.0, 12.0
HOUSEHOLDS = {5: 36}  # 5栋 has three stairwells; the others two (2 flats per landing x 6 floors)

RING_INSET, RING_WIDTH, FIRE_LANE_WIDTH = 9.0, 6.0, 4.0  # ring road centreline 9 m inside the wall


def _feature(fid: str, kind: str, name: str, geom: BaseGeometry, **attrs: Any) -> dict[str, Any]:
    return {"id": fid, "kind": kind, "name": name, "geometry": geom, "attrs": attrs}


def _ring_band(inset: float, width: float) -> Polygon:
    """A rectangular ring band centred on the rectangle ``inset`` metres inside the wall."""
    outer = box(inset - width / 2, inset - width / 2, SITE_W - inset + width / 2,
                SITE_H - inset + width / 2)  # fmt: skip
    inner = box(inset + width / 2, inset + width / 2, SITE_W - inset - width / 2,
                SITE_H - inset - width / 2)  # fmt: skip
    return Polygon(outer.exterior.coords, [inner.exterior.coords])


def _stall_row(x0: float, y0: float, n: int, *, along: str = "x") -> list[BaseGeometry]:
    """``n`` perpendicular stalls side by side, starting at (x0, y0)."""
    out: list[BaseGeometry] = []
    for i in range(n):
        if along == "x":
            out.append(box(x0 + i * STALL_W, y0, x0 + (i + 1) * STALL_W, y0 + STALL_D))
        else:
            out.append(box(x0, y0 + i * STALL_W, x0 + STALL_D, y0 + (i + 1) * STALL_W))
    return out


def build_local() -> list[dict[str, Any]]:
    """Every feature of the compound, geometry in the local metric frame."""
    feats: list[dict[str, Any]] = []
    add = feats.append

    # Compound wall, with the north-east corner cut by an old lane.
    wall = Polygon([(0, 0), (SITE_W, 0), (SITE_W, 190), (250, SITE_H), (0, SITE_H)])
    add(_feature("boundary", "boundary", "棉花小区围墙", wall))

    # 12 six-storey slabs, numbered row by row from the south, west to east.
    number = 0
    for y in ROWS_Y:
        for x in COLUMNS_X:
            number += 1
            add(
                _feature(
                    f"b{number:02d}",
                    "building",
                    f"{number}栋",
                    box(x, y, x + SLAB_L, y + SLAB_D),
                    floors=FLOORS,
                    households=HOUSEHOLDS.get(number, 24),
                    height_m=float(FLOORS * STOREY_M),
                )
            )

    # Roads (polygons, so clear widths can be measured).
    inner_lo, inner_hi_x = RING_INSET, SITE_W - RING_INSET
    inner_hi_y = SITE_H - RING_INSET
    roads = [
        ("road-main", "环形主路", _ring_band(RING_INSET, RING_WIDTH), RING_WIDTH),
        ("road-gate", "南门入口道路", box(127, 0.5, 133, 6), 6.0),
        ("road-ns-w", "西纵路", box(87.5, inner_lo, 92.5, inner_hi_y), 5.0),
        ("road-ns-e", "东纵路", box(167.5, inner_lo, 172.5, inner_hi_y), 5.0),
        ("road-lane-s", "南宅间路", box(inner_lo, 47, inner_hi_x, 51), 4.0),
        ("road-lane-n", "北宅间路", box(inner_lo, 131, inner_hi_x, 135), 4.0),
    ]
    for fid, name, geom, width in roads:
        add(_feature(fid, "road", name, geom, width_m=width))

    # The fire lane: the 4 m clear strip centred on the ring road (an overlay on road-main).
    add(
        _feature(
            "fire-main",
            "fire_lane",
            "消防通道",
            _ring_band(RING_INSET, FIRE_LANE_WIDTH),
            width_m=FIRE_LANE_WIDTH,
        )
    )

    # Footpaths, 2 m.
    paths = [
        ("path-01", "中心绿地南侧步道", box(92.5, 81, 167.5, 83)),
        ("path-02", "中心绿地北侧步道", box(92.5, 111, 167.5, 113)),
        ("path-03", "北门步道", box(89, 194, 91, 199.5)),
    ]
    for fid, name, geom in paths:
        add(_feature(fid, "footpath", name, geom, width_m=2.0))

    # Green space.
    greens = [
        ("green-01", "1-4栋间绿化带", box(14, 53, 86, 62)),
        ("green-02", "2-5栋间绿化带", box(94, 53, 166, 62)),
        ("green-03", "3-6栋间绿化带", box(174, 53, 246, 62)),
        ("green-04", "7-10栋间绿化带", box(14, 137, 86, 146)),
        ("green-05", "8-11栋间绿化带", box(94, 137, 166, 146)),
        ("green-06", "9-12栋间绿化带", box(174, 137, 246, 146)),
        ("green-07", "中心绿地", box(100, 84, 160, 110)),
        ("green-08", "东侧绿化带", box(254.5, 6.5, 259.5, 188)),
        ("green-09", "北侧绿化带", box(20, 166, 80, 180)),
        ("green-10", "南侧绿化带", box(180, 18, 246, 29)),
    ]
    for fid, name, geom in greens:
        add(_feature(fid, "green_belt", name, geom))

    # Parking: one surface lot and individual stalls along the roads ...
    add(_feature("lot-01", "parking_lot", "西侧停车场", box(22, 84, 87.5, 108), stall_count=40))
    stalls: list[tuple[str, BaseGeometry]] = []
    stalls += [("南侧路边车位", g) for g in _stall_row(20, 12, 12)]
    stalls += [("北侧路边车位", g) for g in _stall_row(104, SITE_H - 12 - STALL_D, 16)]
    stalls += [("东纵路路边车位", g) for g in _stall_row(172.5, 80, 12, along="y")]
    # ... cars on the lawn between 7栋 and 10栋 (the "cars on the lawn" problem) ...
    stalls += [("草坪上停车(占绿)", g) for g in _stall_row(24, 136, 6)]
    # ... and two cars parked along the west ring road, inside the fire lane.
    for y in (60.0, 66.0):
        stalls.append(("占用消防通道停车", box(9.5, y, 9.5 + STALL_W, y + STALL_D)))
    for i, (name, geom) in enumerate(stalls, start=1):
        add(_feature(f"stall-{i:03d}", "parking_stall", name, geom, stall_count=1))

    # Illegal structures (~3 x 5 m sheds).
    sheds = [
        ("ill-01", "3栋北侧违建棚", box(205, 44, 205 + SHED_D, 44 + SHED_W)),
        ("ill-02", "西侧违建棚(占消防通道)", box(10, 120, 10 + SHED_W, 120 + SHED_D)),
        ("ill-03", "2-5栋间绿地违建棚", box(140, 55, 140 + SHED_D, 55 + SHED_W)),
        ("ill-04", "10栋西山墙违建棚", box(15, 150, 15 + SHED_W, 150 + SHED_D)),
    ]
    for fid, name, geom in sheds:
        add(_feature(fid, "illegal_structure", name, geom, status="existing"))

    # Facilities.
    facilities: list[tuple[str, str, BaseGeometry, str]] = [
        ("gate-s", "南大门", Point(130, 1.0), "gate"),
        ("gate-n", "北门(人行)", Point(90, 199.5), "gate"),
        ("dry-01", "晾晒区", box(100, 20, 118, 29), "drying_rack"),
        ("dry-02", "晾晒区(二)", box(140, 20, 158, 29), "drying_rack"),
        ("waste-01", "垃圾分类点", Point(96, 79), "waste_point"),
        ("activity-01", "活动室", box(186, 86, 206, 96), "activity_room"),
        ("ebike-01", "电动车棚", box(212, 86, 236, 91), "ebike_shed"),
        ("fitness-01", "健身器材区", box(138, 96, 154, 106), "fitness"),
        ("seat-01", "座椅", Point(120, 90), "seating"),
        ("seat-02", "座椅", Point(120, 104), "seating"),
    ]
    lights = [
        (60, 12.5), (200, 12.5), (60, 187.5), (200, 187.5),
        (12.5, 40), (12.5, 160), (247.5, 60), (247.5, 140),
        (93.5, 40), (93.5, 140), (166.5, 40), (166.5, 140),
    ]  # fmt: skip
    for i, (x, y) in enumerate(lights, start=1):
        facilities.append((f"light-{i:02d}", "路灯", Point(x, y), "lighting"))
    for fid, name, geom, ftype in facilities:
        add(_feature(fid, "facility", name, geom, facility_type=ftype))

    return feats


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, list | tuple):
        return [_round_coords(v) for v in obj]
    return obj


def site_origin_utm() -> tuple[float, float]:
    """UTM coordinates of the local origin (the south-west corner), whole metres."""
    to_utm = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)
    e, n = to_utm.transform(SITE_LON, SITE_LAT)
    return float(round(e - SITE_W / 2)), float(round(n - SITE_H / 2))


def build_collection() -> dict[str, Any]:
    """The GeoJSON FeatureCollection in WGS-84, rings oriented per RFC 7946, rounded."""
    e0, n0 = site_origin_utm()
    to_wgs = Transformer.from_crs(METRIC_EPSG, 4326, always_xy=True)

    def local_to_wgs(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs.transform(xy[:, 0] + e0, xy[:, 1] + n0)
        return np.column_stack([lon, lat])

    features = []
    for f in build_local():
        geom = f["geometry"]
        if isinstance(geom, Polygon):
            geom = orient(geom, 1.0)
        gj = mapping(shapely.transform(geom, local_to_wgs))
        features.append(
            {
                "type": "Feature",
                "id": f["id"],
                "properties": {"id": f["id"], "kind": f["kind"], "name": f["name"], **f["attrs"]},
                "geometry": {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def dumps(collection: dict[str, Any]) -> str:
    """One feature per line: small, diff-friendly and deterministic."""
    lines = ['{"type":"FeatureCollection","features":[']
    feats = collection["features"]
    for i, feat in enumerate(feats):
        sep = "," if i < len(feats) - 1 else ""
        lines.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":")) + sep)
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    out: Path = args.output
    out.parent.mkdir(parents=True, exist_ok=True)
    collection = build_collection()
    out.write_text(dumps(collection), encoding="utf-8", newline="\n")
    print(f"wrote {len(collection['features'])} features to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
