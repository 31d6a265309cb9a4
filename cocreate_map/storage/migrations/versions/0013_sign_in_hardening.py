"""Sign-in hardening (issue 11): throttles per client, server-side sessions, keyed code hashes.

- ``throttles``: one counter per key (client, address, typed code, staff account per client)
  replaces ``join_throttle`` (one per community, which let one guesser lock everyone out) and
  the staff accounts' ``failures``/``locked_until`` columns.
- ``auth_sessions``: the sessions household and staff cookies carry (sha256 of the token).
- ``households.code_hash`` becomes an HMAC keyed by the server secret (var/cocreate-secret.key,
  created here on first use) of the old unkeyed hash, so every existing code, the demo's
  included, keeps working and a copy of the database alone cannot test codes. Codes are unique
  per community: where two households shared one, the later household's code is cleared (it
  needs a new slip: cocreate codes) and the migration says which.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from cocreate_map import keys
    from cocreate_map.domain.households import keyed_stored_hash

    op.create_table(
        "throttles",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("lockouts", sa.Integer, nullable=False),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "household_id",
            sa.Integer,
            sa.ForeignKey("households.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "staff_user_id",
            sa.Integer,
            sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("credential", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_auth_sessions_household", "auth_sessions", ["household_id"])
    op.create_index("ix_auth_sessions_username", "auth_sessions", ["username"])
    op.drop_table("join_throttle")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("failures")
        batch.drop_column("locked_until")

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, community_id, building, unit, room, code_hash FROM households "
            "WHERE code_hash IS NOT NULL ORDER BY id"
        )
    ).all()
    if rows:
        secret = keys.server_secret()
        seen: set[tuple[int, str]] = set()
        cleared = []
        for hid, community_id, building, unit, room, old in rows:
            if (community_id, old) in seen:  # a duplicate code: the later household loses it
                conn.execute(
                    sa.text("UPDATE households SET code_hash = NULL WHERE id = :id"), {"id": hid}
                )
                cleared.append(f"{building}-{unit}-{room}")
                continue
            seen.add((community_id, old))
            conn.execute(
                sa.text("UPDATE households SET code_hash = :h WHERE id = :id"),
                {"h": keyed_stored_hash(secret, old), "id": hid},
            )
        if cleared:
            print(
                f"households sharing a code with another one, code cleared (print new slips "
                f"with cocreate codes): {', '.join(cleared)}"
            )
    op.drop_index("ix_households_code", table_name="households")
    with op.batch_alter_table("households") as batch:
        batch.create_unique_constraint("uq_households_code", ["community_id", "code_hash"])


def downgrade() -> None:
    raise NotImplementedError(
        "0013 re-keys household codes with the server secret; restore a backup to go back"
    )
