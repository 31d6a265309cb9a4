"""The one table from file extension to reader, and from export format to writer.

Readers turn a file into :class:`RawLayer` s (a GeoDataFrame per layer plus the CRS the file
declares); ``geo_files`` does everything format-independent (kinds, CRS, repair, notes).
Every pyogrio/GDAL failure is turned into an ``ImportFormatError`` here, so no GDAL traceback
reaches a person.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import mapping

from cocreate_map import config
from cocreate_map.errors import CocreateError, ImportFormatError, InvalidInput, TooLarge
from cocreate_map.io import dxf
from cocreate_map.io.spreadsheet import safe_cell


@dataclass
class RawLayer:
    """One layer as read from a file, before kinds, CRS handling and repair."""

    name: str | None
    frame: gpd.GeoDataFrame
    crs: str | None  # what the file declares (WKT/authority), None when it has none
    int_fields: set[str] = field(default_factory=set)  # OGR integer fields (NaN-padded floats)
    dialect: str = "gis"  # "gis", "dxf", "csv"


@dataclass
class RawRead:
    layers: list[RawLayer]
    notes: list[str]
    format_label: str


Reader = Callable[[Path, str | None, str], RawRead]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extensions: tuple[str, ...]
    reader: Reader


_PYOGRIO_ERRORS: tuple[type[BaseException], ...] = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    OSError,
    ValueError,
    UnicodeDecodeError,
    KeyError,
    RuntimeError,
    TypeError,
)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@contextmanager
def gdal_errors(what: str, label: str) -> Iterator[list[str]]:
    """Turn pyogrio/GDAL errors into ImportFormatError and collect GDAL warnings as notes."""
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield notes
        for w in caught:
            if issubclass(w.category, DeprecationWarning):
                continue
            if isinstance(w.message, _UnclosedRings):
                notes.append(
                    f"{w.message.count} polygon rings were not closed; each was closed by "
                    "repeating its first point — check those shapes in the preview"
                )
                continue
            text = str(w.message)
            if "Non closed ring detected" in text:
                continue  # counted by _UnclosedRings
            if "Several features with id" in text:
                notes.append("the file repeats ids (label points or tile pieces; see below)")
                continue
            notes.append(f"GDAL: {text}")
    except CocreateError:
        raise
    except _PYOGRIO_ERRORS as exc:
        raise ImportFormatError(
            key="formats.could_read_check_file", what=what, label=label, exc=_first_line(exc)
        ) from None


def check_feature_count(total: int, display: str) -> None:
    """Refuse a layer with more features than COCREATE_MAX_FEATURES, from its header (a 1.5 M
    feature zip was read in full, 50 s and +370 MB, before the count was checked)."""
    max_features = config.get("max_features")
    if total > max_features:
        raise TooLarge(
            key="geo_files.holds_features_above_limit",
            display=display,
            total=total,
            max_features=max_features,
        )


def _read_layer(
    path: Path, layer: str | None, **kwargs: Any
) -> tuple[gpd.GeoDataFrame, str | None, set[str]]:
    info = pyogrio.read_info(path, layer=layer, **kwargs)
    check_feature_count(max(int(info.get("features") or 0), 0), path.name)  # before reading
    frame = _read_frame(path, layer, **kwargs)
    ints = {
        name
        for name, ogr_type in zip(info["fields"], info.get("ogr_types", []), strict=False)
        if ogr_type in ("OFTInteger", "OFTInteger64")
    }
    crs = frame.crs.to_wkt() if frame.crs is not None else None
    return frame, crs, ints


def _read_frame(path: Path, layer: str | None, **kwargs: Any) -> gpd.GeoDataFrame:
    """The layer's features. A polygon ring that is not closed (GEOS refuses it in the WKB
    GDAL hands over) is closed by repeating its first point, counted in a note; any other
    geometry GEOS cannot build refuses the file with a message instead of a traceback."""
    try:
        return pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except shapely.errors.GEOSException as exc:
        if "closed linestring" not in str(exc):
            raise ImportFormatError(
                key="formats.geometry_unreadable", what=path.name, exc=_first_line(exc)
            ) from None
    strict = pyogrio.read_dataframe(path, layer=layer, on_invalid="ignore", **kwargs)
    frame = pyogrio.read_dataframe(path, layer=layer, on_invalid="fix", **kwargs)
    unclosed = int(strict.geometry.isna().sum() - frame.geometry.isna().sum())
    warnings.warn(_UnclosedRings(unclosed), stacklevel=2)
    return frame


class _UnclosedRings(UserWarning):
    """How many features had a polygon ring that was not closed (a note, not a failure)."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} polygon rings were not closed; each was closed")
        self.count = count


