"""Funds ledger (accounts, entries, approvals, receipt photos) and volunteer labour (teams,
entries, verifications): issue 13.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fk(
    name: str, target: str, ondelete: str | None = "CASCADE", nullable: bool = False
) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "fund_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("community_id", "communities.id"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("community_id", "name", name="uq_fund_accounts_name"),
    )
    op.create_table(
        "fund_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("community_id", "communities.id"),
        _fk("account_id", "fund_accounts.id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("donor_type", sa.String(16), nullable=False),
        _fk("household_id", "households.id", "SET NULL", nullable=True),
        sa.Column("household_label", sa.String(100), nullable=False),
        sa.Column("donor_name", sa.String(200), nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        _fk("work_id", "works.id", None, nullable=True),
        sa.Column("payee", sa.String(200), nullable=False),
        sa.Column("receipt_no", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=True),
        _fk("reverses_id", "fund_entries.id", None, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("amount_fen > 0", name="ck_fund_entries_positive"),
        sa.UniqueConstraint("reverses_id", name="uq_fund_entries_reverses"),
    )
    op.create_index("ix_fund_entries_community", "fund_entries", ["community_id", "id"])
    op.create_index("ix_fund_entries_work", "fund_entries", ["work_id"])
    op.create_table(
        "fund_approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("entry_id", "fund_entries.id"),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("approved_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("entry_id", name="uq_fund_approvals_entry"),
    )
    op.create_table(
        "volunteer_teams",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("community_id", "communities.id"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("community_id", "name", name="uq_volunteer_teams_name"),
    )
    op.create_table(
        "labour_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("community_id", "communities.id"),
        _fk("work_id", "works.id", None),
        _fk("household_id", "households.id", "SET NULL", nullable=True),
        sa.Column("household_label", sa.String(100), nullable=False),
        sa.Column("person_name", sa.String(100), nullable=False),
        _fk("team_id", "volunteer_teams.id", "SET NULL", nullable=True),
        sa.Column("worked_on", sa.Date, nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("quarter_hours", sa.Integer, nullable=False),
        sa.Column("show_name", sa.Boolean, nullable=False),
        sa.Column("entered_by", sa.String(100), nullable=False),
        sa.Column("entered_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("quarter_hours > 0", name="ck_labour_entries_positive"),
    )
    op.create_index("ix_labour_entries_community", "labour_entries", ["community_id", "id"])
    op.create_index("ix_labour_entries_work", "labour_entries", ["work_id"])
    op.create_table(
        "labour_verifications",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("labour_id", "labour_entries.id"),
        sa.Column("verified_by", sa.String(64), nullable=False),
        sa.Column("verified_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("labour_id", name="uq_labour_verifications_entry"),
    )
    op.create_table(
        "fund_photos",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("community_id", "communities.id"),
        _fk("entry_id", "fund_entries.id", nullable=True),
        _fk("labour_id", "labour_entries.id", nullable=True),
        sa.Column("mime", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_fund_photos_entry_id", "fund_photos", ["entry_id"])
    op.create_index("ix_fund_photos_labour_id", "fund_photos", ["labour_id"])


def downgrade() -> None:
    for name in (
        "fund_photos",
        "labour_verifications",
        "labour_entries",
        "volunteer_teams",
        "fund_approvals",
        "fund_entries",
        "fund_accounts",
    ):
        op.drop_table(name)
