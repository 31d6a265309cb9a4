"""Issue 11.10: codes are unique per community (a constraint, and one generator that never
repeats one), the README's demo codes come from the demo loader only, and renewing codes during
an open ballot asks first (CLI: --yes)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cocreate_map import cli, services
from cocreate_map.domain.households import generate_code
from cocreate_map.errors import NeedsConfirmation
from cocreate_map.services import households as H
from cocreate_map.services.access import local_admin
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import AuditRow, HouseholdRow
from cocreate_map.storage.db import make_engine, migrate, transaction
from tests.services.ballot_factories import make_register


def test_the_database_refuses_two_households_with_one_code(engine):
    reg = make_register(engine, slug="uniq", buildings=[("1", 2)])
    (a, _), (b, _) = reg["1-1-101"], reg["1-1-201"]
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.get(HouseholdRow, b).code_hash = s.get(HouseholdRow, a).code_hash


def test_the_generator_never_repeats_a_code_of_the_community(engine):
    reg = make_register(engine, slug="uniq", buildings=[("1", 1)])
    hid, _ = reg["1-1-101"]
    taken = generate_code(random.Random(7))
    with transaction(engine) as s:
        s.get(HouseholdRow, hid).code_hash = H.code_hash(
            s.get(HouseholdRow, hid).community_id, taken
        )
    with transaction(engine) as s:
        cid = repo.community_by_slug(s, "uniq").id
        [(code, _)] = H.new_codes(s, cid, 1, rng=random.Random(7), seeded=1)
    assert code != taken  # the seeded draw that collided was skipped


def test_renewing_some_demo_codes_gives_random_unique_codes(engine):
    with transaction(engine) as s:
        services.load_demo(s)
        ids = {h.label: h.id for h in services.list_households(s, services.DEMO_SLUG)}
    with pytest.raises(NeedsConfirmation), transaction(engine) as s:  # the demo ballot is open
        services.regenerate_codes(s, services.DEMO_SLUG, [ids["3-1-102"]], who=local_admin("test"))
    with transaction(engine) as s:
        [(_, new)] = services.regenerate_codes(
            s, services.DEMO_SLUG, [ids["3-1-102"]], who=local_admin("test"),
            confirm_open_ballots=True,
        )  # fmt: skip
    demo = dict(services.demo_codes())
    assert new not in demo.values()
    with transaction(engine) as s:
        assert services.join_with_code(s, services.DEMO_SLUG, demo["1-1-101"]).household.label == (
            "1-1-101"
        )
        assert services.join_with_code(s, services.DEMO_SLUG, new).household.label == "3-1-102"


def test_a_community_merely_named_like_the_demo_never_gets_the_readme_codes(engine, tmp_path):
    with transaction(engine) as s:
        services.create_community(s, services.DEMO_SLUG, "棉花小区", who=local_admin("test"))
    f = tmp_path / "r.csv"
    f.write_text(
        "building,unit,room,area_m2\n" + "".join(f"1,1,{r},60\n" for r in (101, 102, 201)), "utf-8"
    )
    with transaction(engine) as s:
        imported = services.import_households(
            s, f, services.DEMO_SLUG, who=local_admin("test")
        ).codes
    with transaction(engine) as s:
        renewed = services.regenerate_codes(s, services.DEMO_SLUG, who=local_admin("test"))
    published = {code for _, code in services.demo_codes()}
    assert not published & {c for _, c in imported}
    assert not published & {c for _, c in renewed}


def test_renewing_codes_during_an_open_ballot_asks_first(engine):
    make_register(engine, slug="voting", buildings=[("1", 2)])
    with transaction(engine) as s:
        ballot = services.create_ballot(
            s, "voting", "加装电梯？", "simple-majority", who=local_admin("test")
        )
    with pytest.raises(NeedsConfirmation) as err, transaction(engine) as s:
        services.regenerate_codes(s, "voting", who=local_admin("test"))
    assert "--yes" in err.value.message and "加装电梯" in err.value.render("zh")
    with transaction(engine) as s:
        before = s.scalar(select(AuditRow.seq).order_by(AuditRow.seq.desc()).limit(1))
        assert (
            len(
                services.regenerate_codes(
                    s, "voting", confirm_open_ballots=True, who=local_admin("test")
                )
            )
            == 2
        )
    with transaction(engine) as s:
        last = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc())).first()
    assert last.seq == before + 1 and last.payload["open_ballots"] == [ballot.id]


def test_cocreate_codes_needs_yes_during_an_open_ballot(sqlite_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COCREATE_PUBLIC_URL", "http://192.168.1.20:8501")  # slips link there
    engine = make_engine(sqlite_url)
    migrate(engine)
    make_register(engine, slug="voting", buildings=[("1", 2)])
    with transaction(engine) as s:
        services.create_ballot(s, "voting", "Lift?", "simple-majority", who=local_admin("test"))
    out = tmp_path / "slips.pdf"
    assert cli.main(["codes", "--community", "voting", "--out", str(out)]) == 2
    assert "--yes" in capsys.readouterr().err and not out.exists()
    assert cli.main(["codes", "--community", "voting", "--out", str(out), "--yes"]) == 0
    assert out.exists()
