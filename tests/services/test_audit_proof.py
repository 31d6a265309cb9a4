"""Issue 11.4: ``audit verify`` proves the result. Each test tampers with the database tables
directly (SQLite and PostgreSQL) the way the hostile test did, and expects verify to fail naming
the entry or the row."""

from __future__ import annotations

import json
import shutil
import stat

import pytest
from sqlalchemy import delete, select, update

from cocreate_map import config, services
from cocreate_map.cli import main
from cocreate_map.domain import audit as audit_domain
from cocreate_map.services import audit
from cocreate_map.services.access import local_admin
from cocreate_map.services.audit import chain_of
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import (
    AuditCheckpointRow,
    AuditRow,
    HouseholdRow,
    VoteHistoryRow,
    VoteRow,
)
from cocreate_map.storage.db import transaction
from tests.services.ballot_factories import make_register

SLUG = "test-estate"


@pytest.fixture
def voted(engine):
    """A ballot with 6 votes, closed (a signed checkpoint), then 12 more entries after it."""
    reg = make_register(engine)
    ids = sorted(hid for hid, _ in reg.values())
    with transaction(engine) as s:
        bid = services.create_ballot(
            s, SLUG, "采纳方案B？", "simple-majority", who=local_admin("test")
        ).id
    for i, hid in enumerate(ids[:6]):
        with transaction(engine) as s:
            services.cast_vote(s, bid, hid, "yes" if i % 2 else "no")
    with transaction(engine) as s:
        services.close_ballot(s, bid, who=local_admin("test"))
    with transaction(engine) as s:
        bid2 = services.create_ballot(
            s, SLUG, "第二项", "simple-majority", who=local_admin("test")
        ).id
    for hid in ids[:10]:
        with transaction(engine) as s:
            services.cast_vote(s, bid2, hid, "yes")
    with transaction(engine) as s:
        [rep] = services.verify_audit(s)
    assert rep.ok, rep.problems
    return {"ballot": bid, "ballot2": bid2, "ids": ids, "reg": reg}


def verify(engine, head=None):
    with transaction(engine) as s:
        [rep] = services.verify_audit(s, SLUG, head=head)
    return rep


def entries(engine):
    with transaction(engine) as s:
        return list(s.scalars(select(AuditRow).order_by(AuditRow.seq)))


def last_seq(engine):
    return entries(engine)[-1].seq


def recompute_chain(engine):
    """What an attacker without the key does: rehash every entry from the first (unkeyed)."""
    with transaction(engine) as s:
        rows = list(s.scalars(select(AuditRow).order_by(AuditRow.seq)))
        prev = audit_domain.GENESIS
        for i, (row, entry) in enumerate(zip(rows, chain_of(rows), strict=True)):
            body = dict(entry.body, seq=i + 1)
            row.seq, row.prev_hash = i + 1, prev
            row.hash = audit_domain.entry_hash(prev, body)
            prev = row.hash


def test_an_untouched_log_verifies_and_the_key_is_owner_only(engine, voted):
    key = config.data_dir() / audit.KEY_FILE
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    with transaction(engine) as s:
        reasons = [c.reason for c in s.scalars(select(AuditCheckpointRow))]
    assert "close" in reasons
    assert verify(engine).ok


def test_deleting_the_last_entry_is_seen(engine, voted):
    n = last_seq(engine)
    with transaction(engine) as s:
        s.execute(delete(AuditRow).where(AuditRow.seq == n))
    rep = verify(engine)
    assert not rep.ok
    assert any(f"entries {n}–{n} are missing" in p for p in rep.problems), rep.problems


def test_deleting_the_last_ten_entries_is_seen(engine, voted):
    n = last_seq(engine)
    with transaction(engine) as s:
        s.execute(delete(AuditRow).where(AuditRow.seq > n - 10))
    rep = verify(engine)
    assert not rep.ok
    assert any(f"entries {n - 9}–{n} are missing" in p for p in rep.problems), rep.problems


def test_deleting_the_last_entries_and_the_heads_file_is_still_seen_at_a_close(engine, voted):
    """Without the outside heads file, the checkpoint signed at the close still holds."""
    shutil.rmtree(config.data_dir() / audit.HEADS_DIR)
    close = next(r for r in entries(engine) if r.action == "ballot.close")
    with transaction(engine) as s:
        s.execute(delete(AuditRow).where(AuditRow.seq >= close.seq))
    rep = verify(engine)
    assert not rep.ok
    assert any(f"entries {close.seq}–" in p and "are missing: the checkpoint" in p
               for p in rep.problems), rep.problems  # fmt: skip


