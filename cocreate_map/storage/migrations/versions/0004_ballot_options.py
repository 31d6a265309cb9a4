"""Ballots link to layout options: ``ballots.options`` lists the option names voted on.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.add_column(
            sa.Column("options", sa.JSON, nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.drop_column("options")
