"""Staff accounts: the queries of ``services.staff``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cocreate_map.storage.mark_tables import StaffUserRow


def by_username(session: Session, username: str) -> StaffUserRow | None:
    """The account of exactly this (already normalised) user name."""
    return session.scalar(select(StaffUserRow).where(StaffUserRow.username == username))


def username_taken(session: Session, username: str) -> bool:
    return (
        session.scalar(select(StaffUserRow.id).where(StaffUserRow.username == username)) is not None
    )


def all_users(session: Session) -> list[StaffUserRow]:
    return list(session.scalars(select(StaffUserRow).order_by(StaffUserRow.username)))


def enabled_admin_exists(session: Session, admin_role: str) -> bool:
    """Whether an enabled account of role ``admin_role`` exists."""
    return (
        session.scalar(
            select(StaffUserRow.id)
            .where(StaffUserRow.role == admin_role, StaffUserRow.disabled_at.is_(None))
            .limit(1)
        )
        is not None
    )


def by_id(session: Session, staff_user_id: int) -> StaffUserRow | None:
    return session.get(StaffUserRow, staff_user_id)
