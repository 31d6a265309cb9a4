"""Co-evaluation (issue 14): ratings and contests of works; conventions, versions, signatures.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{table}.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "work_ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("work_id", sa.Integer, _fk("works"), nullable=False, index=True),
        sa.Column("household_id", sa.Integer, _fk("households"), nullable=False),
        sa.Column("stars", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("channel", sa.String(16), nullable=False, server_default="online"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("work_id", "household_id", name="uq_work_ratings"),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="ck_work_ratings_stars"),
    )
    op.create_table(
        "work_contests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("work_id", sa.Integer, _fk("works"), nullable=False, index=True),
        sa.Column("household_id", sa.Integer, _fk("households"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False, server_default="1"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("work_id", "household_id", "round", name="uq_work_contests"),
    )
    op.create_table(
        "conventions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("community_id", sa.Integer, _fk("communities"), nullable=False, index=True),
        sa.Column("buildings", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "convention_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("convention_id", sa.Integer, _fk("conventions"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("articles", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("convention_id", "version", name="uq_convention_versions"),
    )
    op.create_table(
        "convention_signatures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, _fk("convention_versions"), nullable=False, index=True),
        sa.Column("household_id", sa.Integer, _fk("households"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, server_default="online"),
        sa.Column("signed_at", sa.DateTime, nullable=False),
        sa.Column("withdrawn_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("version_id", "household_id", name="uq_convention_signatures"),
    )


def downgrade() -> None:
    for table in (
        "convention_signatures",
        "convention_versions",
        "conventions",
        "work_contests",
        "work_ratings",
    ):
        op.drop_table(table)