def _read_simple(label: str) -> Reader:
    def read(path: Path, encoding: str | None, what: str) -> RawRead:
        with gdal_errors(what, label) as notes:
            kwargs: dict[str, Any] = {"encoding": encoding} if encoding else {}
            frame, crs, ints = _read_layer(path, None, **kwargs)
        return RawRead([RawLayer(None, frame, crs, ints)], notes, label)

    return read


def _read_multi(label: str) -> Reader:
    """GeoPackage and KML: every spatial layer (GPKG tables, KML folders)."""

    def read(path: Path, encoding: str | None, what: str) -> RawRead:
        layers: list[RawLayer] = []
        with gdal_errors(what, label) as notes:
            listed = pyogrio.list_layers(path)
            for name, geometry_type in listed:
                if geometry_type is None:
                    notes.append(f"layer {name!r} has no geometry column; skipped")
                    continue
                frame, crs, ints = _read_layer(path, str(name))
                layers.append(RawLayer(str(name), frame, crs, ints))
        return RawRead(layers, notes, label)

    return read


def dbf_encoding(dbf: Path) -> str:
    """UTF-8 when the .dbf records decode as UTF-8, else GBK (Chinese GIS tools' default)."""
    data = dbf.read_bytes()
    header_len = int.from_bytes(data[8:10], "little") if len(data) >= 10 else 0
    body = data[header_len:]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "GBK"
    return "UTF-8"


def _sidecar(path: Path, ext: str) -> Path | None:
    for candidate in path.parent.glob(path.stem + ".*"):
        if candidate.stem == path.stem and candidate.suffix.lower() == ext:
            return candidate
    return None


def _read_shapefile(path: Path, encoding: str | None, what: str) -> RawRead:
    label = "a Shapefile"
    pre_notes: list[str] = []
    if _sidecar(path, ".dbf") is None or _sidecar(path, ".shx") is None:
        raise ImportFormatError(key="formats.shapefile_needs_shp_shx", what=what)
    cpg = _sidecar(path, ".cpg")
    if encoding:
        pre_notes.append(f"encoding: {encoding} (given with --encoding)")
    elif cpg is None:
        dbf_path = _sidecar(path, ".dbf")
        assert dbf_path is not None
        encoding = dbf_encoding(dbf_path)
        if encoding == "UTF-8":
            pre_notes.append("encoding: UTF-8 detected (no .cpg)")
        else:
            pre_notes.append(
                "encoding: GBK assumed (no .cpg and the .dbf is not UTF-8); pass --encoding if "
                "names look wrong"
            )
    with gdal_errors(what, label) as notes:
        kwargs: dict[str, Any] = {"encoding": encoding} if encoding else {}
        frame, crs, ints = _read_layer(path, None, **kwargs)
    if _sidecar(path, ".prj") is None:
        crs = None
    return RawRead([RawLayer(path.stem, frame, crs, ints)], pre_notes + notes, label)


def _read_dxf(path: Path, encoding: str | None, what: str) -> RawRead:
    label = "a DXF drawing"
    try:
        with gdal_errors(what, label) as notes:
            frame, dxf_notes = dxf.read_dxf_frame(path, encoding)
    except ImportFormatError as gdal_failure:
        try:
            frame, dxf_notes = dxf.read_dxf_ezdxf(path)
        except Exception:  # ezdxf's own errors are many; GDAL's message is the useful one
            raise gdal_failure from None
        notes = []
    return RawRead([RawLayer(None, frame, None, set(), dialect="dxf")], dxf_notes + notes, label)


