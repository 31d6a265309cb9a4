"""``cocreate codes --households … / --new-only`` (issue 10.7) and the public address on paper
(issue 10.4): slips for two new flats only, other codes keep working; no slip, pack or notice
with a localhost address unless --allow-loopback."""

from __future__ import annotations

import subprocess

import pytest

from cocreate_map import services
from cocreate_map.cli import main
from cocreate_map.services import households as H
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, migrate, transaction
from tests.services.ballot_factories import make_register

SLUG = "flats"
LAN = "http://192.168.1.20:8501"


def run(*args):
    return main([str(a) for a in args])


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


@pytest.fixture
def register(sqlite_url, monkeypatch):
    engine = make_engine(sqlite_url)
    migrate(engine)
    monkeypatch.setenv("COCREATE_PUBLIC_URL", LAN)
    reg = make_register(engine, slug=SLUG, buildings=[("3", 4)])
    with transaction(engine) as s:
        services.create_ballot(s, SLUG, "加装电梯？", "simple-majority", who=local_admin("t"))
    return engine, reg


def test_slips_for_the_new_flats_only_then_a_lost_one(register, tmp_path, capsys):
    engine, reg = register
    f = tmp_path / "new.csv"
    f.write_text("楼栋,单元,房号,面积\n3,2,501,66.60\n3,2,502,70.00\n", "utf-8")
    assert run("households", "import", f, "--community", SLUG) == 0
    assert "--new-only" in capsys.readouterr().out
    slips = tmp_path / "new.pdf"
    assert run("codes", "--community", SLUG, "--new-only", "--out", slips) == 0  # no --yes
    out = capsys.readouterr().out
    assert "wrote 2 household slips" in out and "3-2-501, 3-2-502" in out
    text = pdf_text(slips)
    assert "501" in text and "502" in text and "101" not in text
    assert text.count(f"网址 Address: {LAN}/vote") == 2  # and the QR codes link there
    with transaction(engine) as s:  # the old households' codes still work
        for label, (hid, code) in reg.items():
            assert H.join_with_code(s, SLUG, code, client="c|1").household.id == hid, label
    assert run("codes", "--community", SLUG, "--new-only", "--out", tmp_path / "x.pdf") == 2
    assert "--households" in capsys.readouterr().err
    lost = tmp_path / "lost.pdf"
    assert run("codes", "--community", SLUG, "--households", "3-1-201", "--out", lost) == 2
    assert "--yes" in capsys.readouterr().err and not lost.exists()  # a ballot is open
    args = ("codes", "--community", SLUG, "--households", "3-1-201,3-2-502", "--out", lost)
    assert run(*args, "--yes") == 0
    assert "wrote 2 household slips" in capsys.readouterr().out
    with transaction(engine) as s:
        hid, code = reg["3-1-201"]
        assert H.join_with_code(s, SLUG, code, client="c|2").household is None
        hid, code = reg["3-1-101"]
        assert H.join_with_code(s, SLUG, code, client="c|2").household.id == hid
    assert run("codes", "--community", SLUG, "--households", "9-1-101", "--out", lost) == 2
    assert "9-1-101" in capsys.readouterr().err


@pytest.mark.parametrize("address", ["http://localhost:8501", "http://127.0.0.1:8501/"])
def test_no_slips_packs_or_notices_with_a_loopback_address(
    register, tmp_path, capsys, monkeypatch, address
):
    engine, reg = register
    monkeypatch.setenv("COCREATE_PUBLIC_URL", address)
    slips = tmp_path / "slips.pdf"
    before = {}
    with transaction(engine) as s:
        before = {h.label: h.code_hash for h in H.list_households(s, SLUG)}
        bid = services.list_ballots(s, SLUG)[0].id
    for argv, out in (
        (("codes", "--community", SLUG, "--households", "3-1-101", "--yes"), slips),
        (("meeting-pack", bid), tmp_path / "pack.pdf"),
        (("ballot", "notice", bid), tmp_path / "notice.pdf"),
        (("funds", "notice", "--community", SLUG), tmp_path / "funds.pdf"),
    ):
        assert run(*argv, "--out", out) == 2, argv
        err = capsys.readouterr().err
        assert "--allow-loopback" in err and "COCREATE_PUBLIC_URL" in err, argv
        assert not out.exists(), argv
    with transaction(engine) as s:  # nothing changed: no code renewed
        assert {h.label: h.code_hash for h in H.list_households(s, SLUG)} == before
    assert run("codes", "--community", SLUG, "--households", "3-1-101", "--yes",
               "--out", slips, "--allow-loopback") == 0  # fmt: skip
    assert f"网址 Address: {address.rstrip('/')}/vote" in pdf_text(slips)
