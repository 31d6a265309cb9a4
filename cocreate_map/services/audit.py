"""What makes the audit log prove the result (issue 11.4).

A hash chain alone shows an edit in the middle, but not a chain recomputed from scratch after a
flipped vote, nor the newest entries deleted, nor data changed beside a log left intact. So:

- **Signed checkpoints.** An Ed25519 key kept outside the database (``COCREATE_DATA_DIR``,
  ``audit-ed25519.pem``, owner-only, made on first use) signs the chain head at every ballot close,
  every notice, every ``COCREATE_AUDIT_CHECKPOINT_EVERY``-th entry and at the first entry after an
  hour without one (rows of ``audit_checkpoints``). After every commit that appended entries, the
  newest head is also signed into ``audit-heads/`` beside the key (a small file per community),
  outside the database, so deleting the last entry (or ten) from the database is seen too.
  ``verify`` checks the chain against every checkpoint and reports entries missing after the
  newest; ``--head HASH`` checks it against a head printed on a public notice.
- **Reconciliation.** Every vote, history row, conflict, register row, mark and (funds) ledger
  entry must match the log entries that made it, and nothing may exist without one. Each aggregate
  registers its own check with :func:`register_check`; ``verify`` runs them all.

The public key's fingerprint and the head are printed on every notice, so anyone can check.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from cocreate_map import config
from cocreate_map.domain import audit as audit_domain
from cocreate_map.domain.audit import canonical_json
from cocreate_map.storage import audit_repo
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import AuditCheckpointRow, AuditRow
from cocreate_map.storage.tables import utcnow

KEY_FILE = "audit-ed25519.pem"
HEADS_DIR = "audit-heads"  # one signed head per database and community
LEGACY_HEADS_FILE = "audit-heads.json"  # all in one file, as earlier versions wrote (read only)
TRUSTED_KEYS = "audit-trusted-keys"  # *.pub of servers a community moved from (base64 raw key)
HOURLY = timedelta(hours=1)
# Entries whose head must carry a checkpoint of their own.
ANCHORED_ACTIONS = ("ballot.close", "notice.publish")

# ---------------------------------------------------------------- the chain


def lock_chain(session: Session, community_id: int) -> None:
    """Serialise appends to one community's audit chain until the transaction ends (taken once
    per transaction: later calls in it cost nothing)."""
    locked: set[int] = session.info.setdefault("audit_locked", set())
    if community_id in locked:
        return
    locked.add(community_id)
    audit_repo.lock_chain(session, community_id)


def record(
    session: Session,
    community_id: int,
    actor: str,
    action: str,
    payload: dict[str, Any],
    now: datetime | None = None,
) -> AuditRow:
    """Append one entry to the community's hash chain (inside the caller's transaction).

    The chain lock is taken here, once per transaction, as late as possible: the caller's own
    rows are written first, so writers of one community wait for each other only for the append
    and the commit (issue 16.4). A signed checkpoint follows when one is due (:func:`after_append`)."""
    session.flush()  # the caller's rows, and the chain's id, before the lock
    chain_id = chain_id_of(session, community_id)
    at = (now or utcnow()).isoformat(timespec="microseconds")
    lock_chain(session, community_id)
    # Under the chain lock, held to the end of the transaction, the head this transaction
    # appended last is the head: a second append in it need not read it again.
    heads: dict[int, tuple[int, str]] = session.info.setdefault("audit_chain_heads", {})
    if community_id in heads:
        seq, prev = heads[community_id]
        seq += 1
    else:
        head = repo.chain_head(session, community_id)
        seq = 1 if head is None else head[0] + 1
        prev = audit_domain.GENESIS if head is None else head[1]
    body = _audit_body(chain_id, seq, at, actor, action, payload)
    row = AuditRow(
        community_id=community_id,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        payload=payload,
        prev_hash=prev,
        hash=audit_domain.entry_hash(prev, body),
    )
    session.add(row)
    session.flush()
    heads[community_id] = (seq, row.hash)
    after_append(session, row, chain_id)
    return row


def _audit_body(
    community_id: int, seq: int, at: str, actor: str, action: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "community_id": community_id,
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "payload": payload,
    }


def audit_entries(session: Session, community_id: int) -> list[AuditRow]:
    return audit_repo.entries(session, community_id)


LIVE_COMMUNITIES = "live_communities"  # session.info: ids found not archived in this transaction


def prepare_append(session: Session, community_id: int) -> None:
    """Read, before the caller's first write, what an append to the community's chain needs of
    the community row (its chain id; whether it is archived): one statement outside the write
    lock instead of two inside it. A writer that calls this must re-read ``archived_at`` under
    the chain lock (a vote does, with the ballot's closing time)."""
    facts = audit_repo.chain_facts(session, community_id)
    if facts is None:
        return
    moved, archived = facts
    session.info.setdefault("audit_chain_ids", {})[community_id] = (
        community_id if moved is None else moved
    )
    if not archived:
        session.info.setdefault(LIVE_COMMUNITIES, set()).add(community_id)


def chain_id_of(session: Session, community_id: int) -> int:
    """The id the community's chain is hashed under: its own, or the one it had in the database
    it moved from (``cocreate community move`` keeps the chain's hashes as they were)."""
    known: dict[int, int] = session.info.setdefault("audit_chain_ids", {})
    if community_id not in known:
        moved = audit_repo.moved_chain_id(session, community_id)
        known[community_id] = community_id if moved is None else moved
    return known[community_id]


def chain_of(rows: Sequence[AuditRow], chain_id: int | None = None) -> list[audit_domain.Entry]:
    """The rows as domain entries; ``chain_id`` is the id the chain was hashed under (default:
    the rows' own community id)."""
    return [
        audit_domain.Entry(
            _audit_body(
                r.community_id if chain_id is None else chain_id,
                r.seq,
                r.at,
                r.actor,
                r.action,
                dict(r.payload),
            ),
            r.prev_hash,
            r.hash,
        )
        for r in rows
    ]


def audit_head(session: Session, community_id: int) -> str:
    head = repo.chain_head(session, community_id)
    return audit_domain.GENESIS if head is None else head[1]


# ---------------------------------------------------------------- the key


def _key_path() -> Path:
    return config.data_dir() / KEY_FILE


_KEYS: dict[Path, Any] = {}  # loaded once per process and key file


def _private_key() -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = _key_path()
    cached = _KEYS.get(path)
    if cached is not None:
        return cached
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:  # O_EXCL: two processes starting at once end with one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    os.chmod(path, 0o600)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    _KEYS[path] = key
    return key


def _raw_public(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    raw: bytes = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw


def fingerprint_of(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()


@dataclass(frozen=True)
class PublicKey:
    base64: str  # the raw 32-byte Ed25519 public key, base64
    fingerprint: str  # sha256 of the raw key, hex

    @property
    def short(self) -> str:
        """The fingerprint in groups of four, 32 characters: what a notice prints."""
        f = self.fingerprint[:32]
        return " ".join(f[i : i + 4] for i in range(0, 32, 4))


def public_key() -> PublicKey:
    raw = _raw_public(_private_key().public_key())
    return PublicKey(base64.b64encode(raw).decode(), fingerprint_of(raw))


def _trusted_keys() -> dict[str, bytes]:
    """{fingerprint: raw public key}: this server's key and the ones in audit-trusted-keys/."""
    own = _raw_public(_private_key().public_key())
    keys = {fingerprint_of(own): own}
    folder = config.data_dir() / TRUSTED_KEYS
    if folder.is_dir():
        for f in sorted(folder.glob("*.pub")):
            try:
                raw = base64.b64decode(f.read_text().strip())
            except ValueError:
                continue
            keys[fingerprint_of(raw)] = raw
    return keys


def _message(chain_id: int, seq: int, head: str, at: str, reason: str) -> bytes:
    body = {"chain": chain_id, "seq": seq, "head": head, "at": at, "reason": reason}
    return canonical_json(body).encode()


def _sign(message: bytes) -> tuple[str, str]:
    key = _private_key()
    sig = base64.b64encode(key.sign(message)).decode()
    return fingerprint_of(_raw_public(key.public_key())), sig


def _valid(keys: dict[str, bytes], fingerprint: str, signature: str, message: bytes) -> bool | None:
    """True/False; None when the key is not one we know."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw = keys.get(fingerprint)
    if raw is None:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    community_id: int
    seq: int
    head: str
    at: str
    reason: str
    key: PublicKey


def checkpoint(
    session: Session, community_id: int, chain_id: int, reason: str, now: datetime | None = None
) -> Checkpoint:
    """Sign the community's current head (inside the caller's transaction)."""
    session.flush()
    seq, hash_ = repo.chain_head(session, community_id) or (0, "0" * 64)
    return _write_checkpoint(session, community_id, chain_id, seq, hash_, reason, now)


def _write_checkpoint(
    session: Session,
    community_id: int,
    chain_id: int,
    seq: int,
    head: str,
    reason: str,
    now: datetime | None,
) -> Checkpoint:
    at = (now or utcnow()).isoformat(timespec="seconds")
    fp, sig = _sign(_message(chain_id, seq, head, at, reason))
    session.add(
        AuditCheckpointRow(
            community_id=community_id,
            seq=seq,
            head=head,
            at=at,
            reason=reason,
            key_fingerprint=fp,
            signature=sig,
        )
    )
    session.flush()
    _LAST_CHECKPOINT[(_db_key(session), community_id)] = utcnow()
    return Checkpoint(community_id, seq, head, at, reason, public_key())


_LAST_CHECKPOINT: dict[tuple[str, int], datetime] = {}


def after_append(session: Session, row: AuditRow, chain_id: int) -> None:
    """Called by ``record`` for every new entry: a scheduled checkpoint when one is due, and the
    head remembered for the signed heads file written after the commit."""
    pending: dict[int, tuple[int, int, str]] = session.info.setdefault("audit_heads", {})
    pending[row.community_id] = (chain_id, row.seq, row.hash)
    key = (_db_key(session), row.community_id)
    every: int = config.get("audit_checkpoint_every")
    due = row.seq % every == 0
    if not due:
        last = _LAST_CHECKPOINT.get(key)
        if last is None:
            at = audit_repo.last_checkpoint_at(session, row.community_id)
            last = datetime.fromisoformat(at) if at else datetime.min
            _LAST_CHECKPOINT[key] = last
        due = utcnow() - last >= HOURLY
    if due:
        reason = "every" if row.seq % every == 0 else "hourly"
        _write_checkpoint(session, row.community_id, chain_id, row.seq, row.hash, reason, None)


def _db_key(session: Session) -> str:
    url = session.get_bind().url
    return url.set(password=None).render_as_string(hide_password=True)


# ---------------------------------------------------------------- signed heads outside the DB


SLOT = 4096  # bytes: a heads file holds two slots, written in turn (see _write_heads)


def _heads_path(db: str, community_id: int) -> Path:
    """One small file per database and community: appends of different communities never wait
    for each other, and a write costs the same with 1 or 100 communities on the server."""
    name = f"{hashlib.sha256(db.encode()).hexdigest()[:16]}-{community_id}.json"
    return config.data_dir() / HEADS_DIR / name


# Heads files this process has open: path → (pid, descriptor, inode). A vote's commit writes
# its head without opening, creating or renaming a file (issue 16.4).
_HEAD_FILES: dict[Path, tuple[int, int, int]] = {}
_HEAD_FILES_OPEN = 64  # at most this many at once (one per community written to)
_HEADS_THREADS = threading.Lock()  # the threads of this process, one heads write at a time


def _head_file(path: Path) -> int:
    """The open descriptor of a heads file (made if missing; opened again after a fork, or when
    the file was removed or replaced meanwhile)."""
    cached = _HEAD_FILES.get(path)
    if cached is not None:
        pid, fd, inode = cached
        try:
            if pid == os.getpid() and os.stat(path).st_ino == inode:
                return fd
        except FileNotFoundError:
            pass
        if pid == os.getpid():
            os.close(fd)
        del _HEAD_FILES[path]
    while len(_HEAD_FILES) >= _HEAD_FILES_OPEN:  # the longest open first (dicts keep order)
        oldest = next(iter(_HEAD_FILES))
        pid, old_fd, _ = _HEAD_FILES.pop(oldest)
        if pid == os.getpid():
            os.close(old_fd)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _HEAD_FILES[path] = (os.getpid(), fd, os.fstat(fd).st_ino)
    return fd


def _slots(data: bytes) -> list[dict[str, Any] | None]:
    """The two slots of a heads file (None: empty or unreadable). A file of an earlier version
    (one JSON object, no padding) reads as its first slot."""
    out: list[dict[str, Any] | None] = []
    for i in (0, SLOT):
        chunk = data[i : i + SLOT].strip(b" \n\0")
        try:
            entry = json.loads(chunk) if chunk else None
        except ValueError:
            entry = None
        out.append(entry if isinstance(entry, dict) else None)
    return out


def _seq(entry: dict[str, Any] | None) -> int:
    try:
        return -1 if entry is None else int(entry.get("seq", -1))
    except (TypeError, ValueError):
        return -1


def _write_heads(db: str, heads: dict[int, tuple[int, int, str]]) -> None:
    """Sign each community's newest head into its file, under the file's lock; a head only
    moves on. The file has two fixed-size slots and a write replaces the older one in place, so
    a write cut short (a crash) leaves the other, one head older, to be read."""
    at = utcnow().isoformat(timespec="seconds")
    for community_id, (chain_id, seq, head) in heads.items():
        # The threads of a process share the descriptor, and an flock is held per descriptor:
        # they take turns on a lock of their own first.
        with _HEADS_THREADS:
            _write_head(db, community_id, chain_id, seq, head, at)


def _write_head(db: str, community_id: int, chain_id: int, seq: int, head: str, at: str) -> None:
    fd = _head_file(_heads_path(db, community_id))
    fcntl.flock(fd, fcntl.LOCK_EX)  # the processes take turns
    try:
        slots = _slots(os.pread(fd, 2 * SLOT, 0))
        if max(_seq(e) for e in slots) >= seq:
            return
        fp, sig = _sign(_message(chain_id, seq, head, at, "head"))
        entry = {"db": db, "community": community_id, "seq": seq, "head": head, "at": at,
                 "chain": chain_id, "key": fp, "sig": sig}  # fmt: skip
        blob = json.dumps(entry, sort_keys=True).encode()
        if len(blob) >= SLOT:  # a database address of thousands of characters: name it not
            del entry["db"]
            blob = json.dumps(entry, sort_keys=True).encode()
        older = 0 if _seq(slots[0]) <= _seq(slots[1]) else 1
        os.pwrite(fd, blob.ljust(SLOT - 1) + b"\n", older * SLOT)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_heads_file(path: Path) -> dict[str, Any] | None:
    """The newest entry of a heads file."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    found = [e for e in _slots(data) if e is not None]
    return max(found, key=_seq) if found else None


def _read_head(db: str, community_id: int) -> tuple[dict[str, Any], Path] | None:
    """The newest signed head of the community outside the database, and where it was read:
    its own file, or (written by earlier versions) its entry in the shared audit-heads.json."""
    found: list[tuple[dict[str, Any], Path]] = []
    own = _heads_path(db, community_id)
    entry = _read_heads_file(own)
    if entry is not None:
        found.append((entry, own))
    legacy = config.data_dir() / LEGACY_HEADS_FILE
    old = (_read_json(legacy) or {}).get(f"{db}#{community_id}")
    if isinstance(old, dict):
        found.append((old, legacy))
    return max(found, key=lambda f: int(f[0].get("seq", 0))) if found else None


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop("audit_locked", None)
    session.info.pop("audit_chain_ids", None)
    session.info.pop("audit_chain_heads", None)
    heads = session.info.pop("audit_heads", None)
    if heads:
        try:
            _write_heads(_db_key(session), heads)
        except OSError:  # the data folder is not writable: the DB checkpoints still hold
            pass


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("audit_locked", None)
    session.info.pop("audit_chain_ids", None)
    session.info.pop("audit_chain_heads", None)
    session.info.pop("audit_heads", None)


# ---------------------------------------------------------------- reconciliation registry

# (session, community id, the community's log entries) → problems, each naming the entry.
Check = Callable[[Session, int, Sequence[AuditRow]], list[str]]
CHECKS: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    """Add an aggregate's reconciliation of its tables with the log (one per name)."""
    CHECKS[name] = check


# ---------------------------------------------------------------- verify the anchors


def verify_anchors(
    session: Session,
    community_id: int,
    chain_id: int,
    rows: Sequence[AuditRow],
    head: str | None = None,
) -> list[str]:
    """Problems of the chain against its checkpoints, the signed heads file and ``head``."""
    problems: list[str] = []
    keys = _trusted_keys()
    by_seq = {r.seq: r for r in rows}
    last = rows[-1].seq if rows else 0
    newest: tuple[int, str, str] | None = None  # (seq, at, where)
    cps = audit_repo.checkpoints(session, community_id)
    anchored: set[int] = set()
    signed: list[tuple[int, str, str, str, str, str, str]] = [
        (c.seq, c.head, c.at, c.reason, c.key_fingerprint, c.signature, "checkpoint") for c in cps
    ]
    read = _read_head(_db_key(session), community_id)
    if read is not None:
        outside, outside_path = read
        signed.append(
            (
                int(outside.get("seq", 0)),
                str(outside.get("head", "")),
                str(outside.get("at", "")),
                "head",
                str(outside.get("key", "")),
                str(outside.get("sig", "")),
                f"signed head in {outside_path}",
            )
        )
    for seq, hash_, at, reason, fp, sig, where in signed:
        ok = _valid(keys, fp, sig, _message(chain_id, seq, hash_, at, reason))
        label = f"{where} of {at} (entry {seq}, {reason})"
        if ok is None:
            problems.append(
                f"{label} is signed by key {fp[:16]}…, not this server's: forged, or the "
                f"community moved from another server (copy that server's public key into "
                f"{config.data_dir() / TRUSTED_KEYS}/NAME.pub)"
            )
            continue
        if not ok:
            problems.append(f"{label}: the signature does not match — the checkpoint was edited")
            continue
        anchored.add(seq)
        if seq == 0:
            continue
        if newest is None or seq > newest[0]:
            newest = (seq, at, label)
        entry = by_seq.get(seq)
        if entry is None:
            if seq <= last:  # beyond the end: reported once below, from the newest
                problems.append(f"entry {seq} signed by the {label} is missing (deleted)")
        elif entry.hash != hash_:
            problems.append(
                f"entry {seq} ({entry.action}, {entry.at}) is not the one signed by the {label}: "
                "the log was rewritten at or before it"
            )
    if newest is not None and newest[0] > last:
        problems.append(
            f"entries {last + 1}–{newest[0]} are missing: the {newest[2]} signed entry "
            f"{newest[0]}, the log ends at entry {last} (deleted after it)"
        )
    for r in rows:
        if r.action in ANCHORED_ACTIONS and r.seq not in anchored:
            problems.append(
                f"entry {r.seq} ({r.action}, {r.at}) has no signed checkpoint: its checkpoint "
                "was deleted, or the log was rewritten"
            )
    if head is not None:
        wanted = head.strip().lower()
        match = next((r for r in rows if r.hash == wanted), None)
        if match is None:
            problems.append(
                f"the head {wanted[:16]}… printed on the notice is not in the log: the log was "
                "rewritten, or entries up to it were deleted"
            )
    return problems