def _read_csv(path: Path, encoding: str | None, what: str) -> RawRead:
    """Our own CSV export: a ``geometry_wkt`` column with WKT in WGS-84 plus attribute columns."""
    label = "a CSV with a geometry_wkt column"
    try:
        with path.open(encoding=encoding or "utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        raise ImportFormatError(
            key="formats.could_read_csv_save", what=what, exc=_first_line(exc)
        ) from None
    if not rows or "geometry_wkt" not in rows[0]:
        raise ImportFormatError(key="formats.csv_import_needs_geometry", what=what)
    geoms = []
    for i, row in enumerate(rows, start=1):
        wkt = (row.pop("geometry_wkt") or "").strip()
        try:
            geoms.append(shapely.from_wkt(wkt) if wkt else None)
        except shapely.errors.ShapelyError:
            raise ImportFormatError(
                key="formats.row_geometry_wkt_valid", what=what, i=i, wkt=wkt[:40]
            ) from None
    for row in rows:
        for key, value in row.items():
            row[key] = _csv_value(value)
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4326")
    return RawRead([RawLayer(None, frame, "EPSG:4326", set(), dialect="csv")], [], label)


_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*(e-?\d+)?|-?\d+e-?\d+", re.IGNORECASE)


def _csv_value(value: str | None) -> Any:
    if value is None or value == "":
        return None
    if _INT_RE.fullmatch(value) and not (len(value) > 1 and value.lstrip("-").startswith("0")):
        return int(value)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    if value in ("true", "false"):
        return value == "true"
    return value


def _read_zip(path: Path, encoding: str | None, what: str) -> RawRead:
    with safe_extract(path, what) as folder:
        inner = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file()
            and p.suffix.lower() in _BY_EXTENSION
            and p.suffix.lower() != ".zip"
            and not any(part.startswith("__MACOSX") for part in p.parts)
        )
        shps = [p for p in inner if p.suffix.lower() == ".shp"]
        chosen = shps or inner
        if not chosen:
            raise ImportFormatError(
                key="formats.holds_file_import_reads", what=what, value=supported_extensions()
            )
        result = RawRead([], [], "")
        for member in chosen:
            sub = _BY_EXTENSION[member.suffix.lower()].reader(
                member, encoding, f"{what}/{member.name}"
            )
            # the members together: many files each under the limit are refused at the first
            # one that passes it, not after reading them all
            check_feature_count(sum(len(x.frame) for x in (*result.layers, *sub.layers)), what)
            for layer in sub.layers:
                if layer.name is None:
                    layer.name = member.stem
            result.layers.extend(sub.layers)
            result.notes.extend(sub.notes)
            result.format_label = sub.format_label
        if len(chosen) > 1:
            result.notes.append(f"{len(chosen)} files in the zip read as layers")
        return result


