"""Issue 11.6: hostile files are refused from what their headers say, before the work they would
cost — zip sizes, feature and vertex counts, photo pixels — and at most COCREATE_MAX_HEAVY_JOBS
heavy reads run at once. The figures (peak memory, time to refusal) are in benchmarks/limits.py."""

from __future__ import annotations

import io
import json
import math
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from shapely.geometry import Polygon

from cocreate_map.errors import InvalidGeometry, TooLarge
from cocreate_map.io import limits
from cocreate_map.io.geo_files import read_geo_file
from cocreate_map.io.photos import MAX_SIDE, clean_photo
from cocreate_map.services.marks import parse_geometry

CX, CY = 114.3352, 30.5314  # the demo community


def points(n: int) -> str:
    feats = [
        {"type": "Feature", "properties": {"i": i},
         "geometry": {"type": "Point", "coordinates": [CX + i * 1e-6, CY]}}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": feats})


def ring(n: int, r: float = 0.0004, dx: float = 0.0) -> list[list[float]]:
    pts = [
        [CX + dx + r * math.cos(2 * math.pi * k / n), CY + r * math.sin(2 * math.pi * k / n)]
        for k in range(n)
    ]
    return [*pts, pts[0]]


def polygons(path: Path, *rings: list[list[float]]) -> Path:
    feats = [
        {"type": "Feature", "properties": {"kind": "green_belt"},
         "geometry": {"type": "Polygon", "coordinates": [r]}}
        for r in rings
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_zip_unpacking_past_the_limit_is_refused_from_its_headers(tmp_path, monkeypatch):
    monkeypatch.setenv("COCREATE_MAX_UNPACKED_MB", "1")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.geojson", points(10) + " " * (3 * 1024 * 1024))  # 3 MB, packs to ~3 KB
    assert bomb.stat().st_size < 50_000
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "t"))
    (tmp_path / "t").mkdir()
    with pytest.raises(TooLarge, match="1 MB"):
        read_geo_file(bomb)
    assert list((tmp_path / "t").iterdir()) == []  # nothing was unpacked


def test_many_small_members_are_refused_at_the_first_past_the_feature_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("COCREATE_MAX_FEATURES", "100")
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(5):
            z.writestr(f"part{i}.geojson", points(60))
    with pytest.raises(TooLarge) as err:
        read_geo_file(many)
    # counted as the members are read: refused at the second (120), not after all five (300)
    assert "120" in err.value.render("en") and "300" not in err.value.render("en")


def test_a_polygon_with_too_many_vertices_is_refused_before_any_work(tmp_path, monkeypatch):
    big = polygons(tmp_path / "big.geojson", ring(60_000))
    with pytest.raises(TooLarge) as err:
        read_geo_file(big)
    assert "60001" in err.value.render("en") and "50000" in err.value.render("en")
    assert "顶点" in err.value.render("zh") and "简化" in err.value.render("zh")
    monkeypatch.setenv("COCREATE_MAX_VERTICES", "1000")
    three = polygons(tmp_path / "three.geojson", *(ring(400, 0.0001, k * 0.0003) for k in range(3)))
    with pytest.raises(TooLarge, match="1203 vertices"):
        read_geo_file(three)
    monkeypatch.setenv("COCREATE_MAX_VERTICES", "2000")
    assert len(read_geo_file(three).features) == 3


def test_a_drawn_mark_with_too_many_points_is_refused():
    drawn = Polygon(ring(60_000))
    with pytest.raises(InvalidGeometry, match="60001 points"):
        parse_geometry(drawn)
    assert parse_geometry(Polygon(ring(40))).geom_type == "Polygon"


def picture(fmt: str, size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 160, 90)).save(buf, format=fmt)
    return buf.getvalue()


def test_photo_pixels_are_checked_from_the_header(monkeypatch):
    big_jpeg = picture("JPEG", (7200, 5400))  # 39 MP in a small file
    assert len(big_jpeg) < 1024 * 1024
    photo = clean_photo(big_jpeg)  # within 50 MP: decoded at reduced scale, then scaled
    assert max(photo.width, photo.height) == MAX_SIDE
    monkeypatch.setenv("COCREATE_MAX_PHOTO_MEGAPIXELS", "30")
    with pytest.raises(TooLarge, match="7200×5400"):
        clean_photo(big_jpeg)
    monkeypatch.delenv("COCREATE_MAX_PHOTO_MEGAPIXELS")
    with pytest.raises(TooLarge) as err:
        clean_photo(picture("PNG", (7200, 5400)))  # lossless: no reduced-scale decoding
    assert "JPEG" in err.value.render("zh") and "12" in err.value.render("en")


def test_heavy_jobs_wait_for_a_slot_then_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("COCREATE_MAX_HEAVY_JOBS", "1")
    monkeypatch.setattr(limits, "WAIT_S", 0.2)
    small = polygons(tmp_path / "small.geojson", ring(40))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with limits.heavy_job("other"):
            held.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        assert held.wait(10)
        with pytest.raises(TooLarge) as err:
            read_geo_file(small)
        assert "一分钟" in err.value.render("zh") and "minute" in err.value.render("en")
        with pytest.raises(TooLarge):
            clean_photo(picture("JPEG", (64, 64)))
    finally:
        release.set()
        worker.join()
    assert len(read_geo_file(small).features) == 1  # the slot is free again
