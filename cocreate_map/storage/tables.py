"""Tables. Every row belongs to a community (many communities share one database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cocreate_map.storage.types import Geometry


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, BaseGeometry: Geometry}


class CommunityRow(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    boundary: Mapped[BaseGeometry | None] = mapped_column(Geometry(), nullable=True)
    metric_epsg: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)  # hidden, data kept
    # The sub-district (街道) the community belongs to, for the district overview.
    district: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The community id its audit chain was written under, when it moved from another database
    # (cocreate community move); None: this row's own id.
    audit_chain_id: Mapped[int | None] = mapped_column(nullable=True)

    @property
    def chain_id(self) -> int:
        return self.audit_chain_id if self.audit_chain_id is not None else self.id

    elements: Mapped[list[ElementRow]] = relationship(
        back_populates="community", cascade="all, delete-orphan", passive_deletes=True
    )


class ElementRow(Base):
    __tablename__ = "elements"
    __table_args__ = (Index("ix_elements_community_kind", "community_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200))
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry())
    source_id: Mapped[str | None] = mapped_column(String(200))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[CommunityRow] = relationship(back_populates="elements")


class ImportRow(Base):
    """One committed import: what file, what options, and the full report (repairs, notes)."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_content_sha256", "community_id", "content_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(500))
    source_crs: Mapped[str] = mapped_column(String(200))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    feature_count: Mapped[int]
    report: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_sha256: Mapped[str | None] = mapped_column(String(64), default=None)


class CommunitySettingRow(Base):
    """Per-community settings as JSON (e.g. basemap choice, unit cost tables later)."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