@contextmanager
def safe_extract(path: Path, what: str) -> Iterator[Path]:
    """Extract a zip into a temporary folder after checking every member's name and size."""
    limit = config.get("max_unpacked_mb") * 1024 * 1024
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportFormatError(key="formats.valid_zip_archive_zip", what=what) from None
    with archive:
        total = 0
        for info in archive.infolist():
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or re.match(r"^[A-Za-z]:", info.filename):
                raise ImportFormatError(
                    key="formats.contains_unsafe_path_zip", what=what, filename=info.filename
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ImportFormatError(key="formats.contains_symbolic_link_zip", what=what)
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > limit or (ratio > 200 and info.file_size > 10 * 1024 * 1024):
                raise TooLarge(
                    key="formats.unpacks_more_than_mb", what=what, value=limit // (1024 * 1024)
                )
        folder = Path(tempfile.mkdtemp(prefix="cocreate-zip-"))
        unpacked = 0
        try:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                target = folder / PurePosixPath(info.filename.replace("\\", "/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                # counted while streaming: a header that lies about the size stops at the lie
                written = 0
                with archive.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1024 * 1024):
                        written += len(chunk)
                        if written > info.file_size:
                            raise TooLarge(key="formats.member_larger_than_header", what=what)
                        unpacked += len(chunk)
                        if unpacked > limit:
                            raise TooLarge(
                                key="formats.unpacks_more_than_mb",
                                what=what,
                                value=limit // (1024 * 1024),
                            )
                        dst.write(chunk)
            yield folder
        except zipfile.BadZipFile:
            raise ImportFormatError(key="formats.damaged_zip_archive_zip", what=what) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)


FORMATS: list[Format] = [
    Format("geojson", "GeoJSON", (".geojson", ".json"), _read_simple("GeoJSON")),
    Format("gpkg", "a GeoPackage", (".gpkg",), _read_multi("a GeoPackage")),
    Format("shapefile", "a Shapefile", (".shp",), _read_shapefile),
    Format("zip", "a zipped Shapefile", (".zip",), _read_zip),
    Format("kml", "KML", (".kml",), _read_multi("KML")),
    Format("dxf", "a DXF drawing", (".dxf",), _read_dxf),
    Format("csv", "CSV (geometry_wkt)", (".csv",), _read_csv),
]
_BY_EXTENSION: dict[str, Format] = {ext: f for f in FORMATS for ext in f.extensions}


def supported_extensions() -> str:
    return ", ".join(ext for f in FORMATS for ext in f.extensions)


def format_for_path(path: Path, display: str | None = None) -> Format:
    fmt = _BY_EXTENSION.get(path.suffix.lower())
    if fmt is None:
        raise ImportFormatError(
            key="formats.files_ending_supported_use",
            value=display or path.name,
            value2=path.suffix or "(no extension)",
            value3=supported_extensions(),
        )
    return fmt


def input_size(path: Path) -> int:
    """Bytes of the file, plus its side-car files for a Shapefile."""
    if path.suffix.lower() == ".shp":
        return sum(
            p.stat().st_size for p in path.parent.glob(path.stem + ".*") if p.stem == path.stem
        )
    return path.stat().st_size


# ---------------------------------------------------------------------------------------------
# Export writers


def _attr_columns(rows: list[Any]) -> list[str]:
    keys: dict[str, None] = {}
    for row in rows:
        for key in row.attrs:
            if key not in ("id", "kind", "name", "geometry", "geometry_wkt"):
                keys[key] = None
    return list(keys)


def write_geojson(rows: list[Any], path: Path) -> None:
    features = []
    for row in rows:
        props: dict[str, Any] = {"id": row.id, "kind": row.kind, "name": row.name}
        props.update({k: v for k, v in row.attrs.items() if k not in props})
        features.append({"type": "Feature", "properties": props, "geometry": mapping(row.geometry)})
    payload = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def _column(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="Int64")
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="float64")
    return pd.Series([None if v is None else str(v) for v in values], dtype="object")


def write_gpkg(rows: list[Any], path: Path) -> None:
    columns: dict[str, Any] = {
        "id": pd.Series([r.id for r in rows], dtype="int64"),
        "kind": pd.Series([r.kind for r in rows], dtype="object"),
        "name": pd.Series([r.name for r in rows], dtype="object"),
    }
    for key in _attr_columns(rows):
        columns[key] = _column([r.attrs.get(key) for r in rows])
    frame = gpd.GeoDataFrame(columns, geometry=[r.geometry for r in rows], crs="EPSG:4326")
    if path.exists():
        path.unlink()
    with gdal_errors(str(path), "a GeoPackage"):
        pyogrio.write_dataframe(
            frame, path, layer="elements", driver="GPKG", geometry_type="Unknown"
        )


def write_csv(rows: list[Any], path: Path) -> None:
    keys = _attr_columns(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "kind", "name", *(safe_cell(k) for k in keys), "geometry_wkt"])
        for r in rows:
            values = [r.attrs.get(k) for k in keys]
            cells = [
                "" if v is None else ("true" if v is True else "false" if v is False else v)
                for v in values
            ]
            writer.writerow(
                [
                    r.id,
                    r.kind,
                    safe_cell(r.name or ""),
                    *(safe_cell(c) for c in cells),
                    shapely.to_wkt(r.geometry, rounding_precision=-1),
                ]
            )


EXPORTS: dict[str, Callable[[list[Any], Path], None]] = {
    "geojson": write_geojson,
    "gpkg": write_gpkg,
    "csv": write_csv,
}


def writer_for(fmt: str) -> Callable[[list[Any], Path], None]:
    try:
        return EXPORTS[fmt.lower()]
    except KeyError:
        raise InvalidInput(
            key="formats.unknown_export_format_use", fmt=fmt, items=", ".join(EXPORTS)
        ) from None
