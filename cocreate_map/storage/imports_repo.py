"""Queries of the import log (services/imports.py): imports of a community or of one file, the
elements each brought, the options that use them, and which communities are archived."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cocreate_map.storage.options_tables import OptionChangeRow, OptionRow
from cocreate_map.storage.tables import CommunityRow, ElementRow, ImportRow


def element_counts(session: Session, import_ids: Collection[int]) -> dict[int, int]:
    """{import id: how many elements it brought that are still there}."""
    if not import_ids:
        return {}
    rows = session.execute(
        select(ElementRow.import_id, func.count())
        .where(ElementRow.import_id.in_(import_ids))
        .group_by(ElementRow.import_id)
    ).all()
    return {int(i): int(n) for i, n in rows}


def imports_of(session: Session, community_id: int) -> list[ImportRow]:
    """The community's imports, newest first."""
    return list(
        session.scalars(
            select(ImportRow)
            .where(ImportRow.community_id == community_id)
            .order_by(ImportRow.id.desc())
        )
    )


def imports_of_file(session: Session, community_id: int, sha256: str) -> list[ImportRow]:
    """The community's imports of the file with this content, oldest first (undone ones too)."""
    return list(
        session.scalars(
            select(ImportRow)
            .where(ImportRow.community_id == community_id, ImportRow.content_sha256 == sha256)
            .order_by(ImportRow.id)
        )
    )


def import_or_none(session: Session, import_id: int) -> ImportRow | None:
    return session.get(ImportRow, import_id)


def options_using(session: Session, import_id: int) -> list[str]:
    """Names of the layout options that change an element this import brought."""
    return list(
        session.scalars(
            select(OptionRow.name)
            .join(OptionChangeRow, OptionChangeRow.option_id == OptionRow.id)
            .join(ElementRow, ElementRow.id == OptionChangeRow.ref_element_id)
            .where(ElementRow.import_id == import_id)
            .distinct()
            .order_by(OptionRow.name)
        )
    )


def delete_elements_of(session: Session, import_id: int) -> int:
    """Delete the elements the import brought; how many."""
    result = session.execute(delete(ElementRow).where(ElementRow.import_id == import_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def archived_among(session: Session, community_ids: Collection[int]) -> list[int]:
    """Those of the communities that are archived (as committed)."""
    return list(
        session.scalars(
            select(CommunityRow.id).where(
                CommunityRow.id.in_(community_ids), CommunityRow.archived_at.is_not(None)
            )
        )
    )
