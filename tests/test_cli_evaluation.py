"""cocreate works rate / contest / ratings / ratings-form and cocreate convention …: the demo's
finished wall work and its sanitation convention from the command line; refusals exit 2 with
one line and change nothing."""

from __future__ import annotations

import json

import pytest

from cocreate_map.cli import main


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def demo(sqlite_url, capsys):
    assert run("demo") == 0
    capsys.readouterr()
    return sqlite_url


def _ratings(capsys, work=3):  # the demo's finished first phase of the walls
    capsys.readouterr()
    assert run("works", "ratings", work, "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_ratings_contests_and_forms(demo, capsys, tmp_path):
    before = _ratings(capsys)
    assert set(before) >= {"households", "rated", "average", "satisfaction", "satisfaction_pct",
                           "by_building", "by_vote", "contests", "reopened"}  # fmt: skip
    assert before["households"] == 96 and 0 < before["rated"] < 96
    n, d = (int(x) for x in before["satisfaction"].split("/"))
    assert d == before["rated"] and before["satisfaction_pct"] == round(100 * n / d, 1)
    assert {v["choice"] for v in before["by_vote"]} <= {"棉花白", "灰色", "米黄色"}

    # the README's household 1-1-101 has not rated: a paper form entered at the console
    assert run("works", "rate", 3, "--household", "1-1-101", "--stars", 4, "--paper") == 0
    after = _ratings(capsys)
    assert after["rated"] == before["rated"] + 1
    assert run("works", "rate", 3, "--household", "1-1-101", "--stars", 5) == 0
    assert _ratings(capsys)["rated"] == after["rated"]  # changed, counted once

    for args, words in (
        (("--stars", 6), "1 to 5"),
        (("--stars", "x"), "1 to 5"),
    ):
        capsys.readouterr()
        assert run("works", "rate", 3, "--household", "1-1-102", *args) == 2
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1
    assert run("works", "rate", 2, "--household", "2-1-101", "--stars", 4) == 2  # window closed
    assert run("works", "rate", 1, "--household", "1-1-101", "--stars", 4) == 2  # not completed
    assert _ratings(capsys)["rated"] == after["rated"]

    assert run("works", "contest", 3, "--household", "1-1-102", "--reason", "窗下没刷匀") == 0
    assert run("works", "contest", 3, "--household", "1-1-102", "--reason", "还是没刷匀") == 2
    res = _ratings(capsys)
    assert res["contests"] == 1 and res["reopened"] is False

    out = tmp_path / "form.pdf"
    assert run("works", "ratings-form", 3, "--out", out) == 0
    data = out.read_bytes()
    assert data[:4] == b"%PDF" and b"NotoSansCJK" in data


def test_convention_sign_withdraw_progress(demo, capsys, tmp_path):
    articles = tmp_path / "articles.txt"
    articles.write_text("1. 垃圾分类投放\n2. 楼道不堆杂物\n", "utf-8")
    assert run("convention", "create", "--community", "cotton-compound", "--title", "2栋公约",
               "--articles", articles, "--buildings", "2") == 0  # fmt: skip
    cid = int(capsys.readouterr().out.strip())
    assert run("convention", "sign", cid, "--household", "2-1-101", "--paper") == 0
    assert run("convention", "sign", cid, "--household", "2-1-101") == 2  # twice
    assert run("convention", "sign", cid, "--household", "1-1-101") == 2  # outside its scope
    capsys.readouterr()
    assert run("convention", "progress", cid, "--json") == 0
    p = json.loads(capsys.readouterr().out)
    assert (p["households"], p["signed"], p["version"]) == (24, 1, 1)
    assert p["by_building"] == [{"building": "2", "households": 24, "signed": 1}]
    assert run("convention", "withdraw", cid, "--household", "2-1-101") == 0
    capsys.readouterr()
    assert run("convention", "progress", cid, "--json") == 0
    assert json.loads(capsys.readouterr().out)["signed"] == 0
    # the demo's sanitation convention is half signed
    assert run("convention", "progress", 1, "--json") == 0
    demo_conv = json.loads(capsys.readouterr().out)
    assert demo_conv["signed"] * 2 == demo_conv["households"] == 300


def _pdf_pages(data: bytes) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def test_convention_signature_sheet_per_building(demo, capsys, tmp_path):
    out = tmp_path / "sheet.pdf"
    assert run("convention", "sheet", 1, "--out", out) == 0
    assert "buildings" in capsys.readouterr().out
    data = out.read_bytes()
    assert data[:4] == b"%PDF" and b"NotoSansCJK" in data
    every = _pdf_pages(data)
    one = tmp_path / "one.pdf"
    assert run("convention", "sheet", 1, "--out", one, "--building", "3") == 0
    assert "1 buildings" in capsys.readouterr().out
    assert 1 <= _pdf_pages(one.read_bytes()) < every
    capsys.readouterr()
    assert run("convention", "sheet", 1, "--out", tmp_path / "x.pdf", "--building", "99") == 2
    err = capsys.readouterr().err
    assert "99" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()


def test_settings_set_the_defect_window_and_the_contest_threshold(demo, capsys):
    slug = "cotton-compound"
    # the window: the demo work was completed 5 days ago; a 3-day window has closed
    assert run("settings", "set", "--community", slug, "defect_window_days", "3") == 0
    assert "defect_window_days = 3" in capsys.readouterr().out
    assert run("works", "rate", 3, "--household", "1-1-201", "--stars", 4) == 2
    err = capsys.readouterr().err
    assert "3 天" in err or "3 days" in err
    assert run("settings", "set", "--community", slug, "defect_window_days", "30") == 0
    assert run("works", "rate", 3, "--household", "1-1-201", "--stars", 4) == 0
    for bad in ("0", "-3", "2.5", "abc", "99999"):
        capsys.readouterr()
        assert run("settings", "set", "--community", slug, "defect_window_days", bad) == 2
        err = capsys.readouterr().err
        assert "1 to 3650" in err and len(err.strip().splitlines()) == 1
    for bad in ("0", "2", "x", "1/0"):
        assert run("settings", "set", "--community", slug, "contest_threshold", bad) == 2
    # with the default 1/10 of 96 households, one contest does not reopen the work
    assert run("works", "contest", 3, "--household", "1-1-102", "--reason", "窗下没刷匀") == 0
    assert _ratings(capsys)["reopened"] is False
    capsys.readouterr()
    assert run("settings", "set", "--community", slug, "contest_threshold", "1/50") == 0
    assert "contest_threshold = 1/50" in capsys.readouterr().out
    assert run("works", "contest", 3, "--household", "1-1-202", "--reason", "颜色不匀") == 0
    res = _ratings(capsys)
    assert res["contest_threshold"] == "1/50" and res["reopened"] is True
    assert res["reopen_reason"].startswith("2/96 户")  # 2 of 96 reach 1/50: back in progress
