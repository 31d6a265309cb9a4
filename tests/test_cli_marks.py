"""cocreate user / marks: staff accounts and residents' marks from the command line."""

from __future__ import annotations

import csv
import getpass
import io
import json

import pytest
from sqlalchemy import func, select

from cocreate_map.cli import main
from cocreate_map.services import marks as M
from cocreate_map.services import staff as ST
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.db import make_engine, transaction
from cocreate_map.storage.mark_tables import MarkRow, StaffUserRow

SLUG = "cotton-compound"
PASSWORD = "a long enough secret"


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def db(sqlite_url):
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo(db):
    assert run("demo") == 0
    return db


@pytest.fixture
def prompts(monkeypatch):
    """Answers for getpass, in order; fails the test when asked more often."""
    answers: list[str] = []

    def fake(prompt=""):
        assert answers, f"unexpected password prompt {prompt!r}"
        return answers.pop(0)

    monkeypatch.setattr(getpass, "getpass", fake)
    return answers


def stdin(monkeypatch, text):
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("cocreate: ") and err.count("\n") == 1, err
    return err


def n(engine, table):
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(table))


def signs_in(engine, username, password):
    with transaction(engine) as s:
        return ST.sign_in(s, username, password)[0]


# ---------------------------------------------------------------- user


def test_user_add_list_passwd_disable(demo, prompts, monkeypatch, capsys):
    prompts += [PASSWORD, PASSWORD]
    assert run("user", "add", "Wang.Li", "--role", "planner", "--community", SLUG,
               "--name", "王丽") == 0  # fmt: skip
    assert capsys.readouterr().out == f"added planner wang.li (王丽) for community {SLUG}\n"
    assert prompts == []
    stdin(monkeypatch, PASSWORD + "\n")
    assert run("user", "add", "chief3", "--role", "building_chief", "--community", SLUG,
               "--buildings", "3，4栋", "--password-stdin") == 0  # fmt: skip
    assert "buildings 3, 4" in capsys.readouterr().out
    stdin(monkeypatch, PASSWORD + "\r\n")
    assert run("user", "add", "boss", "--role", "admin", "--password-stdin") == 0
    assert "for every community" in capsys.readouterr().out
    with transaction(demo) as s:
        hashes = s.scalars(select(StaffUserRow.password_hash)).all()
    assert len(hashes) == 3 and all(h.startswith("$argon2") for h in hashes)
    who = signs_in(demo, "chief3", PASSWORD)
    assert who.role.value == "building_chief" and who.buildings == ("3", "4")
    assert signs_in(demo, "boss", PASSWORD) is not None  # \r\n stripped
    assert run("user", "list") == 0
    out = capsys.readouterr().out
    assert "wang.li" in out and "王丽" in out and "(all)" in out and "3,4" in out
    assert run("user", "list", "--json") == 0
    users = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert users["wang.li"] == {
        "username": "wang.li", "name": "王丽", "role": "planner", "community": SLUG,
        "buildings": [], "state": "active",
    }  # fmt: skip
    assert users["boss"]["community"] is None
    prompts += ["another secret!", "another secret!"]
    assert run("user", "passwd", "WANG.LI") == 0
    assert "new password set for wang.li" in capsys.readouterr().out
    assert signs_in(demo, "wang.li", PASSWORD) is None
    assert signs_in(demo, "wang.li", "another secret!") is not None
    assert run("user", "disable", "wang.li") == 0
    assert "disabled wang.li" in capsys.readouterr().out
    assert signs_in(demo, "wang.li", "another secret!") is None
    assert run("user", "list", "--json") == 0
    assert {u["username"]: u["state"] for u in json.loads(capsys.readouterr().out)} == {
        "boss": "active", "chief3": "active", "wang.li": "disabled",
    }  # fmt: skip


