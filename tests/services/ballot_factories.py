"""Small registers and ballots for the service tests (SQLite and PostgreSQL)."""

from __future__ import annotations

from fractions import Fraction

from cocreate_map import services
from cocreate_map.domain.households import RegisterRow
from cocreate_map.services import households as H
from cocreate_map.services.access import local_admin
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction


def make_register(engine, slug="test-estate", buildings=(("1", 6), ("2", 4)), area="60.25"):
    """A community with households; returns {label: (household id, code)}."""
    rows = [
        RegisterRow(b, "1", f"{k + 1}01", Fraction(area) + k, None, 2)
        for b, n in buildings
        for k in range(n)
    ]
    with transaction(engine) as s:
        services.create_community(s, slug, "测试小区", who=local_admin("test"))
        res = H.add_register_rows(s, repo.community_by_slug(s, slug), rows, who=local_admin("test"))
    with transaction(engine) as s:
        ids = {h.label: h.id for h in H.list_households(s, slug)}
    return {label: (ids[label], code) for label, code in res.codes}
