"""cocreate works …: create, milestone, start/complete/accept/reopen, supervisor, list."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import func, select

from cocreate_map.cli import main
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.db import make_engine, transaction
from cocreate_map.storage.work_tables import WorkMilestoneRow, WorkRow

SLUG = "cotton-compound"
PASSWORD = "a long enough secret"


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def db(sqlite_url, monkeypatch):
    engine = make_engine(sqlite_url)
    assert run("demo") == 0
    for name, role, extra in (
        ("wang", "planner", ["--community", SLUG]),
        ("chief1", "building_chief", ["--community", SLUG, "--buildings", "1"]),
        ("chief7", "building_chief", ["--community", SLUG, "--buildings", "7"]),
    ):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert run("user", "add", name, "--role", role, *extra, "--password-stdin") == 0
    yield engine
    engine.dispose()


def counts(engine):
    with transaction(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (WorkRow, WorkMilestoneRow, AuditRow)
        )


def refused(capsys, *args) -> str:
    capsys.readouterr()
    assert run(*args) == 2
    err = capsys.readouterr().err
    assert err.startswith("cocreate: ") and err.count("\n") == 1, err
    return err


def test_create_milestone_lifecycle_and_list(db, capsys, tmp_path):
    capsys.readouterr()
    assert run("works", "create", "--community", SLUG, "--title", "1栋外墙粉刷", "--budget",
               "3000.00", "--category", "基础类", "--buildings", "1", "--by", "wang") == 0  # fmt: skip
    wid = int(capsys.readouterr().out.strip())
    photo = tmp_path / "p.jpg"
    Image.new("RGB", (30, 20), (250, 250, 245)).save(photo, "JPEG")
    assert run("works", "start", wid, "--by", "wang") == 0
    assert run("works", "milestone", wid, "--text", "脚手架搭好", "--progress", 40, "--photo",
               photo, "--by", "chief1") == 0  # fmt: skip
    capsys.readouterr()
    assert run("works", "list", "--community", SLUG, "--json") == 0
    [w] = [x for x in json.loads(capsys.readouterr().out) if x["id"] == wid]
    assert (w["title"], w["budget"], w["category"], w["status"], w["progress"]) == (
        "1栋外墙粉刷", "3000.00", "basic", "in_progress", 40,
    )  # fmt: skip
    assert run("works", "complete", wid, "--by", "wang") == 0
    assert run("works", "reopen", wid, "--reason", "北墙掉皮", "--by", "wang") == 0
    assert run("works", "complete", wid, "--by", "wang") == 0
    assert run("works", "accept", wid, "--by", "wang") == 0
    capsys.readouterr()
    assert run("works", "list", "--community", SLUG, "--json") == 0
    [w] = [x for x in json.loads(capsys.readouterr().out) if x["id"] == wid]
    assert (w["status"], w["progress"]) == ("accepted", 100)


def test_refusals_exit_2_with_one_line_and_change_nothing(db, capsys):
    capsys.readouterr()
    assert run("works", "create", "--community", SLUG, "--title", "1栋", "--buildings", "1",
               "--by", "wang") == 0  # fmt: skip
    wid = int(capsys.readouterr().out.strip())
    before = counts(db)
    cases = [
        ("works", "create", "--community", SLUG, "--title", "x", "--budget", "-5"),
        ("works", "create", "--community", SLUG, "--title", "x", "--budget", "1.005"),
        ("works", "create", "--community", SLUG, "--title", "x", "--category", "豪华类"),
        ("works", "create", "--community", SLUG, "--title", "x", "--ballot", 999),
        ("works", "create", "--community", SLUG, "--title", "x", "--by", "nobody"),
        ("works", "create", "--community", SLUG, "--title", "x", "--by", "chief1"),
        ("works", "create", "--community", "nowhere", "--title", "x"),
        ("works", "milestone", wid, "--text", "x", "--progress", 10, "--by", "chief7"),
        ("works", "milestone", wid, "--text", "x", "--progress", 101, "--by", "wang"),
        ("works", "milestone", wid, "--text", "x", "--progress", 10, "--photo", "no.jpg",
         "--by", "wang"),
        ("works", "milestone", 999, "--text", "x", "--progress", 10, "--by", "wang"),
        ("works", "complete", wid, "--by", "wang"),
        ("works", "accept", wid, "--by", "wang"),
        ("works", "start", wid, "--by", "chief1"),
        ("works", "start", wid, "--by", "ghost"),
        ("works", "supervisor", wid, "--household", "99-9-999", "--by", "wang"),
        ("works", "link", wid, "--marks", "9999", "--by", "wang"),
        ("works", "link", wid, "--marks", "x", "--by", "wang"),
    ]  # fmt: skip
    for args in cases:
        refused(capsys, *args)
    assert counts(db) == before
    err = refused(capsys, "works", "create", "--community", SLUG, "--title", "x", "--by", "nobody")
    assert "cocreate user add" in err


def test_supervisor_from_paper(db, capsys):
    capsys.readouterr()
    assert run("works", "create", "--community", SLUG, "--title", "1栋", "--buildings", "1") == 0
    wid = int(capsys.readouterr().out.strip())
    assert run("works", "supervisor", wid, "--household", "1-1-101", "--name", "杨大爷",
               "--by", "chief1") == 0  # fmt: skip
    refused(capsys, "works", "supervisor", wid, "--household", "1-1-101", "--by", "wang")
    capsys.readouterr()
    assert run("works", "list", "--community", SLUG, "--json") == 0
    [w] = [x for x in json.loads(capsys.readouterr().out) if x["id"] == wid]
    assert w["supervisors"] == 1
