"""Works (工程项目): works, milestones, photos, resident supervisors, linked marks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from cocreate_map.storage.types import Geometry

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _fk(name: str, target: str, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "works",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("community_id", "communities.id"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        _fk("ballot_id", "ballots.id", "SET NULL", nullable=True),
        sa.Column("option_name", sa.String(200), nullable=True),
        sa.Column("scope", Geometry(), nullable=True),
        sa.Column("buildings", sa.JSON, nullable=False),
        sa.Column("budget_fen", sa.BigInteger, nullable=False),
        sa.Column("contractor", sa.String(200), nullable=False),
        sa.Column("planned_start", sa.Date, nullable=True),
        sa.Column("planned_end", sa.Date, nullable=True),
        sa.Column("progress_pct", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("completed_at", sa.DateTime, nullable=True),
        sa.Column("accepted_at", sa.DateTime, nullable=True),
        sa.Column("reopen_reason", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("budget_fen >= 0", name="ck_works_budget_nonnegative"),
        sa.CheckConstraint(
            "progress_pct >= 0 AND progress_pct <= 100", name="ck_works_progress_range"
        ),
    )
    op.create_index("ix_works_community_id", "works", ["community_id"])
    op.create_index("ix_works_ballot_id", "works", ["ballot_id"])
    if postgres:
        op.execute("CREATE INDEX ix_works_scope_gist ON works USING GIST (scope)")
    op.create_table(
        "work_milestones",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("work_id", "works.id"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("progress_pct", sa.Integer, nullable=False),
        sa.Column("happened_on", sa.Date, nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        _fk("staff_user_id", "staff_users.id", "SET NULL", nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_work_milestones_work_id", "work_milestones", ["work_id"])
    op.create_table(
        "work_photos",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("work_id", "works.id"),
        _fk("milestone_id", "work_milestones.id", nullable=True),
        sa.Column("mime", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_work_photos_work_id", "work_photos", ["work_id"])
    op.create_index("ix_work_photos_milestone_id", "work_photos", ["milestone_id"])
    op.create_table(
        "work_supervisors",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("work_id", "works.id"),
        _fk("household_id", "households.id"),
        sa.Column("public_name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("work_id", "household_id", name="uq_work_supervisors"),
    )
    op.create_index("ix_work_supervisors_work_id", "work_supervisors", ["work_id"])
    op.create_table(
        "work_marks",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("work_id", "works.id"),
        _fk("mark_id", "marks.id"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("mark_id", name="uq_work_marks_mark"),
    )
    op.create_index("ix_work_marks_work_id", "work_marks", ["work_id"])


def downgrade() -> None:
    for name in ("work_marks", "work_supervisors", "work_photos", "work_milestones", "works"):
        op.drop_table(name)
