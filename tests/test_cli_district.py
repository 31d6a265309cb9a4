"""cocreate community move / backup / restore: a community starts on a laptop and joins the
district database; backups come back and their audit chains still verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from cocreate_map.cli import main
from cocreate_map.storage.db import make_engine

SLUG = "cotton-compound"
REALDATA_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "realdata"
    / "shanghai_osm"
    / "buildings.geojson"
)


def run(*args):
    return main([str(a) for a in args])


def counts(url: str, community: str) -> dict[str, int]:
    """Rows of the community per table, by the natural join of each table to it."""
    eng = make_engine(url)
    q = {
        "elements": "SELECT count(*) FROM elements e JOIN communities c ON c.id = e.community_id",
        "households": "SELECT count(*) FROM households h JOIN communities c ON c.id = h.community_id",
        "ballots": "SELECT count(*) FROM ballots b JOIN communities c ON c.id = b.community_id",
        "votes": "SELECT count(*) FROM votes v JOIN ballots b ON b.id = v.ballot_id "
        "JOIN communities c ON c.id = b.community_id",
        "vote_history": "SELECT count(*) FROM vote_history v JOIN ballots b ON b.id = v.ballot_id "
        "JOIN communities c ON c.id = b.community_id",
        "marks": "SELECT count(*) FROM marks m JOIN communities c ON c.id = m.community_id",
        "mark_supports": "SELECT count(*) FROM mark_supports s JOIN marks m ON m.id = s.mark_id "
        "JOIN communities c ON c.id = m.community_id",
        "options": "SELECT count(*) FROM options o JOIN communities c ON c.id = o.community_id",
        "option_changes": "SELECT count(*) FROM option_changes x JOIN options o ON o.id = x.option_id "
        "JOIN communities c ON c.id = o.community_id",
        "audit_log": "SELECT count(*) FROM audit_log a JOIN communities c ON c.id = a.community_id",
    }
    with eng.connect() as conn:
        out = {
            k: conn.execute(text(v + " WHERE c.slug = :s"), {"s": community}).scalar_one()
            for k, v in q.items()
        }
    eng.dispose()
    return out


@pytest.fixture
def laptop(sqlite_url, capsys):
    """The demo on SQLite with a ballot and three votes (one of them changed)."""
    assert run("demo") == 0
    assert run("ballot", "create", "--community", SLUG, "--title", "采用方案B？",
               "--rule", "simple-majority") == 0  # fmt: skip
    ballot_id = int(capsys.readouterr().out.strip().splitlines()[-1])
    eng = make_engine(sqlite_url)
    with eng.begin() as conn:
        hh = conn.execute(text("SELECT id FROM households ORDER BY id LIMIT 3")).scalars().all()
    eng.dispose()
    from cocreate_map.services import ballots
    from cocreate_map.storage.db import transaction

    eng = make_engine(sqlite_url)
    for h, choice in zip(hh, ["yes", "no", "yes"], strict=True):
        with transaction(eng) as s:
            ballots.cast_vote(s, ballot_id, h, choice)
    with transaction(eng) as s:
        ballots.cast_vote(s, ballot_id, hh[1], "yes")  # a changed vote: history has two rows
    eng.dispose()
    capsys.readouterr()
    return sqlite_url


@pytest.mark.postgres
def test_move_copies_every_row_and_the_chain_still_verifies(
    laptop, fresh_pg_url, monkeypatch, capsys, tmp_path
):
    # The district database already holds another community, so every id must be given anew.
    monkeypatch.setenv("COCREATE_DATABASE_URL", fresh_pg_url)
    assert run("init") == 0
    # ... with households and a ballot of its own, so household and ballot ids shift too.
    reg = tmp_path / "other.csv"
    reg.write_text(
        "楼栋,单元,房号,面积\n" + "".join(f"9,1,{r}01,60.00\n" for r in range(1, 8)), "utf-8"
    )
    assert run("import", REALDATA_SAMPLE, "--community", "other", "--create", "别的小区") == 0
    assert run("households", "import", reg, "--community", "other") == 0
    assert run("ballot", "create", "--community", "other", "--title", "别的表决",
               "--rule", "simple-majority") == 0  # fmt: skip
    monkeypatch.setenv("COCREATE_DATABASE_URL", laptop)
    before = counts(laptop, SLUG)
    assert before["votes"] >= 3 and before["vote_history"] > before["votes"] and before["marks"] > 0
    capsys.readouterr()
    assert run("community", "move", SLUG, "--to", fresh_pg_url) == 0
    assert "audit chain verified" in capsys.readouterr().out
    after = counts(fresh_pg_url, SLUG)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert after["audit_log"] == before["audit_log"] + 1  # the move itself is logged
    monkeypatch.setenv("COCREATE_DATABASE_URL", fresh_pg_url)
    assert run("audit", "verify") == 0
    out = capsys.readouterr().out
    assert f"{SLUG}: OK" in out
    # The moved votes still tally the same, under their new ids.
    pg = make_engine(fresh_pg_url)
    with pg.begin() as conn:
        new_id = conn.execute(text("SELECT max(b.id) FROM ballots b JOIN communities c ON c.id = "
                                   "b.community_id WHERE c.slug = :s"), {"s": SLUG}).scalar_one()  # fmt: skip
    pg.dispose()
    assert run("ballot", "tally", new_id, "--json") == 0
    tally = json.loads(capsys.readouterr().out)
    assert tally["participation"]["households"] == 3 and tally["approval"]["households"] == 3
    # A vote deleted in the target is still found out, under the new ids.
    pg = make_engine(fresh_pg_url)
    with pg.begin() as conn:
        conn.execute(text("DELETE FROM votes WHERE id = (SELECT min(v.id) FROM votes v WHERE v.ballot_id = :b)"),
                     {"b": new_id})  # fmt: skip
    pg.dispose()
    assert run("audit", "verify") != 0


@pytest.mark.postgres
def test_move_refuses_a_slug_the_district_has_and_changes_nothing(
    laptop, fresh_pg_url, monkeypatch, capsys
):
    assert run("community", "move", SLUG, "--to", fresh_pg_url) == 0
    first = counts(fresh_pg_url, SLUG)
    capsys.readouterr()
    assert run("community", "move", SLUG, "--to", fresh_pg_url) == 2
    err = capsys.readouterr().err
    assert "already has a community cotton-compound" in err and len(err.strip().splitlines()) == 1
    assert counts(fresh_pg_url, SLUG) == first


def test_move_refuses_a_sqlite_target_and_the_same_database(laptop, tmp_path, capsys):
    assert run("community", "move", SLUG, "--to", f"sqlite:///{tmp_path / 'x.sqlite3'}") == 2
    assert "must be PostgreSQL" in capsys.readouterr().err
    assert run("community", "move", SLUG, "--to", laptop) == 2
    assert "database in use" in capsys.readouterr().err


def test_move_refuses_a_source_whose_chain_is_broken(laptop, fresh_pg_url, capsys):
    eng = make_engine(laptop)
    with eng.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2"))
    eng.dispose()
    assert run("community", "move", SLUG, "--to", fresh_pg_url) == 2
    assert "does not verify" in capsys.readouterr().err


def _delete_community(url: str) -> None:
    eng = make_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM communities WHERE slug = :s"), {"s": SLUG})
    eng.dispose()


def test_sqlite_backup_restores_and_verifies(laptop, tmp_path, capsys):
    before = counts(laptop, SLUG)
    out = tmp_path / "backup.sqlite3"
    assert run("backup", "--out", out) == 0
    capsys.readouterr()
    assert run("restore", out) == 2  # the database holds data: asks first
    assert "--yes" in capsys.readouterr().err
    _delete_community(laptop)
    assert counts(laptop, SLUG)["elements"] == 0
    assert run("restore", out, "--yes") == 0
    assert counts(laptop, SLUG) == before
    assert run("audit", "verify") == 0


@pytest.mark.postgres
def test_postgres_backup_restores_and_verifies(laptop, fresh_pg_url, monkeypatch, tmp_path, capsys):
    assert run("community", "move", SLUG, "--to", fresh_pg_url) == 0
    monkeypatch.setenv("COCREATE_DATABASE_URL", fresh_pg_url)
    before = counts(fresh_pg_url, SLUG)
    out = tmp_path / "district.dump"
    assert run("backup", "--out", out) == 0
    assert out.read_bytes()[:5] == b"PGDMP"
    _delete_community(fresh_pg_url)
    assert run("restore", out, "--yes") == 0
    assert counts(fresh_pg_url, SLUG) == before
    capsys.readouterr()
    assert run("audit", "verify") == 0
    assert f"{SLUG}: OK" in capsys.readouterr().out


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_url, tmp_path, capsys):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database", "utf-8")
    assert run("restore", junk, "--yes") == 2
    assert "not a SQLite backup" in capsys.readouterr().err