def test_a_flipped_vote_with_the_whole_chain_recomputed_is_seen(engine, voted):
    bid, hid = voted["ballot"], voted["ids"][0]
    with transaction(engine) as s:
        s.execute(
            update(VoteRow)
            .where(VoteRow.ballot_id == bid, VoteRow.household_id == hid)
            .values(choice="yes")
        )
        s.execute(
            update(VoteHistoryRow)
            .where(VoteHistoryRow.ballot_id == bid, VoteHistoryRow.household_id == hid)
            .values(choice="yes")
        )
        row = s.scalar(
            select(AuditRow).where(AuditRow.action == "vote.cast").order_by(AuditRow.seq).limit(1)
        )
        assert row.payload["household_id"] == hid
        row.payload = {**row.payload, "choice": "yes"}
        flipped = row.seq
    recompute_chain(engine)
    rep = verify(engine)
    assert not rep.ok
    # the chain itself is consistent now; the signatures are not
    assert rep.first_bad_seq is None
    assert any("not the one signed" in p for p in rep.problems), rep.problems
    assert any(
        f"entry {n}" in p for p in rep.problems for n in range(flipped, last_seq(engine) + 1)
    )


def test_a_vote_deleted_with_its_entry_is_seen(engine, voted):
    bid, hid = voted["ballot2"], voted["ids"][3]
    with transaction(engine) as s:
        s.execute(delete(VoteRow).where(VoteRow.ballot_id == bid, VoteRow.household_id == hid))
        s.execute(
            delete(VoteHistoryRow).where(
                VoteHistoryRow.ballot_id == bid, VoteHistoryRow.household_id == hid
            )
        )
        [row] = [
            r
            for r in s.scalars(select(AuditRow).where(AuditRow.action == "vote.cast"))
            if r.payload["ballot_id"] == bid and r.payload["household_id"] == hid
        ]
        s.delete(row)
    rep = verify(engine)
    assert not rep.ok and rep.first_bad_seq is not None  # the chain breaks
    recompute_chain(engine)  # and when the attacker rehashes it, the signed heads do not fit
    rep = verify(engine)
    assert not rep.ok and any("signed" in p for p in rep.problems), rep.problems


def test_a_changed_register_area_is_seen(engine, voted):
    with transaction(engine) as s:
        s.execute(update(HouseholdRow).where(HouseholdRow.room == "101").values(area_m2="999.00"))
    rep = verify(engine)
    assert not rep.ok
    assert any("household 1-1-101" in p and "area_m2 999.00" in p for p in rep.problems), (
        rep.problems
    )


def test_a_household_inserted_directly_is_seen(engine, voted):
    with transaction(engine) as s:
        cid = s.scalar(select(HouseholdRow.community_id).limit(1))
        s.add(HouseholdRow(community_id=cid, building="9", unit="1", room="901", area_m2="80"))
    rep = verify(engine)
    assert any("household 9-1-901 is in no register log entry" in p for p in rep.problems)


def test_deleted_vote_history_rows_are_seen(engine, voted):
    bid, hid = voted["ballot"], voted["ids"][1]
    with transaction(engine) as s:
        s.execute(
            delete(VoteHistoryRow).where(
                VoteHistoryRow.ballot_id == bid, VoteHistoryRow.household_id == hid
            )
        )
    rep = verify(engine)
    assert not rep.ok
    assert any(f"vote history of household {hid} lacks" in p for p in rep.problems), rep.problems


def test_an_edited_vote_history_row_is_seen(engine, voted):
    bid, hid = voted["ballot"], voted["ids"][1]
    with transaction(engine) as s:
        s.execute(
            update(VoteHistoryRow)
            .where(VoteHistoryRow.ballot_id == bid, VoteHistoryRow.household_id == hid)
            .values(choice="abstain")
        )
    rep = verify(engine)
    assert any("vote history row 1" in p and "(edited)" in p for p in rep.problems)


def test_a_wrong_head_from_a_notice_is_refused_and_the_right_one_accepted(engine, voted):
    with transaction(engine) as s:
        anchor = services.ballots.notice_anchor(s, voted["ballot"])
    assert verify(engine, head=anchor.head).ok
    assert verify(engine, head=anchor.head.upper()).ok
    rep = verify(engine, head="ab" * 32)
    assert not rep.ok and any("printed on the notice is not in the log" in p for p in rep.problems)


def test_a_deleted_checkpoint_of_a_close_is_seen(engine, voted):
    with transaction(engine) as s:
        s.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.reason == "close"))
    rep = verify(engine)
    assert any("(ballot.close" in p and "no signed checkpoint" in p for p in rep.problems)


