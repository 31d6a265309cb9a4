"""The demo's household register: deterministic rows and the public, seeded demo codes."""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

from sqlalchemy.orm import Session

from cocreate_map.domain.households import (
    RegisterRow,
    clean_label,
    generate_code,
)
from cocreate_map.services.access import local_admin
from cocreate_map.services.households import RegisterImport, add_register_rows
from cocreate_map.storage import repositories as repo

DEMO_CODE_SEED = "cotton-compound demo codes v1"
DEMO_SEEDED_CODES = 6  # the first households of building 1 get public, seeded codes


def demo_register(buildings: Sequence[tuple[str, int]]) -> list[RegisterRow]:
    """A deterministic register: per building, units 1–2, two rooms per floor (101, 102, 201 …),
    areas 45–90 m² with two decimals from a seeded generator; three 公房 units of building 1 belong
    to the housing bureau (one owner head, DOMAIN.md R2)."""
    rng = random.Random("cotton-compound register v1")
    rows: list[RegisterRow] = []
    for building, count in buildings:
        per_unit = [count - count // 2, count // 2]
        for unit_no, n in enumerate(per_unit, start=1):
            for k in range(n):
                floor, pos = divmod(k, 2)
                room = f"{floor + 1}{pos + 1:02d}"
                cents = rng.randint(4500, 9000)
                owner = "房管所" if building == "1" and unit_no == 2 and k < 3 else None
                rows.append(
                    RegisterRow(
                        building, str(unit_no), room, Fraction(cents, 100), owner, rng.randint(1, 5)
                    )
                )
    return rows


def demo_buildings(session: Session, community_id: int) -> list[tuple[str, int]]:
    rows = repo.buildings_of(session, community_id)
    out = []
    for e in rows:
        label = clean_label(e.name or e.source_id or str(e.id))
        n = int((e.attrs or {}).get("households") or 0)
        if n > 0:
            out.append((label, n))
    return sorted(out, key=lambda x: (len(x[0]), x[0]))


def add_demo_households(session: Session, slug: str) -> RegisterImport:
    """Give the demo community its register; the first households get seeded, public codes."""
    community = repo.community_by_slug(session, slug)
    rows = demo_register(demo_buildings(session, community.id))
    return add_register_rows(
        session,
        community,
        rows,
        who=local_admin("demo"),
        rng=random.Random(DEMO_CODE_SEED),
        seeded=DEMO_SEEDED_CODES,
    )


def demo_codes() -> list[tuple[str, str]]:
    """The public demo codes: (building-unit-room, code) of the first seeded households."""
    rng = random.Random(DEMO_CODE_SEED)
    rows = demo_register([("1", 24)])[:DEMO_SEEDED_CODES]
    return [(r.label, generate_code(rng)) for r in rows]
