"""A community with a register, three staff accounts and one work, for the funds tests."""

from __future__ import annotations

from cocreate_map.domain.annotations import Role
from cocreate_map.services import works as W
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction
from tests.services.ballot_factories import make_register

SLUG = "test-estate"


def make_funds_world(engine, budget_fen=5_000_000):
    """{"reg", "wang", "li", "chief", "work"}: the register, two treasurers, a building chief
    and a work with a budget."""
    reg = make_register(engine, SLUG)
    with transaction(engine) as s:
        cid = repo.community_by_slug(s, SLUG).id
    wang = StaffIdentity("wang", Role.ADMIN, cid)
    li = StaffIdentity("li", Role.PLANNER, cid)
    chief = StaffIdentity("chief", Role.BUILDING_CHIEF, cid, ("1",))
    with transaction(engine) as s:
        work = W.create_work(s, SLUG, "外墙粉刷（棉花白）", who=wang, budget_fen=budget_fen)
    return {"reg": reg, "wang": wang, "li": li, "chief": chief, "work": work.id, "cid": cid}
