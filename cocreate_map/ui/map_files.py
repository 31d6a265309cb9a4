"""Site layers as static, versioned, gzip-compressed JSON under ``static/data/`` (git-ignored).

The browser fetches ``/app/static/data/<name>.json.gz`` once per community data version and
language (Streamlit's static serving), unpacks it with ``DecompressionStream`` and keeps it in
its HTTP cache; the map's script holds only the URL, so a rerun sends no map data. The name is
a hash of (community, data version, language, display coordinates, file format): a new import
gives a new data version and so a new file; an old file is never rewritten.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cocreate_map import config

URL_PREFIX = "/app/static/data"
FORMAT = "1"  # bump when the file's content changes for the same data (tooltips, rounding)


def data_dir() -> Path:
    return config.static_dir() / "data"


def compact_json(payload: Any) -> str:
    """Compact JSON with the text as UTF-8 (no ``\\uXXXX`` escapes)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def file_name(slug: str, version: str, lang: str, coords: str) -> str:
    key = "|".join((FORMAT, slug, version, lang, coords))
    return f"layers-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.json.gz"


def publish(name: str, build: Callable[[], Any]) -> str:
    """The URL of ``name``; writes ``build()`` as gzip-compressed compact JSON first if the file
    is not there yet (atomically: a reader never sees half a file)."""
    folder = data_dir()
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        body = gzip.compress(compact_json(build()).encode("utf-8"), compresslevel=9, mtime=0)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".gz")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return f"{URL_PREFIX}/{name}"


def read(url: str) -> Any:
    """What the browser gets from ``url`` (tests, benchmarks)."""
    name = url.rsplit("/", 1)[-1]
    return json.loads(gzip.decompress((data_dir() / name).read_bytes()).decode("utf-8"))
