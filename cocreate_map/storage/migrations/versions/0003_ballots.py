"""Household register, ballots, votes, vote history and conflicts, audit log, join throttle.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _community_fk() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "community_id",
        sa.Integer,
        sa.ForeignKey("communities.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("id", sa.Integer, primary_key=True),
        _community_fk(),
        sa.Column("building", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("room", sa.String(32), nullable=False),
        sa.Column("area_m2", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.String(100), nullable=True),
        sa.Column("residents", sa.Integer, nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("community_id", "building", "unit", "room", name="uq_households_room"),
    )
    op.create_index("ix_households_code", "households", ["community_id", "code_hash"])
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer, primary_key=True),
        _community_fk(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("rule_params", sa.JSON, nullable=False),
        sa.Column("choices", sa.JSON, nullable=False),
        sa.Column("electorate", sa.JSON, nullable=False),
        sa.Column("matter_class", sa.String(16), nullable=False),
        sa.Column("opens_at", sa.DateTime, nullable=True),
        sa.Column("closes_at", sa.DateTime, nullable=True),
        sa.Column("closed_at", sa.DateTime, nullable=True),
        sa.Column("show_running", sa.Boolean, nullable=False),
        sa.Column("e_voting_recognised", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_ballots_community_id", "ballots", ["community_id"])
    ballot_fk = sa.ForeignKey("ballots.id", ondelete="CASCADE")
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ballot_id", sa.Integer, ballot_fk, nullable=False),
        sa.Column(
            "household_id",
            sa.Integer,
            sa.ForeignKey("households.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("choice", sa.JSON, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("ballot_no", sa.String(64), nullable=True),
        sa.Column("cast_at", sa.DateTime, nullable=False),
        sa.Column("casts", sa.Integer, nullable=False),
        sa.UniqueConstraint("ballot_id", "household_id", name="uq_votes_household"),
    )
    op.create_table(
        "vote_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ballot_id", sa.Integer, sa.ForeignKey("ballots.id", ondelete="CASCADE")),
        sa.Column(
            "household_id",
            sa.Integer,
            sa.ForeignKey("households.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("choice", sa.JSON, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("ballot_no", sa.String(64), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("cast_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_vote_history_ballot", "vote_history", ["ballot_id", "household_id"])
    op.create_table(
        "vote_conflicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ballot_id", sa.Integer, sa.ForeignKey("ballots.id", ondelete="CASCADE")),
        sa.Column(
            "household_id",
            sa.Integer,
            sa.ForeignKey("households.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("choice", sa.JSON, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("ballot_no", sa.String(64), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime, nullable=True),
        sa.Column("resolution", sa.String(32), nullable=True),
    )
    op.create_index("ix_vote_conflicts_ballot_id", "vote_conflicts", ["ballot_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        _community_fk(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("community_id", "seq", name="uq_audit_seq"),
    )
    op.create_table(
        "join_throttle",
        sa.Column(
            "community_id",
            sa.Integer,
            sa.ForeignKey("communities.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("join_throttle")
    op.drop_table("audit_log")
    op.drop_index("ix_vote_conflicts_ballot_id", table_name="vote_conflicts")
    op.drop_table("vote_conflicts")
    op.drop_index("ix_vote_history_ballot", table_name="vote_history")
    op.drop_table("vote_history")
    op.drop_table("votes")
    op.drop_index("ix_ballots_community_id", table_name="ballots")
    op.drop_table("ballots")
    op.drop_index("ix_households_code", table_name="households")
    op.drop_table("households")
