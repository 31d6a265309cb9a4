"""DXF specifics: GDAL configuration, the drawing's text encoding, CAD layer names → kinds.

DXF carries no CRS (the caller must pass one), and GDAL's DXF driver is configured through GDAL
*config options*, not open options: ``DXF_ENCODING`` and ``DXF_CLOSED_LINE_AS_POLYGON=YES``. A DXF
from AutoCAD 2007 on (``$ACADVER`` ≥ AC1021) is always UTF-8 whatever ``$DWGCODEPAGE`` claims
(the Korean survey sample says ANSI_949), so for those we force UTF-8; older drawings keep the
code page GDAL derives from the header unless ``--encoding`` is given.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyogrio

from cocreate_map.domain.elements import FacilityType, Kind

# Built-in CAD layer → kind table, checked in order, first match wins (substring, case-insensitive).
# Chinese CASS codes (JMD 居民地, DLSS 道路设施, ZBTZ 植被土质 …), plain Chinese/English words, and
# the Korean words of survey drawings like the sample (건물 building, 도로 road, 보도 sidewalk …).
# Specific words come before general ones ("人行道" before "道", "보도" before "도로").
_LAYER_RULES: list[tuple[tuple[str, ...], Kind, dict[str, Any]]] = [
    (("消防", "fire_lane", "firelane", "fire lane"), Kind.FIRE_LANE, {}),
    (("违建", "违章", "illegal"), Kind.ILLEGAL_STRUCTURE, {}),
    (("非机动车", "自行车", "bike", "bicycle"), Kind.BIKE_PARKING, {}),
    (("车位", "stall"), Kind.PARKING_STALL, {}),
    (("停车", "parking", "주차"), Kind.PARKING_LOT, {}),
    (
        ("人行", "步道", "步行", "footpath", "footway", "sidewalk", "보도", "인도"),
        Kind.FOOTPATH,
        {},
    ),
    (
        ("绿地", "绿化", "植被", "草地", "ZBTZ", "green", "grass", "화단", "녹지"),
        Kind.GREEN_BELT,
        {},
    ),
    (("建筑", "房屋", "楼", "JMD", "building", "건물"), Kind.BUILDING, {}),
    (("道路", "DLSS", "DLDW_ROAD", "road", "street", "도로"), Kind.ROAD, {}),
    (
        ("路灯", "照明", "lamp", "light", "가로등", "조명"),
        Kind.FACILITY,
        {"facility_type": FacilityType.LIGHTING.value},
    ),
    (("垃圾", "waste"), Kind.FACILITY, {"facility_type": FacilityType.WASTE_POINT.value}),
    (("边界", "红线", "用地界", "boundary"), Kind.BOUNDARY, {}),
]


def layer_kind(layer: str | None) -> tuple[Kind, dict[str, Any]] | None:
    """The built-in kind of a CAD layer name, or None when no rule matches (→ ``other``).

    >>> layer_kind("JMD")[0], layer_kind("道路中线")[0], layer_kind("도로_보도블럭")[0]
    (<Kind.BUILDING: 'building'>, <Kind.ROAD: 'road'>, <Kind.FOOTPATH: 'footpath'>)
    >>> layer_kind("GCD") is None
    True
    """
    if not layer:
        return None
    low = layer.lower()
    for words, kind, attrs in _LAYER_RULES:
        if any(w.lower() in low for w in words):
            return kind, dict(attrs)
    return None


def _header_value(head: str, name: str) -> str | None:
    m = re.search(rf"\${name}\s*\r?\n\s*\d+\s*\r?\n([^\r\n]*)", head)
    return m.group(1).strip() if m else None


def dxf_encoding(path: Path, override: str | None) -> tuple[str | None, str]:
    """(encoding to give GDAL or None for its default, a note saying why)."""
    if override:
        return override, f"encoding: {override} (given with --encoding)"
    with path.open("rb") as fh:
        head = fh.read(64_000).decode("latin-1")
    version = _header_value(head, "ACADVER") or "unknown"
    codepage = _header_value(head, "DWGCODEPAGE") or "none"
    if re.fullmatch(r"AC\d{4}", version) and int(version[2:]) >= 1021:
        return "UTF-8", (
            f"encoding: UTF-8 (DXF {version} is always UTF-8; header code page {codepage} ignored)"
        )
    return None, f"encoding: {codepage} from the DXF header ({version})"


@contextmanager
def gdal_dxf_options(encoding: str | None) -> Iterator[None]:
    """Set the DXF config options for one read and restore the previous values afterwards."""
    wanted: dict[str, Any] = {"DXF_CLOSED_LINE_AS_POLYGON": "YES", "DXF_ENCODING": encoding}
    previous = {k: pyogrio.get_gdal_config_option(k) for k in wanted}
    pyogrio.set_gdal_config_options(wanted)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


def read_dxf_frame(path: Path, encoding: str | None) -> tuple[Any, list[str]]:
    """Read the DXF's entities into a GeoDataFrame; GDAL's warnings become notes."""
    enc, note = dxf_encoding(path, encoding)
    notes = [note]
    with gdal_dxf_options(enc), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = pyogrio.read_dataframe(path)
    for w in caught:
        notes.append(f"GDAL: {w.message}")
    return frame, notes


def read_dxf_ezdxf(path: Path) -> tuple[Any, list[str]]:
    """Fallback reader for drawings GDAL refuses: lines, polylines, points, circles and texts.

    Block references (INSERT) are exploded into their entities; other entity types are counted
    in a note. ezdxf reads the code page from the header (and UTF-8 from R2007 on) itself.
    """
    import ezdxf
    import geopandas as gpd
    from ezdxf import recover
    from shapely.geometry import LineString, Point, Polygon

    try:
        doc, _auditor = recover.readfile(str(path))
    except ezdxf.DXFStructureError:
        doc = ezdxf.readfile(str(path))  # binary DXF, which recover cannot parse
    rows: list[dict[str, Any]] = []
    skipped: dict[str, int] = {}

    def add(entity: Any, parent_layer: str | None = None) -> None:
        kind = entity.dxftype()
        geom: Any = None
        text = None
        if kind == "LWPOLYLINE":
            pts = [tuple(p) for p in entity.get_points("xy")]
            closed = entity.closed and len(pts) >= 3
            geom = Polygon(pts) if closed else LineString(pts) if len(pts) >= 2 else None
        elif kind == "POLYLINE":
            pts = [tuple(v.dxf.location)[:2] for v in entity.vertices]
            closed = entity.is_closed and len(pts) >= 3
            geom = Polygon(pts) if closed else LineString(pts) if len(pts) >= 2 else None
        elif kind == "LINE":
            geom = LineString([tuple(entity.dxf.start)[:2], tuple(entity.dxf.end)[:2]])
        elif kind == "POINT":
            geom = Point(tuple(entity.dxf.location)[:2])
        elif kind == "CIRCLE":
            geom = Point(tuple(entity.dxf.center)[:2]).buffer(entity.dxf.radius, 16)
        elif kind in ("TEXT", "MTEXT"):
            geom = Point(tuple(entity.dxf.insert)[:2])
            text = entity.plain_text() if kind == "MTEXT" else entity.dxf.text
        elif kind == "INSERT":
            for sub in entity.virtual_entities():
                add(sub, entity.dxf.layer)  # block entities on layer 0 take the INSERT's layer
            return
        if geom is None:
            skipped[kind] = skipped.get(kind, 0) + 1
            return
        layer = entity.dxf.layer
        if parent_layer is not None and layer == "0":
            layer = parent_layer
        rows.append(
            {
                "Layer": layer,
                "EntityHandle": entity.dxf.get("handle"),
                "Text": text,
                "geometry": geom,
            }
        )

    for entity in doc.modelspace():
        add(entity)
    notes = ["DXF read with ezdxf (GDAL could not read it)"]
    if skipped:
        notes.append(
            "entities not read: " + ", ".join(f"{n} {k}" for k, n in sorted(skipped.items()))
        )
    frame = gpd.GeoDataFrame(
        rows or {"Layer": [], "EntityHandle": [], "Text": [], "geometry": []}, geometry="geometry"
    )
    return frame, notes


# Columns GDAL's DXF driver adds that are CAD bookkeeping, not attributes worth keeping.
DXF_SYSTEM_COLUMNS = {"Layer", "PaperSpace", "SubClasses", "Linetype", "EntityHandle", "Text"}
