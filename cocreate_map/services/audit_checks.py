"""Reconciliation of the data with the audit log (issue 11.4): the checks of the votes, their
history and conflicts and the household register, registered with
``services.audit.register_check``. Each replays the log entries that made the rows and names the
entry (or the row no entry made) where they differ. Other aggregates register their own check
(the marks in ``services.marks``, the funds ledger in ``services.funds``) with the helpers here.

A ``community.moved`` entry gives the ids anew (``id_maps``): what was replayed before it is
carried over to the new ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from cocreate_map.services import audit
from cocreate_map.storage import audit_repo
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.transfer import from_runs


def text_digest(text: str) -> str:
    """What the log keeps of a resident's text: its sha256 (the text itself is in the row)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _choice(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def id_maps(p: dict[str, Any], *tables: str) -> list[dict[int, int]]:
    """The old → new ids of ``tables`` that a ``community.moved`` entry's payload ``p`` gives."""
    id_maps = p.get("id_maps", {})
    return [from_runs(id_maps.get(t, [])) for t in tables]


# ---------------------------------------------------------------- votes, history, conflicts

VoteKey = tuple[int, int]  # (ballot id, household id)


def _replay_votes(
    rows: Sequence[AuditRow],
) -> tuple[
    dict[VoteKey, tuple[str, str, int]],
    dict[VoteKey, list[tuple[str, str, int]]],
    dict[VoteKey, list[tuple[str, str, int, str | None]]],
]:
    """(counted vote, history, conflicts) per key as the log says: (choice, channel, seq…)."""
    counted: dict[VoteKey, tuple[str, str, int]] = {}
    history: dict[VoteKey, list[tuple[str, str, int]]] = {}
    conflicts: dict[VoteKey, list[tuple[str, str, int, str | None]]] = {}
    for r in rows:
        p = r.payload
        if r.action == "community.moved":
            b, h = id_maps(p, "ballots", "households")

            def move(k: VoteKey, b: dict[int, int] = b, h: dict[int, int] = h) -> VoteKey:
                return (b.get(k[0], k[0]), h.get(k[1], k[1]))

            counted = {move(k): v for k, v in counted.items()}
            history = {move(k): v for k, v in history.items()}
            conflicts = {move(k): v for k, v in conflicts.items()}
            continue
        if r.action not in ("vote.cast", "vote.conflict", "conflict.resolve"):
            continue
        key = (int(p["ballot_id"]), int(p["household_id"]))
        entry = (_choice(p["choice"]), str(p["channel"]), r.seq)
        if r.action == "vote.cast":
            counted[key] = entry
            history.setdefault(key, []).append(entry)
        elif r.action == "vote.conflict":
            conflicts.setdefault(key, []).append((*entry, None))
        else:
            open_ = [i for i, c in enumerate(conflicts.get(key, [])) if c[3] is None]
            resolution = str(p.get("resolution"))
            if open_:
                c = conflicts[key][open_[0]]
                conflicts[key][open_[0]] = (c[0], c[1], c[2], resolution)
            if resolution == "took-this":
                counted[key] = entry
                history.setdefault(key, []).append(entry)
    return counted, history, conflicts


