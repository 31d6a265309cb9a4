"""Tables of layout options (issue 4): an option is a named change-set over a community's elements.

Registered on ``tables.Base`` when imported (``services.options`` and the Alembic ``env.py`` import
this module). Per-community unit costs live in the existing ``settings`` table, key ``unit_costs``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate_map.storage.tables import Base, utcnow
from cocreate_map.storage.types import Geometry


class OptionRow(Base):
    """A layout option of one community, e.g. "方案A：草坪改车位"."""

    __tablename__ = "options"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_options_community_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    changes: Mapped[list[OptionChangeRow]] = relationship(
        back_populates="option",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OptionChangeRow.id",
    )


class OptionChangeRow(Base):
    """One change: add (no ref), remove (ref, no geometry) or modify (ref and geometry).

    Geometry is WGS-84 like every stored geometry; ``ref_element_id`` points at the base element.
    """

    __tablename__ = "option_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("options.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    ref_element_id: Mapped[int | None] = mapped_column(
        ForeignKey("elements.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    geometry: Mapped[BaseGeometry | None] = mapped_column(Geometry(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    option: Mapped[OptionRow] = relationship(back_populates="changes")
