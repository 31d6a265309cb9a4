"""Uploaded files → a path on disk the importer can read (size-checked, names sanitised)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from cocreate_map import config
from cocreate_map.errors import InvalidInput, TooLarge

SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"}


class Upload(Protocol):
    name: str
    size: int

    def getvalue(self) -> bytes: ...


def _safe_name(name: str) -> str:
    base = Path(name).name
    cleaned = re.sub(r"[\x00-\x1f/\\]", "_", base).strip(". ")
    return cleaned or "upload"


def stage(uploads: Sequence[Upload]) -> tuple[Path, str]:
    """Write the uploads to a fresh temporary folder; return (path to read, display name).

    One file is read as it is; several files must be the parts of one Shapefile.
    """
    if not uploads:
        raise InvalidInput("choose a file to import")
    limit_mb: int = config.get("max_upload_mb")
    total = sum(u.size for u in uploads)
    if total > limit_mb * 1024 * 1024:
        raise TooLarge(
            f"the upload is {total / 1024 / 1024:,.1f} MB, above the {limit_mb} MB limit "
            "(COCREATE_MAX_UPLOAD_MB); clip the data to the estate first"
        )
    folder = Path(tempfile.mkdtemp(prefix="cocreate-upload-"))
    paths = []
    for upload in uploads:
        path = folder / _safe_name(upload.name)
        path.write_bytes(upload.getvalue())
        paths.append(path)
    if len(paths) == 1:
        return paths[0], paths[0].name
    odd = [p.name for p in paths if p.suffix.lower() not in SHAPEFILE_PARTS]
    shp = [p for p in paths if p.suffix.lower() == ".shp"]
    if odd or len(shp) != 1:
        raise InvalidInput(
            "several files can only be the parts of one Shapefile (.shp, .shx, .dbf, .prj, "
            ".cpg); upload other formats one at a time, or zip the Shapefile"
        )
    return shp[0], shp[0].name
