"""Residents' problem marks, "me too" supports, comments, ratings, photos; staff accounts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from cocreate_map.storage.types import Geometry

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _fk(name: str, target: str, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        _fk("community_id", "communities.id", nullable=True),
        sa.Column("buildings", sa.JSON, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("disabled_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "marks",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("community_id", "communities.id"),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("safety", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("geometry", Geometry(), nullable=False),
        sa.Column("building", sa.String(32), nullable=True),
        _fk("household_id", "households.id", "SET NULL", nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=True),
        sa.Column("hidden_at", sa.DateTime, nullable=True),
        sa.Column("hidden_reason", sa.Text, nullable=True),
        sa.Column("withdrawn_at", sa.DateTime, nullable=True),
        sa.Column("discussion_at", sa.DateTime, nullable=True),
        sa.Column("adopted_at", sa.DateTime, nullable=True),
        sa.Column("declined_at", sa.DateTime, nullable=True),
        sa.Column("decline_reason", sa.Text, nullable=True),
        sa.Column("in_progress_at", sa.DateTime, nullable=True),
        sa.Column("resolved_at", sa.DateTime, nullable=True),
        sa.Column("evaluated_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_marks_community_id", "marks", ["community_id"])
    op.create_index("ix_marks_household_id", "marks", ["household_id"])
    op.create_index("ix_marks_community_category", "marks", ["community_id", "category"])
    op.create_table(
        "mark_supports",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("mark_id", "marks.id"),
        _fk("household_id", "households.id"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("mark_id", "household_id", name="uq_mark_supports"),
    )
    op.create_index("ix_mark_supports_mark_id", "mark_supports", ["mark_id"])
    op.create_table(
        "mark_comments",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("mark_id", "marks.id"),
        _fk("parent_id", "mark_comments.id", nullable=True),
        _fk("household_id", "households.id", "SET NULL", nullable=True),
        _fk("staff_user_id", "staff_users.id", "SET NULL", nullable=True),
        sa.Column("official", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_mark_comments_mark_id", "mark_comments", ["mark_id"])
    op.create_table(
        "mark_ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("mark_id", "marks.id"),
        _fk("household_id", "households.id"),
        sa.Column("stars", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("mark_id", "household_id", name="uq_mark_ratings"),
    )
    op.create_index("ix_mark_ratings_mark_id", "mark_ratings", ["mark_id"])
    op.create_table(
        "mark_photos",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("mark_id", "marks.id"),
        sa.Column("mime", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_mark_photos_mark_id", "mark_photos", ["mark_id"])
    if postgres:
        op.execute("CREATE INDEX ix_marks_geometry ON marks USING GIST (geometry)")


def downgrade() -> None:
    for table in ("mark_photos", "mark_ratings", "mark_comments", "mark_supports", "marks"):
        op.drop_table(table)
    op.drop_table("staff_users")
