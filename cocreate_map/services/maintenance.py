"""Keeping a deployment: backups, restores, and moving a community into the district database.

A community starts on a laptop (SQLite) and later joins the sub-district's PostgreSQL database:
:func:`move_community` copies all of its rows and its audit chain, all or nothing, and refuses a
slug the target already has. The copy is checked before it is committed: the same number of rows
on both sides and an audit chain that still verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from cocreate_map.domain import audit as audit_domain
from cocreate_map.errors import AlreadyExists, InvalidInput
from cocreate_map.services.audit import audit_entries, chain_of, record
from cocreate_map.services.verification import verify_audit
from cocreate_map.storage import backup as backup_store
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.transfer import copy_community

MOVED = "community.moved"


@dataclass(frozen=True)
class MoveResult:
    slug: str
    rows: dict[str, int]
    audit_entries: int
    audit_head: str

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def move_community(
    src: Session, dst: Session, slug: str, *, source: str = "", actor: str = "cli"
) -> MoveResult:
    """Copy community ``slug`` from ``src`` into ``dst`` (inside the callers' transactions).

    The copied chain must verify with the source's head; then one entry ``community.moved``
    continues it, carrying the old → new id maps so that checks of the data against older
    entries (which name the old ids) still find their rows."""
    community = repo.community_by_slug(src, slug)
    if repo.find_community(dst, slug) is not None:
        raise AlreadyExists(key="transfer.slug_taken", slug=slug)
    before = verify_audit(src, slug)[0]
    if not before.ok:
        raise InvalidInput(key="transfer.source_chain_broken", slug=slug)
    report = copy_community(src, dst, community.id)
    dst.flush()
    new_id = report.id_maps["communities"][community.id]
    moved = repo.community_by_id(dst, new_id)
    rows = audit_entries(dst, new_id)
    head = rows[-1].hash if rows else audit_domain.GENESIS
    # The copied chain, hash by hash, must end where the source's did. (The checks of the data
    # against the log follow the new ids only once the entry below records them.)
    if (
        audit_domain.verify(chain_of(rows, moved.chain_id)) is not None
        or head != before.head
        or len(rows) != before.entries
    ):
        raise InvalidInput(key="transfer.chain_mismatch", slug=slug)
    entry = record(
        dst,
        new_id,
        actor,
        MOVED,
        {"from": source, "head_before": before.head, "id_maps": report.id_runs()},
    )
    after = verify_audit(dst, slug)[0]
    if not after.ok:
        raise InvalidInput(
            key="transfer.check_failed", slug=slug, problem=(after.problems or ["?"])[0][:200]
        )
    return MoveResult(slug, dict(report.rows), entry.seq, entry.hash)


def backup(url: str, out: Path) -> int:
    """Back up the database at ``url`` into ``out``; its size in bytes."""
    return backup_store.backup(url, out)


def restore(url: str, backup_file: Path) -> None:
    """Replace the database at ``url`` with the backup (the caller has asked the person)."""
    backup_store.restore(url, backup_file)