def check_votes(session: Session, community_id: int, rows: Sequence[AuditRow]) -> list[str]:
    counted, history, conflicts = _replay_votes(rows)
    problems: list[str] = []
    actual = audit_repo.votes(session, community_id)
    seen = set()
    for b_id, h_id, choice, channel in actual:
        seen.add((b_id, h_id))
        exp = counted.get((b_id, h_id))
        if exp is None:
            problems.append(
                f"ballot {b_id}: the vote of household {h_id} is in no log entry "
                "(inserted directly)"
            )
        elif (exp[0], exp[1]) != (_choice(choice), channel):
            problems.append(
                f"ballot {b_id}: the vote of household {h_id} is {_choice(choice)} ({channel}) "
                f"but the log says {exp[0]} ({exp[1]}) in entry {exp[2]} (edited)"
            )
    for key in sorted(counted.keys() - seen):
        problems.append(
            f"ballot {key[0]}: the vote of household {key[1]} of log entry {counted[key][2]} "
            "is missing (deleted)"
        )
    got: dict[VoteKey, list[tuple[str, str]]] = {}
    for b_id, h_id, choice, channel in audit_repo.vote_history(session, community_id):
        got.setdefault((b_id, h_id), []).append((_choice(choice), channel))
    for key in sorted(history.keys() | got.keys()):
        want = history.get(key, [])
        have = got.get(key, [])
        for i in range(max(len(want), len(have))):
            w = want[i] if i < len(want) else None
            h = have[i] if i < len(have) else None
            if w is not None and h == (w[0], w[1]):
                continue
            if w is None:
                problems.append(
                    f"ballot {key[0]}: vote history row {i + 1} of household {key[1]} "
                    f"({h[0] if h else ''}) is in no log entry (inserted directly)"
                )
            elif h is None:
                problems.append(
                    f"ballot {key[0]}: the vote history of household {key[1]} lacks the vote of "
                    f"log entry {w[2]} ({w[0]}, {w[1]}) (deleted)"
                )
            else:
                problems.append(
                    f"ballot {key[0]}: vote history row {i + 1} of household {key[1]} is "
                    f"{h[0]} ({h[1]}) but log entry {w[2]} says {w[0]} ({w[1]}) (edited)"
                )
            break
    have_c: dict[VoteKey, list[tuple[str, str, str | None]]] = {}
    for b_id, h_id, choice, channel, resolution in audit_repo.vote_conflicts(session, community_id):
        have_c.setdefault((b_id, h_id), []).append((_choice(choice), channel, resolution))
    for key in sorted(conflicts.keys() | have_c.keys()):
        want_c = [(c[0], c[1], c[3]) for c in conflicts.get(key, [])]
        if want_c != have_c.get(key, []):
            seqs = ", ".join(str(c[2]) for c in conflicts.get(key, [])) or "none"
            problems.append(
                f"ballot {key[0]}: the vote conflicts of household {key[1]} differ from log "
                f"entries {seqs} (edited, inserted or deleted)"
            )
    return problems


# ---------------------------------------------------------------- the register


def check_register(session: Session, community_id: int, rows: Sequence[AuditRow]) -> list[str]:
    """Every household row as the ``register.change`` entries left it (area, owner, residents).
    Entries written before the register rows were logged in full (no ``rows``) only allow the
    households they name; such a log cannot prove those rows' first areas."""
    want: dict[str, tuple[dict[str, Any], int]] = {}  # label → (values, seq)
    legacy = False
    for r in rows:
        p = r.payload
        if r.action != "register.change":
            continue
        for label, area, owner, residents in p.get("rows", []):
            want[label] = ({"area_m2": area, "owner_id": owner, "residents": residents}, r.seq)
        if p.get("what") == "import" and "rows" not in p:
            legacy = True
        changes = list(p.get("updated", []))
        if p.get("what") == "edit":
            changes.append(p)
        for ch in changes:
            label = ch.get("household")
            base = want.get(label, ({}, r.seq))[0]
            values = dict(base)
            for k, (_old, new) in ch.get("changed", {}).items():
                values[k] = new
            want[label] = (values, r.seq)
    problems: list[str] = []
    seen = set()
    for h in audit_repo.households(session, community_id):
        seen.add(h.label)
        logged = want.get(h.label)
        if logged is None:
            if not legacy:
                problems.append(
                    f"household {h.label} is in no register log entry (inserted directly)"
                )
            continue
        values, seq = logged
        now = {"area_m2": h.area_m2, "owner_id": h.owner_id, "residents": h.residents}
        diff = sorted(k for k, v in values.items() if now.get(k) != v)
        if diff:
            shown = ", ".join(f"{k} {now[k]} (log: {values[k]})" for k in diff)
            problems.append(
                f"household {h.label}: {shown} differ(s) from log entry {seq} (edited directly)"
            )
    for label in sorted(want.keys() - seen):
        problems.append(
            f"household {label} of log entry {want[label][1]} is missing from the register "
            "(deleted)"
        )
    return problems


audit.register_check("votes", check_votes)
audit.register_check("register", check_register)
