"""Resource limits before work (issue 11.6): peak memory and time until a hostile file is refused.

Each case runs in a fresh Python process (peak RSS from ``wait4``); the floor is the same process
importing the package and reading nothing, measured in this run. Cases:

- zip: 669 KB of GeoJSON members that unpack to ~196 MB and ~1.5 M point features;
- polygon: one polygon of 1,000,000 vertices inside the demo community (a GeoJSON import);
- photo-jpeg / photo-png: a 7200×5400 (39 MP) picture in a small file.

Run: .venv/bin/python benchmarks/limits.py [--tree PATH]  (PATH: another checkout to compare,
e.g. the commit before the limits; default this checkout).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

CASE = r"""
import sys, time
from pathlib import Path
kind, path = sys.argv[1], Path(sys.argv[2])
from cocreate_map.errors import CocreateError
from cocreate_map.io.geo_files import read_geo_file
from cocreate_map.io.photos import clean_photo
t0 = time.perf_counter()
outcome = "accepted"
try:
    if kind == "floor":
        pass
    elif kind.startswith("photo"):
        clean_photo(path.read_bytes())
    else:
        read_geo_file(path)
except CocreateError as exc:
    outcome = "refused: " + exc.render("en")[:90]
print(f"{time.perf_counter() - t0:.2f}\t{outcome}")
"""


def zip_bomb(folder: Path) -> Path:
    feature = {"type": "Feature", "properties": {"n": 1},
               "geometry": {"type": "Point", "coordinates": [114.3352, 30.5314]}}  # fmt: skip
    one = json.dumps(feature) + ","
    per_member = 76_500
    text = ('{"type":"FeatureCollection","features":[' + one * per_member)[:-1] + "]}"
    out = folder / "bomb.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for i in range(20):
            z.writestr(f"layer{i:02d}.geojson", text)
    return out


def polygon(folder: Path, n: int = 1_000_000) -> Path:
    cx, cy, r = 114.3352, 30.5314, 0.0005
    ring = [[round(cx + r * math.cos(2 * math.pi * k / n), 8),
             round(cy + r * math.sin(2 * math.pi * k / n), 8)] for k in range(n)]  # fmt: skip
    ring.append(ring[0])
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature",
           "properties": {"kind": "green_belt"},
           "geometry": {"type": "Polygon", "coordinates": [ring]}}]}  # fmt: skip
    out = folder / "polygon.geojson"
    out.write_text(json.dumps(doc))
    return out


def photo(folder: Path, fmt: str) -> Path:
    from PIL import Image

    img = Image.new("RGB", (7200, 5400), (120, 160, 90))
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": 60} if fmt == "JPEG" else {"optimize": True}))
    out = folder / f"photo.{fmt.lower()}"
    out.write_bytes(buf.getvalue())
    return out


def run(tree: Path, kind: str, path: Path) -> tuple[float, float, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CASE, kind, str(path)],
        cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        return wall, usage.ru_maxrss / 1024, "crashed: " + err.strip().splitlines()[-1][:90]
    secs, outcome = out.strip().split("\t", 1)
    return float(secs), usage.ru_maxrss / 1024, outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, default=HERE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = {
            "floor": folder,
            "zip": zip_bomb(folder),
            "polygon": polygon(folder),
            "photo-jpeg": photo(folder, "JPEG"),
            "photo-png": photo(folder, "PNG"),
        }
        print(f"tree: {args.tree}")
        floor_mb = 0.0
        for kind, path in cases.items():
            size = path.stat().st_size / 1024 if path.is_file() else 0
            secs, peak_mb, outcome = run(args.tree, kind, path)
            if kind == "floor":
                floor_mb = peak_mb
            extra = peak_mb - floor_mb
            print(f"{kind:11s} file {size:8.0f} KB  {secs:6.2f} s  peak {peak_mb:6.0f} MB "
                  f"(+{extra:5.0f} MB over the floor)  {outcome}")  # fmt: skip


if __name__ == "__main__":
    main()
