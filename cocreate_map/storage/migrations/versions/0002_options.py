"""Layout options and their changes (issue 4).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from cocreate_map.storage.types import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "options",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "community_id",
            sa.Integer,
            sa.ForeignKey("communities.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("community_id", "name", name="uq_options_community_name"),
    )
    op.create_table(
        "option_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "option_id",
            sa.Integer,
            sa.ForeignKey("options.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column(
            "ref_element_id",
            sa.Integer,
            sa.ForeignKey("elements.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("attrs", sa.JSON, nullable=False),
        sa.Column("geometry", Geometry(), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(
            "action IN ('add', 'remove', 'modify')", name="ck_option_changes_action"
        ),
    )
    if postgres:
        op.execute(
            "CREATE INDEX ix_option_changes_geometry ON option_changes USING GIST (geometry)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_option_changes_geometry")
    op.drop_table("option_changes")
    op.drop_table("options")