def test_a_throttled_account_shows_and_an_admin_unlocks_it(demo, monkeypatch, capsys):
    stdin(monkeypatch, PASSWORD + "\n")
    assert run("user", "add", "zhao", "--role", "admin", "--password-stdin") == 0
    for _ in range(ST.MAX_FAILURES):
        assert signs_in(demo, "zhao", "wrong") is None
    capsys.readouterr()
    assert run("user", "list") == 0
    assert "throttled" in capsys.readouterr().out
    assert signs_in(demo, "zhao", PASSWORD) is None  # this client waits …
    assert run("user", "unlock", "ZHAO") == 0  # … until an admin unlocks it
    assert "unlocked zhao: 1 paused" in capsys.readouterr().out
    assert signs_in(demo, "zhao", PASSWORD) is not None
    assert run("user", "unlock", "nobody") == 2
    stdin(monkeypatch, "a fresh password\n")
    assert run("user", "passwd", "zhao", "--password-stdin") == 0
    assert signs_in(demo, "zhao", "a fresh password") is not None


def test_user_list_when_empty(db, capsys):
    assert run("user", "list") == 0
    assert "no staff accounts yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "answers", "match"),
    [
        (["--role", "planner"], ["first password", "second password"], "passwords differ"),
        (["--role", "planner"], ["short", "short"], "at least 10"),
        (["--role", "mayor"], [], "unknown role 'mayor'"),
        (["--role", "building_chief", "--community", SLUG], [], "needs --community SLUG and"),
        (["--role", "building_chief", "--buildings", "1"], [], "needs --community SLUG and"),
        (["--role", "planner", "--buildings", "1"], [], "--buildings is for building chiefs"),
        (["--role", "planner", "--community", "nowhere"], [], "nowhere"),
    ],
)
def test_user_add_bad_input_exits_2_and_saves_nothing(demo, prompts, capsys, args, answers, match):
    prompts += answers
    capsys.readouterr()
    assert run("user", "add", "wang", *args) == 2
    assert match in one_line_error(capsys)
    assert prompts == []  # asked only when the rest was fine
    assert n(demo, StaffUserRow) == 0


def test_user_add_bad_names_and_duplicates(demo, prompts, monkeypatch, capsys):
    prompts += [PASSWORD, PASSWORD]
    capsys.readouterr()
    assert run("user", "add", "王丽", "--role", "planner") == 2
    assert "not usable" in one_line_error(capsys)
    stdin(monkeypatch, PASSWORD + "\n")
    assert run("user", "add", "wang", "--role", "planner", "--password-stdin") == 0
    capsys.readouterr()
    prompts.clear()
    assert run("user", "add", "WANG", "--role", "admin") == 2  # no prompt: refused at once
    assert "exists already" in one_line_error(capsys)
    stdin(monkeypatch, "\n")
    assert run("user", "add", "li", "--role", "admin", "--password-stdin") == 2
    assert "empty line" in one_line_error(capsys)
    assert run("user", "passwd", "nobody") == 2
    assert "no staff account 'nobody'" in one_line_error(capsys)
    assert run("user", "disable", "nobody") == 2
    assert "no staff account" in one_line_error(capsys)
    assert [u.username for u in _users(demo)] == ["wang"]


def _users(engine):
    with transaction(engine) as s:
        return ST.list_users(s)


# ---------------------------------------------------------------- marks


def marks_and_audit(engine):
    return n(engine, MarkRow), n(engine, AuditRow)


