"""Codes for new or lost households only (issue 10.7): adding two flats gives those two a code
and a slip, and every other household's code and signed-in phone keep working; a lost slip is
renewed for that household alone (asking first while a ballot is open, issue 11.10)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cocreate_map import services
from cocreate_map.errors import NeedsConfirmation, NotFound
from cocreate_map.services import households as H
from cocreate_map.services import sessions
from cocreate_map.services.access import local_admin
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.db import transaction
from tests.services.ballot_factories import make_register

SLUG = "flats"
ADMIN = local_admin("test")


def hashes(engine) -> dict[str, str | None]:
    with transaction(engine) as s:
        return {h.label: h.code_hash for h in s.scalars(select(HouseholdRow))}


def test_two_new_flats_get_codes_and_nobody_else_is_signed_out(engine, tmp_path):
    reg = make_register(engine, slug=SLUG, buildings=[("3", 4)])
    (x, x_code), (y, y_code) = reg["3-1-101"], reg["3-1-201"]
    with transaction(engine) as s:
        services.create_ballot(s, SLUG, "加装电梯？", "simple-majority", who=ADMIN)
        x_token = sessions.open_household_session(s, x)
        y_token = sessions.open_household_session(s, y)
    f = tmp_path / "new.csv"
    f.write_text("楼栋,单元,房号,面积\n3,2,501,66.60\n3栋,2单元,502,70.00\n", "utf-8")
    before = hashes(engine)
    with transaction(engine) as s:
        res = H.import_households(s, f, SLUG, who=ADMIN, issue_codes=False)
    assert (res.created, res.codes) == (2, [])
    after_import = hashes(engine)
    assert after_import["3-2-501"] is None and after_import["3-2-502"] is None
    assert {k: v for k, v in after_import.items() if k in before} == before
    with transaction(engine) as s:
        ids = H.households_for_codes(s, SLUG, new_only=True)
        # first codes end nothing: no confirmation although a ballot is open
        pairs = H.regenerate_codes(s, SLUG, ids, who=ADMIN)
    assert sorted(h.label for h, _ in pairs) == ["3-2-501", "3-2-502"]
    assert {k: v for k, v in hashes(engine).items() if k in before} == before
    with transaction(engine) as s:
        assert sessions.household_of(s, SLUG, x_token).id == x  # still signed in
        assert sessions.household_of(s, SLUG, y_token).id == y
        assert H.join_with_code(s, SLUG, x_code, client="a|1").household.id == x
        for h, code in pairs:
            assert H.join_with_code(s, SLUG, code, client="a|1").household.label == h.label
    with pytest.raises(NotFound) as none_left, transaction(engine) as s:
        H.households_for_codes(s, SLUG, new_only=True)
    assert "--households" in none_left.value.message
    # x lost the slip: renewing x's code asks first while the ballot is open …
    with pytest.raises(NeedsConfirmation), transaction(engine) as s:
        H.regenerate_codes(s, SLUG, H.households_for_codes(s, SLUG, ["3栋1单元101室"]), who=ADMIN)
    with transaction(engine) as s:
        [(_, x_new)] = H.regenerate_codes(
            s, SLUG, H.households_for_codes(s, SLUG, ["3-1-101"]), who=ADMIN,
            confirm_open_ballots=True,
        )  # fmt: skip
    with transaction(engine) as s:  # … and signs out x's phone only
        assert sessions.household_of(s, SLUG, x_token) is None
        assert sessions.household_of(s, SLUG, y_token).id == y
        assert H.join_with_code(s, SLUG, x_code, client="b|1").household is None
        assert H.join_with_code(s, SLUG, x_new, client="b|1").household.id == x
        assert H.join_with_code(s, SLUG, y_code, client="b|1").household.id == y


def test_unknown_households_are_named(engine):
    make_register(engine, slug=SLUG, buildings=[("3", 2)])
    with pytest.raises(NotFound) as err, transaction(engine) as s:
        H.households_for_codes(s, SLUG, ["3-1-101", "9-9-909", "3-2-501"])
    assert "9-9-909、3-2-501" in err.value.message and "3-2-501" in err.value.render("zh")
    with transaction(engine) as s:
        assert len(H.households_for_codes(s, SLUG, ["3-1-101", "3 1 101", "3栋1单元201"])) == 2