def test_a_forged_checkpoint_is_seen(engine, voted):
    with transaction(engine) as s:
        cp = s.scalar(select(AuditCheckpointRow).limit(1))
        cp.head = "0" * 64
    rep = verify(engine)
    assert any("signature does not match" in p for p in rep.problems), rep.problems


def test_cli_verify_fails_and_names_the_entry(sqlite_url, capsys):
    from cocreate_map.storage.db import migrated_engine

    engine = migrated_engine(sqlite_url)
    reg = make_register(engine)
    with transaction(engine) as s:
        bid = services.create_ballot(
            s, SLUG, "采纳？", "simple-majority", who=local_admin("test")
        ).id
    for hid, _ in reg.values():
        with transaction(engine) as s:
            services.cast_vote(s, bid, hid, "yes")
    assert main(["audit", "verify"]) == 0
    n = last_seq(engine)
    with transaction(engine) as s:
        s.execute(delete(AuditRow).where(AuditRow.seq == n))
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert f"entries {n}–{n} are missing" in capsys.readouterr().out
    engine.dispose()


def heads_file(engine):
    """The signed-heads file of the test community, outside the database."""
    with transaction(engine) as s:
        return audit._heads_path(audit._db_key(s), repo.community_by_slug(s, SLUG).id)


def test_a_heads_file_write_cut_short_leaves_the_head_before_it(engine, voted):
    """The file keeps two heads; garbling the newest (a crash mid-write) leaves the one before,
    which still shows the last two entries deleted, and not one."""
    path = heads_file(engine)
    data = bytearray(path.read_bytes())
    slots = audit._slots(bytes(data))
    newest = max(range(2), key=lambda i: audit._seq(slots[i]))
    assert audit._seq(slots[newest]) == last_seq(engine)
    assert audit._seq(slots[1 - newest]) == last_seq(engine) - 1
    at = newest * audit.SLOT
    data[at : at + 40] = b"\0" * 40
    path.write_bytes(bytes(data))
    assert audit._read_heads_file(path)["seq"] == last_seq(engine) - 1  # the one before
    assert verify(engine).ok
    n = last_seq(engine)
    with transaction(engine) as s:
        s.execute(delete(AuditRow).where(AuditRow.seq >= n - 1))
    rep = verify(engine)
    assert any(f"entries {n - 1}–" in p and "are missing" in p for p in rep.problems), rep.problems


def test_a_heads_file_of_an_earlier_version_is_read_and_carried_on(engine, voted):
    """Earlier versions wrote one JSON object (no slots): it is read, and the next vote's head
    goes beside it."""
    path = heads_file(engine)
    newest = audit._read_heads_file(path)
    path.unlink()
    path.write_text(json.dumps(newest, sort_keys=True))
    assert verify(engine).ok
    n = last_seq(engine)
    with transaction(engine) as s:
        s.execute(delete(AuditRow).where(AuditRow.seq == n))
    assert any(f"entries {n}–{n} are missing" in p for p in verify(engine).problems)


def test_the_next_vote_after_an_old_heads_file_writes_the_other_slot(engine, voted):
    path = heads_file(engine)
    newest = audit._read_heads_file(path)
    path.unlink()
    path.write_text(json.dumps(newest, sort_keys=True))
    with transaction(engine) as s:
        services.cast_vote(s, voted["ballot2"], voted["ids"][0], "no")
    slots = audit._slots(path.read_bytes())
    assert [audit._seq(e) for e in slots] == [newest["seq"], last_seq(engine)]
    assert verify(engine).ok


def test_threads_writing_heads_at_once_leave_the_newest(tmp_path, monkeypatch):
    """Streamlit serves a replica's sessions from threads of one process: they share the heads
    file's descriptor, and the newest head must still win (a head only moves on)."""
    import threading

    monkeypatch.setenv("COCREATE_DATA_DIR", str(tmp_path))
    db = "sqlite:///threads.sqlite3"
    seqs = list(range(1, 801))
    chunks = [seqs[i::8][::-1] for i in range(8)]  # each thread writes newest-first: out of order

    def write(chunk):  # noqa: ANN001
        for seq in chunk:
            audit._write_heads(db, {1: (1, seq, f"{seq:064x}")})

    threads = [threading.Thread(target=write, args=(c,)) for c in chunks]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    path = audit._heads_path(db, 1)
    slots = audit._slots(path.read_bytes())
    assert all(e is not None for e in slots)
    assert audit._read_heads_file(path)["seq"] == 800
    assert audit._read_heads_file(path)["head"] == f"{800:064x}"