def test_marks_import_export_summary(demo, tmp_path, capsys):
    assert run("marks", "summary", "--community", SLUG, "--json") == 0
    before = json.loads(capsys.readouterr().out)
    with transaction(demo) as s:
        expected = M.summary(s, SLUG)
    assert before["total"] == expected.total and before["by_category"] == expected.by_category
    assert before["satisfaction"] == expected.satisfaction
    n_before = n(demo, MarkRow)
    f = tmp_path / "纸质意见.csv"
    f.write_bytes(
        "经度,纬度,类别,意见,楼栋,单元,房号\n"
        "114.33518,30.53143,路灯,1栋门口路灯不亮,1,1,101\n"
        ",,垃圾,垃圾桶不够,5,,\n".encode("gbk")
    )
    assert run("marks", "import", f, "--community", SLUG) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"imported 2 paper opinion(s) into {SLUG}")
    assert n(demo, MarkRow) == n_before + 2
    with transaction(demo) as s:
        entries = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(2)).all()
    assert {(e.actor, e.action) for e in entries} == {("staff:cli", "mark.submit")}
    assert run("marks", "summary", "--community", SLUG, "--json") == 0
    after = json.loads(capsys.readouterr().out)
    assert after["total"] == before["total"] + 2
    assert after["by_category"]["lighting"] == before["by_category"].get("lighting", 0) + 1
    assert after["by_category"]["waste"] == before["by_category"].get("waste", 0) + 1
    assert sum(after["by_class"].values()) == after["total"]
    assert 0 <= after["resolution_rate"] <= 1 and 0 <= after["response_rate"] <= 1
    assert run("marks", "summary", "--community", SLUG) == 0
    text = capsys.readouterr().out
    for words in ("棉花小区 (cotton-compound)", "基础类", "完善类", "提升类", "by building: 1 ",
                  "resolution rate:", "response rate:", "satisfaction:"):  # fmt: skip
        assert words in text, words
    out_csv = tmp_path / "marks.csv"
    assert run("marks", "export", "--community", SLUG, "--format", "csv", "--out", out_csv) == 0
    assert capsys.readouterr().out == f"wrote {n_before + 2} marks to {out_csv}\n"
    data = out_csv.read_bytes()
    assert data[:3] == b"\xef\xbb\xbf"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == n_before + 2 and "1栋门口路灯不亮" in {r["text"] for r in rows}
    out_geo = tmp_path / "marks.geojson"
    assert run("marks", "export", "--community", SLUG, "--format", "geojson", "--out",
               out_geo) == 0  # fmt: skip
    fc = json.loads(out_geo.read_text("utf-8"))
    assert len(fc["features"]) == n_before + 2
    assert {f["properties"]["source"] for f in fc["features"]} >= {"paper"}


def test_marks_import_bad_rows_exit_2_and_write_nothing(demo, tmp_path, capsys):
    before = marks_and_audit(demo)
    f = tmp_path / "paper.csv"
    f.write_text(
        "lon,lat,category,text\n114.33518,30.53143,lighting,好\n114.33518,30.53143,lamp,坏\n"
        "114.4,30.6,lighting,太远\n",
        "utf-8",
    )
    capsys.readouterr()
    assert run("marks", "import", f, "--community", SLUG) == 2
    err = one_line_error(capsys)
    assert "line 3: unknown category 'lamp'" in err and "line 4: the mark is" in err
    assert "nothing was imported" in err
    assert marks_and_audit(demo) == before
    assert run("marks", "import", tmp_path / "missing.csv", "--community", SLUG) == 2
    assert "does not exist" in one_line_error(capsys)
    assert run("marks", "import", f, "--community", "nowhere") == 2
    assert "nowhere" in one_line_error(capsys)
    assert marks_and_audit(demo) == before


def test_marks_export_and_summary_bad_input(demo, tmp_path, capsys):
    capsys.readouterr()
    target = tmp_path / "no-such-folder" / "marks.csv"
    assert run("marks", "export", "--community", SLUG, "--format", "csv", "--out", target) == 2
    assert "does not exist" in one_line_error(capsys)
    assert not target.parent.exists()
    out = tmp_path / "marks.csv"
    assert run("marks", "export", "--community", "nowhere", "--format", "csv", "--out", out) == 2
    one_line_error(capsys)
    assert not out.exists()
    with pytest.raises(SystemExit) as exc:  # argparse: a format that is not offered
        run("marks", "export", "--community", SLUG, "--format", "xlsx", "--out", out)
    assert exc.value.code == 2 and not out.exists()
    assert "invalid choice: 'xlsx'" in capsys.readouterr().err
    assert run("marks", "summary", "--community", "nowhere") == 2
    one_line_error(capsys)


def test_empty_community_summary(db, tmp_path, capsys):
    geo = tmp_path / "site.geojson"
    geo.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
                    "properties": {"kind": "boundary"}, "geometry": {"type": "Polygon",
                    "coordinates": [[[114.3, 30.5], [114.301, 30.5], [114.301, 30.501],
                                     [114.3, 30.5]]]}}]}),
        "utf-8",
    )  # fmt: skip
    assert run("import", geo, "--community", "empty", "--create", "空小区", "--kind-field",
               "kind") == 0  # fmt: skip
    capsys.readouterr()
    assert run("marks", "summary", "--community", "empty") == 0
    out = capsys.readouterr().out
    assert "0 public opinions" in out and "resolution rate: - (0 of 0 adopted)" in out
    assert run("marks", "summary", "--community", "empty", "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert d["total"] == 0 and d["resolution_rate"] is None and d["satisfaction"] is None
