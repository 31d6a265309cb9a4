"""cocreate story WORK_ID --out story.pdf (issue 14.3): the demo's wall work and its finished,
rated first phase on the notice board — one or two A4 pages, Noto Sans CJK embedded, the marks,
the ballot's binding result with both measures, every receipt line, the ratings, and a QR code
with the live story page's address (COCREATE_PUBLIC_URL); an unknown work exits 2 and writes
nothing."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from cocreate_map.cli import main
from cocreate_map.domain.works import yuan_text


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def demo(sqlite_url, capsys, monkeypatch):
    monkeypatch.setenv("COCREATE_PUBLIC_URL", "https://map.cotton.example/")
    assert run("demo") == 0
    capsys.readouterr()
    return sqlite_url


def figures(capsys, work):
    capsys.readouterr()
    assert run("story", work, "--json") == 0
    return json.loads(capsys.readouterr().out)


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def test_the_wall_story_on_the_notice_board(demo, capsys, tmp_path):
    data = figures(capsys, 1)
    assert data["ballot"]["outcome"] == "passed" and data["ballot"]["adopted"] == "棉花白"
    assert data["marks"] and all(m["supports"] > 0 for m in data["marks"])
    assert len(data["money"]["receipts"]) >= 4
    out = tmp_path / "story.pdf"
    assert run("story", 1, "--out", out) == 0
    said = capsys.readouterr().out
    assert "(1 page(s))" in said or "(2 page(s))" in said
    assert out.read_bytes().startswith(b"%PDF")
    assert shutil.which("pdffonts"), "poppler-utils is missing (scripts/test installs it)"
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    line = next(x for x in fonts.splitlines() if "NotoSansCJK" in x)
    assert " yes " in line  # embedded
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    pages = int(next(x for x in info.splitlines() if x.startswith("Pages:")).split()[1])
    assert 1 <= pages <= 2
    text = pdf_text(out)
    assert "外墙粉刷（棉花白）" in text and "通过" in text and "胜出：棉花白" in text
    assert "按户数" in text and "按面积" in text
    for m in data["marks"]:
        assert f"我也是 me too: {m['supports']}" in text
    for r in data["money"]["receipts"]:
        assert r["receipt_no"] in text
    assert f"¥{yuan_text(int(data['money']['spent'].replace('.', '')))}" in text
    assert "待审核" in text and "已冲正" in text
    url = "https://map.cotton.example/works?work=1&view=story&community=cotton-compound"
    assert url in text.replace("\n", "")
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True)
    assert len(images.stdout.strip().splitlines()) >= 3  # header lines + the QR code


def test_the_finished_first_phase_prints_its_ratings(demo, capsys, tmp_path):
    data = figures(capsys, 3)
    assert data["work"]["status"] == "completed" and data["ratings"]["rated"] > 0
    out = tmp_path / "phase.pdf"
    assert run("story", 3, "--out", out) == 0
    text = pdf_text(out)
    assert f"平均 average {data['ratings']['average']} 星" in text
    assert f"参评 rated {data['ratings']['rated']}/{data['ratings']['households']} 户" in text
    assert "尚无记账的支出" in text


def test_an_unknown_work_exits_2_and_writes_nothing(demo, capsys, tmp_path):
    out = tmp_path / "none.pdf"
    assert run("story", 999, "--out", out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "999" in err[0] and "cocreate works list" in err[0]
    assert not out.exists()
    assert run("story", 1) == 2  # neither --out nor --json: says what to add
    assert "--out" in capsys.readouterr().err
