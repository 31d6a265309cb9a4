"""Queries. Functions take a Session; they never open or commit one themselves."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cocreate_map.errors import NotFound
from cocreate_map.storage.ballot_tables import AuditRow, HouseholdRow
from cocreate_map.storage.tables import CommunityRow, ElementRow, ImportRow


def community_by_slug(session: Session, slug: str) -> CommunityRow:
    row = session.scalar(select(CommunityRow).where(CommunityRow.slug == slug))
    if row is None:
        known = ", ".join(session.scalars(select(CommunityRow.slug).order_by(CommunityRow.slug)))
        hint = f"known communities: {known}" if known else "the database has no community yet"
        raise NotFound(
            f"no community {slug!r}; {hint} (create one with cocreate import … --create NAME)"
        )
    return row


def community_by_id(session: Session, community_id: int) -> CommunityRow:
    row = session.get(CommunityRow, community_id)
    if row is None:
        raise NotFound(f"no community {community_id}; it may have been deleted — reload")
    return row


def find_community(session: Session, slug: str) -> CommunityRow | None:
    return session.scalar(select(CommunityRow).where(CommunityRow.slug == slug))


def all_communities(session: Session) -> Sequence[CommunityRow]:
    return session.scalars(select(CommunityRow).order_by(CommunityRow.name)).all()


def element_counts(session: Session, community_id: int | None = None) -> dict[int, dict[str, int]]:
    """{community_id: {kind: count}} in one query."""
    stmt = select(ElementRow.community_id, ElementRow.kind, func.count()).group_by(
        ElementRow.community_id, ElementRow.kind
    )
    if community_id is not None:
        stmt = stmt.where(ElementRow.community_id == community_id)
    out: dict[int, dict[str, int]] = {}
    for cid, kind, count in session.execute(stmt):
        out.setdefault(cid, {})[kind] = count
    return out


def element_stamp(session: Session, community_id: int) -> tuple[object, ...]:
    """What changes whenever the community's elements do (imports delete and re-insert them):
    count, smallest and largest id, latest creation time and import, in one query."""
    row = session.execute(
        select(
            func.count(),
            func.min(ElementRow.id),
            func.max(ElementRow.id),
            func.max(ElementRow.created_at),
            func.max(ElementRow.import_id),
        ).where(ElementRow.community_id == community_id)
    ).one()
    return tuple(row)


def elements_of(session: Session, community_id: int) -> Sequence[ElementRow]:
    return session.scalars(
        select(ElementRow).where(ElementRow.community_id == community_id).order_by(ElementRow.id)
    ).all()


def count_communities(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CommunityRow)) or 0


def chain_head(session: Session, community_id: int) -> tuple[int, str] | None:
    """(seq, hash) of the community's newest audit entry; None for an empty chain."""
    head = session.execute(
        select(AuditRow.seq, AuditRow.hash)
        .where(AuditRow.community_id == community_id)
        .order_by(AuditRow.seq.desc())
        .limit(1)
    ).first()
    return None if head is None else (int(head.seq), str(head.hash))


def delete_community(session: Session, community: CommunityRow) -> None:
    """The community row with its elements and imports (the caller checked nothing else is left
    that points at it)."""
    session.execute(delete(ElementRow).where(ElementRow.community_id == community.id))
    session.execute(delete(ImportRow).where(ImportRow.community_id == community.id))
    session.delete(community)


def buildings_of(session: Session, community_id: int) -> Sequence[ElementRow]:
    return session.scalars(
        select(ElementRow).where(
            ElementRow.community_id == community_id, ElementRow.kind == "building"
        )
    ).all()


def community_or_none(session: Session, community_id: int) -> CommunityRow | None:
    return session.get(CommunityRow, community_id)


def household_or_none(session: Session, household_id: int) -> HouseholdRow | None:
    return session.get(HouseholdRow, household_id)
