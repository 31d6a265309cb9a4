"""Isolation between the communities of one database (issue 15.1), on SQLite and PostgreSQL.

Two communities side by side; every writing use case is tried on community B's things with
community A's staff account, and with a household of A where households act; reads by id are
tried through A's address (``?community=A&mark=<B's id>``). Each attempt must be refused and
change nothing in B."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from cocreate_map import services
from cocreate_map.domain.annotations import Role
from cocreate_map.errors import CocreateError, NotFound
from cocreate_map.services import ballots as B
from cocreate_map.services import conventions as C
from cocreate_map.services import evaluation as E
from cocreate_map.services import funds as F
from cocreate_map.services import households as H
from cocreate_map.services import marks as M
from cocreate_map.services import options as O
from cocreate_map.services import works as W
from cocreate_map.services.access import local_admin
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction
from cocreate_map.storage.schema import metadata
from tests.conftest import module_database, shared_data_dir

A, B_SLUG = services.DEMO_SLUG, "second-estate"


def _b_rows(engine) -> dict[str, int]:
    """Rows of community B per table that has a community_id."""
    out = {}
    with engine.connect() as conn:
        cid = conn.execute(
            text("SELECT id FROM communities WHERE slug = :s"), {"s": B_SLUG}
        ).scalar_one()
        for table in metadata.sorted_tables:
            if "community_id" in table.c:
                out[table.name] = conn.execute(
                    select(func.count()).select_from(table).where(table.c.community_id == cid)
                ).scalar_one()
    return out


# one data folder (audit key and signed heads) for the module's shared databases
_module_data, _data_dir = shared_data_dir("isolation-data")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def two(request: pytest.FixtureRequest, _module_data: Path) -> Iterator[tuple]:
    """A and B, built once per database for the module: the refused attempts change nothing,
    and the controls below only add to B (the one that closes B's ballot runs last)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COCREATE_DATA_DIR", str(_module_data))
    with module_database(request.param, _module_data) as engine:
        yield _setup(engine)
    mp.undo()


def _setup(engine):
    admin = local_admin()
    with transaction(engine) as s:
        services.load_demo(s)
    with transaction(engine) as s:
        services.load_demo(s, B_SLUG)
    with transaction(engine) as s:
        a = repo.community_by_slug(s, A)
        b = repo.community_by_slug(s, B_SLUG)
        ids = {
            "a": a.id,
            "b": b.id,
            "a_household": H.list_households(s, A)[0].id,
            "b_household": H.list_households(s, B_SLUG)[0].id,
            "b_mark": next(m.id for m in M.list_marks(s, B_SLUG, staff=admin)),
            "b_ballot": B.list_ballots(s, B_SLUG)[0].id,
            "b_work": W.list_works(s, B_SLUG)[0].id,
            "b_entry": F.list_entries(s, B_SLUG)[0].id,
        }
    b_open = None
    with transaction(engine) as s:
        b_open = B.create_ballot(s, B_SLUG, "第二小区表决", "simple-majority", who=admin).id
    ids["b_open_ballot"] = b_open
    staff_a = StaffIdentity("wang", Role.ADMIN, ids["a"])
    return engine, ids, staff_a


def _attempts(ids: dict[str, int], staff_a: StaffIdentity) -> dict[str, Callable]:
    return {
        "publish B's mark": lambda s: M.apply_action(s, ids["b_mark"], "hide", staff_a, reason="x"),
        "close B's ballot": lambda s: B.close_ballot(s, ids["b_open_ballot"], who=staff_a),
        "paper vote in B": lambda s: B.cast_vote(
            s, ids["b_open_ballot"], ids["b_household"], "yes", "paper", who=staff_a
        ),
        "A's household votes in B": lambda s: B.cast_vote(
            s, ids["b_open_ballot"], ids["a_household"], "yes"
        ),
        "A's household says me too in B": lambda s: M.support_mark(
            s, ids["b_mark"], ids["a_household"]
        ),
        "edit B's register": lambda s: H.update_household(
            s, ids["b_household"], area_m2="99.99", who=staff_a
        ),
        "option in B": lambda s: O.create_option(s, B_SLUG, "方案Z", who=staff_a),
        "milestone on B's work": lambda s: W.post_milestone(s, ids["b_work"], "x", 50, who=staff_a),
        "donation to B": lambda s: F.add_entry(s, staff_a, B_SLUG, "donation", "10.00"),
        "approve B's entry": lambda s: F.approve_entry(s, staff_a, ids["b_entry"]),
        "convention in B": lambda s: C.create_convention(s, B_SLUG, "公约", "一条", who=staff_a),
        "A's household rates B's work": lambda s: E.rate_work(
            s, ids["b_work"], ids["a_household"], 5
        ),
    }


@pytest.mark.parametrize(
    "name",
    list(
        _attempts(
            {
                k: 0
                for k in (
                    "b_mark",
                    "b_open_ballot",
                    "b_household",
                    "a_household",
                    "b_work",
                    "b_entry",
                )
            },
            StaffIdentity("x", Role.ADMIN),
        )
    ),  # fmt: skip
)
def test_community_a_cannot_write_into_community_b(two, name):
    engine, ids, staff_a = two
    before = _b_rows(engine)
    attempt = _attempts(ids, staff_a)[name]
    with pytest.raises(CocreateError) as caught, transaction(engine) as s:
        attempt(s)
    assert _b_rows(engine) == before, (name, caught.value)


# The same use cases succeed for B's own staff and households: the refusals above come from
# the community check, not from a broken call.
CONTROLS = {
    "paper vote in B": lambda s, ids, staff: B.cast_vote(
        s, ids["b_open_ballot"], ids["b_household"], "yes", "paper", who=staff
    ),
    "B's household votes in B": lambda s, ids, staff: B.cast_vote(
        s, ids["b_open_ballot"], ids["b_household"], "yes"
    ),
    "option in B": lambda s, ids, staff: O.create_option(s, B_SLUG, "方案Z", who=staff),
    "milestone on B's work": lambda s, ids, staff: W.post_milestone(
        s, ids["b_work"], "脚手架搭好", 65, who=staff
    ),
    "donation to B": lambda s, ids, staff: F.add_entry(s, staff, B_SLUG, "donation", "10.00"),
    "convention in B": lambda s, ids, staff: C.create_convention(
        s, B_SLUG, "公约", "一条", who=staff
    ),
    "close B's ballot": lambda s, ids, staff: B.close_ballot(s, ids["b_open_ballot"], who=staff),
}


@pytest.mark.parametrize("name", list(CONTROLS))
def test_community_b_itself_may(two, name):
    engine, ids, _staff_a = two
    staff_b = StaffIdentity("li", Role.ADMIN, ids["b"])
    with transaction(engine) as s:
        CONTROLS[name](s, ids, staff_b)


def test_a_mark_of_b_is_not_shown_under_a(two):
    engine, ids, _staff = two
    with transaction(engine) as s:
        # through B's own address the public mark is there …
        M.mark_detail(s, ids["b_mark"], community_id=ids["b"], staff=local_admin())
        # … through A's address it is not
        with pytest.raises(NotFound):
            M.mark_detail(s, ids["b_mark"], community_id=ids["a"], staff=local_admin())


def test_lists_and_summaries_stay_in_their_community(two):
    engine, ids, _staff = two
    with transaction(engine) as s:
        a_marks = {m.id for m in M.list_marks(s, A, staff=local_admin())}
        b_marks = {m.id for m in M.list_marks(s, B_SLUG, staff=local_admin())}
        assert a_marks and b_marks and not a_marks & b_marks
        assert {b.community_id for b in B.list_ballots(s, A)} == {ids["a"]}
        assert {w.community_id for w in W.list_works(s, A)} == {ids["a"]}
        a_entries = {e.id for e in F.list_entries(s, A)}
        assert ids["b_entry"] not in a_entries
        assert {h.community_id for h in H.list_households(s, A)} == {ids["a"]}
