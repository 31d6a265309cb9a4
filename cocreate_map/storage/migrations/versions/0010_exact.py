"""Issue 17: a ballot's declared tie-break; an import's content hash; archived communities.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.add_column(
            sa.Column("tie_break", sa.String(16), nullable=False, server_default="second-round")
        )
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
        batch.create_index("ix_imports_content_sha256", ["community_id", "content_sha256"])
    with op.batch_alter_table("communities") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("archived_at")
    with op.batch_alter_table("imports") as batch:
        batch.drop_index("ix_imports_content_sha256")
        batch.drop_column("content_sha256")
    with op.batch_alter_table("ballots") as batch:
        batch.drop_column("tie_break")
