"""``cocreate metrics``, ``cocreate options …`` and ``cocreate import --option``."""

import json
import shutil
import subprocess

import pytest

from cocreate_map.cli import main

A, B, C = "方案A：草坪改车位", "方案B：保留绿地", "方案C：平衡"
DOCUMENTED = {
    "parking_stalls",
    "green_area_m2",
    "green_ratio",
    "demolished_area_m2",
    "fire_lane_min_clear_width_m",
    "walk_coverage",
    "cost_total",
    "violations",
}


def run(*args):
    return main(list(args))


@pytest.fixture
def demo(sqlite_url, capsys):
    assert run("demo") == 0
    capsys.readouterr()
    return sqlite_url


def test_metrics_json_has_the_documented_keys(demo, capsys):
    assert run("metrics", "--community", "cotton-compound", "--json") == 0
    today = json.loads(capsys.readouterr().out)
    assert DOCUMENTED <= set(today) and today["option"] is None
    assert run("metrics", "--community", "cotton-compound", "--option", A, "--json") == 0
    a = json.loads(capsys.readouterr().out)
    assert a["parking_stalls"] == today["parking_stalls"] + 48
    assert a["ballot_rule_default"] == "civil-code-special"
    for v in a["violations"]:
        assert {"rule", "message", "location"} <= set(v)
        assert v["location"] is None or len(v["location"]) == 2
    assert run("metrics", "--community", "cotton-compound", "--option", B) == 0
    assert "fire_lane_min_clear_width_m" in capsys.readouterr().out


def test_options_list_export_and_import_option(demo, tmp_path, capsys):
    assert run("options", "list", "--community", "cotton-compound") == 0
    out = capsys.readouterr().out
    assert A in out and B in out and C in out
    f = tmp_path / "c.geojson"
    assert run("options", "export", "--community", "cotton-compound", "--option", C,
               "--out", str(f)) == 0  # fmt: skip
    assert len(json.loads(f.read_text("utf-8"))["features"]) == 20
    code = run("import", str(f), "--community", "cotton-compound", "--option", "方案C 副本")
    assert code == 0
    assert "created option 方案C 副本" in capsys.readouterr().out
    assert run("options", "list", "--community", "cotton-compound", "--json") == 0
    names = [o["name"] for o in json.loads(capsys.readouterr().out)]
    assert "方案C 副本" in names


def test_errors_are_one_line_exit_2_and_write_nothing(demo, tmp_path, capsys):
    assert run("metrics", "--community", "cotton-compound", "--option", "没有") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no option '没有'" in err
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "building", "action": "remove", "ref": "nope"},
         "geometry": None}]}), "utf-8")  # fmt: skip
    assert run("import", str(bad), "--community", "cotton-compound", "--option", "坏") == 2
    assert "ref 'nope'" in capsys.readouterr().err
    assert run("options", "list", "--community", "cotton-compound", "--json") == 0
    assert "坏" not in [o["name"] for o in json.loads(capsys.readouterr().out)]


def test_sheet_pdf_has_the_cjk_font_embedded(demo, tmp_path, capsys):
    out = tmp_path / "sheet.pdf"
    assert run("options", "sheet", "--community", "cotton-compound", "--options",
               f"{A},{B},{C}", "--out", str(out)) == 0  # fmt: skip
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"NotoSansCJK" in data
    assert shutil.which("pdffonts"), "poppler-utils is missing (scripts/test installs it)"
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    line = next(x for x in fonts.splitlines() if "NotoSansCJK" in x)
    assert " yes " in line  # embedded
    assert run("options", "sheet", "--community", "cotton-compound", "--options", "A,B,C,D",
               "--out", str(out)) == 2  # fmt: skip
