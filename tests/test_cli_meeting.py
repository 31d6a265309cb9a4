"""``cocreate meeting-pack``: the PDF has agenda, option pages, paper ballots and the sign-in
sheet, with the Noto CJK font embedded."""

from __future__ import annotations

import argparse
import subprocess

from cocreate_map import cli_meeting, services
from cocreate_map.errors import NotFound
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, migrate, transaction


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cocreate")
    cli_meeting.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def test_meeting_pack_writes_pdf_with_cjk_font(sqlite_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COCREATE_PUBLIC_URL", "http://192.168.1.20:8501")  # the hall's address
    engine = make_engine(sqlite_url)
    migrate(engine)
    with transaction(engine) as s:
        services.load_demo(s)
        bid = services.create_ballot(
            s,
            services.DEMO_SLUG,
            "是否采纳方案B？",
            "co-creation-two-thirds",
            buildings=["1"],
            who=local_admin("test"),
        ).id
    out = tmp_path / "pack.pdf"
    args = parse("meeting-pack", str(bid), "--out", str(out))
    assert args.func(args) == 0
    assert "pages" in capsys.readouterr().out
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "NotoSansCJK" in fonts and " yes " in fonts
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    for words in ("议程", "纸质选票", f"B{bid}-0001", "签到表", "方案A"):
        assert words in text, words


def test_meeting_pack_unknown_ballot(sqlite_url, tmp_path):
    migrate(make_engine(sqlite_url))
    args = parse("meeting-pack", "999", "--out", str(tmp_path / "p.pdf"))
    try:
        args.func(args)
    except NotFound as exc:
        assert "999" in exc.message
    else:
        raise AssertionError("expected NotFound")
    assert not (tmp_path / "p.pdf").exists()
