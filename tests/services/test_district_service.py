"""The district overview: the same figures as each community's own summary, with denominators,
from one query per figure whatever the number of communities (SQLite and PostgreSQL)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy import event

from cocreate_map import services
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.households import RegisterRow
from cocreate_map.errors import InvalidInput, PermissionDenied
from cocreate_map.services import district as D
from cocreate_map.services import households as H
from cocreate_map.services import marks as M
from cocreate_map.services.access import local_admin
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction

ADMIN = StaffIdentity("cli", Role.ADMIN)


def _add_communities(engine, n: int, district: str = "银行街道") -> None:
    for i in range(n):
        slug = f"estate-{i}"
        rows = [
            RegisterRow("1", "1", f"{k + 1}01", Fraction("60.5"), None, 2) for k in range(i + 2)
        ]
        with transaction(engine) as s:
            services.create_community(s, slug, f"小区{i}", who=local_admin("test"))
            H.add_register_rows(s, repo.community_by_slug(s, slug), rows, who=local_admin("test"))
            D.set_district(s, slug, district, ADMIN)


def _statements(engine, work) -> int:
    count = 0

    def on_execute(*_args):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with transaction(engine) as s:
            work(s)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return count


def test_overview_matches_each_community_and_shows_denominators(engine):
    with transaction(engine) as s:
        services.load_demo(s)
        D.set_district(s, services.DEMO_SLUG, "银行街道", ADMIN)
    _add_communities(engine, 2)
    with transaction(engine) as s:
        view = D.overview(s, "银行街道")
        own = M.summary(s, services.DEMO_SLUG)
    demo = next(c for c in view.communities if c.slug == services.DEMO_SLUG)
    assert demo.households == 300
    assert (demo.resolution.part, demo.resolution.whole) == (own.resolved, own.adopted)
    assert (demo.response.part, demo.response.whole) == (own.answered, own.total)
    assert demo.opinions == own.total
    assert {c.slug: c.households for c in view.communities if c.slug != demo.slug} == {
        "estate-0": 2,
        "estate-1": 3,
    }
    empty = next(c for c in view.communities if c.slug == "estate-0")
    assert empty.resolution.value is None and empty.resolution.text() == "—"
    assert view.households == 305
    assert view.resolution.whole == own.adopted  # the others have no adopted opinions
    assert view.resolution.text().endswith(f"({own.resolved}/{own.adopted})")


def test_one_query_per_figure_whatever_the_number_of_communities(engine):
    _add_communities(engine, 1)
    few = _statements(engine, lambda s: D.overview(s))
    _add_communities(engine, 0)
    with transaction(engine) as s:
        for i in range(5, 12):
            services.create_community(s, f"more-{i}", f"更多{i}", who=local_admin("test"))
    many = _statements(engine, lambda s: D.overview(s))
    assert few == many, (few, many)


def test_a_district_shows_only_its_communities(engine):
    _add_communities(engine, 2, "银行街道")
    with transaction(engine) as s:
        services.create_community(s, "elsewhere", "别处小区", who=local_admin("test"))
        D.set_district(s, "elsewhere", "水果湖街道", ADMIN)
        assert {c.slug for c in D.overview(s, "银行街道").communities} == {"estate-0", "estate-1"}
        assert D.districts(s) == ["水果湖街道", "银行街道"]


def test_setting_a_district_needs_an_admin(engine):
    _add_communities(engine, 1)
    planner = StaffIdentity("p", Role.PLANNER)
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        D.set_district(s, "estate-0", "别的街道", None)
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        D.set_district(s, "estate-0", "别的街道", planner)
    with pytest.raises(InvalidInput), transaction(engine) as s:
        D.set_district(s, "estate-0", "街" * 201, ADMIN)
    with transaction(engine) as s:
        assert D.overview(s).communities[0].district == "银行街道"


def test_csv_neutralises_formulas_in_names(engine):
    with transaction(engine) as s:
        services.create_community(s, "evil", '=HYPERLINK("http://x")', who=local_admin("test"))
        text = D.csv_text(D.overview(s))
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_a_district_admin_writes_nothing_and_acts_for_no_community(engine):
    from cocreate_map.services.access import EVERY_STAFF, require_staff
    from cocreate_map.services.staff import add_user

    _add_communities(engine, 1)
    with transaction(engine) as s:
        who = add_user(s, "jiedao", "a-long-password-1", "district_admin", district="银行街道")
        cid = repo.community_by_slug(s, "estate-0").id
    assert who.role is Role.DISTRICT_ADMIN and who.district == "银行街道"
    assert not who.may_work_in(cid)
    with pytest.raises(PermissionDenied):
        require_staff(who, cid, EVERY_STAFF)
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        D.set_district(s, "estate-0", "别的街道", who)
    with pytest.raises(InvalidInput), transaction(engine) as s:
        add_user(s, "nodistrict", "a-long-password-1", "district_admin")


def test_a_district_admin_reads_its_communities_staff_ledger_and_no_other(engine):
    """Read-only oversight (issue 15.1): the ledger with donors' names, pending expenses and
    hours of a community in the admin's sub-district; another district's community is refused;
    and a read-only view writes nothing (the same account cannot approve or record)."""
    from cocreate_map.services import ballots as B
    from cocreate_map.services import funds as F
    from cocreate_map.services.staff import StaffIdentity, add_user

    with transaction(engine) as s:
        services.load_demo(s)
        services.load_demo(s, "elsewhere")
        D.set_district(s, services.DEMO_SLUG, "银行街道", local_admin("test"))
        D.set_district(s, "elsewhere", "别的街道", local_admin("test"))
        jiedao = add_user(s, "jiedao", "a-long-password-1", "district_admin", district="银行街道")
        cid = repo.community_by_slug(s, services.DEMO_SLUG).id
    with transaction(engine) as s:
        ledger = F.staff_ledger(s, jiedao, services.DEMO_SLUG)
        assert ledger.read_only
        assert ledger.pending and ledger.recent and ledger.labour
        assert any(e.donor_private == "杨继安" for e in ledger.recent)
        with pytest.raises(PermissionDenied) as other:
            F.staff_ledger(s, jiedao, "elsewhere")
        assert other.value.key == "access.other_district"
        with pytest.raises(PermissionDenied):
            F.approve_entry(s, jiedao, ledger.pending[0].id)
        with pytest.raises(PermissionDenied):
            F.add_entry(s, jiedao, services.DEMO_SLUG, "donation", "10.00")
        ballots = B.staff_overview(s, jiedao, services.DEMO_SLUG)
        assert ballots.read_only and ballots.ballots
        live = next(b for b in ballots.ballots if b.status == "open")
        assert ballots.votes[live.id] > 0
        with pytest.raises(PermissionDenied):
            B.close_ballot(s, live.id, who=jiedao)
        with pytest.raises(PermissionDenied):
            B.staff_overview(s, jiedao, "elsewhere")
    # the community's own staff read and write; a visitor reads nothing
    with transaction(engine) as s:
        assert not F.staff_ledger(
            s, StaffIdentity("wang", Role.ADMIN, cid), services.DEMO_SLUG
        ).read_only
        with pytest.raises(PermissionDenied) as anonymous:
            F.staff_ledger(s, None, services.DEMO_SLUG)
        assert anonymous.value.key == "access.sign_in"
