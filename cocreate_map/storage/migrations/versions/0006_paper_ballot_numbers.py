"""Paper ballot numbers issued by the meeting pack: one number per household per ballot.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_ballot_numbers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "ballot_id",
            sa.Integer,
            sa.ForeignKey("ballots.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "household_id",
            sa.Integer,
            sa.ForeignKey("households.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ballot_no", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("ballot_id", "ballot_no", name="uq_paper_ballot_numbers_no"),
        sa.UniqueConstraint("ballot_id", "household_id", name="uq_paper_ballot_numbers_household"),
    )


def downgrade() -> None:
    op.drop_table("paper_ballot_numbers")
