"""District deployment: communities name their sub-district and keep the id their audit chain
was written under when they move between databases; district accounts name their district.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(sa.Column("district", sa.String(200), nullable=True))
        batch.add_column(sa.Column("audit_chain_id", sa.Integer, nullable=True))
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("district", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("district")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("audit_chain_id")
        batch.drop_column("district")
