"""The tally from SQL sums (storage/tally_repo.py + domain.voting.tally_sums) equals the count
household by household, on random registers and votes, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from cocreate_map import services
from cocreate_map.domain.households import RegisterRow
from cocreate_map.domain.voting import RULES
from cocreate_map.services import ballots as B
from cocreate_map.services import households as H
from cocreate_map.services.access import local_admin
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import VoteRow
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow

CHOICES = ("方案A", "方案B", "方案C")

units = st.lists(
    st.tuples(
        st.sampled_from(["1", "2", "3"]),  # building
        st.integers(1, 9999_99),  # area in hundredths of m²
        st.one_of(st.none(), st.sampled_from(["王", "李", "张", "赵"])),  # owner
        st.sampled_from(["none", "yes", "no", "abstain", *CHOICES]),  # what this unit voted
    ),
    min_size=1,
    max_size=25,
)
ballots = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["yes-no", "choose-one"]),
        "rule": st.sampled_from(sorted(RULES)),
        "matter_class": st.sampled_from([None, "ordinary", "special"]),
        "buildings": st.sampled_from([(), ("1",), ("1", "3")]),
        "unique_owners": st.booleans(),
    }
)


def _make(session, register, b):  # noqa: ANN001, ANN202
    slug = f"t-{uuid.uuid4().hex[:10]}"
    services.create_community(session, slug, "随机小区", who=local_admin("test"))
    rows = [
        RegisterRow(
            building, "1", f"{i + 101}", Fraction(cents, 100),
            (f"{owner}{i}" if b["unique_owners"] else owner) if owner else None,
        )
        for i, (building, cents, owner, _v) in enumerate(register)
    ]  # fmt: skip
    H.add_register_rows(
        session, repo.community_by_slug(session, slug), rows, who=local_admin("test")
    )
    kw = {"choices": list(CHOICES)} if b["kind"] == "choose-one" else {}
    ballot = services.create_ballot(
        session, slug, "随机表决", b["rule"], kind=b["kind"], buildings=list(b["buildings"]),
        matter_class=b["matter_class"], **kw, who=local_admin("test"),
    )  # fmt: skip
    ids = [h.id for h in H.list_households(session, slug)]
    by_room = {h.room: h for h in H.list_households(session, slug)}
    allowed = {"yes", "no", "abstain"} if b["kind"] == "yes-no" else {*CHOICES, "abstain"}
    now, votes = utcnow(), []
    for i, (building, _c, _o, choice) in enumerate(register):
        h = by_room[f"{i + 101}"]
        if choice == "none" or choice not in allowed:
            continue
        if b["buildings"] and building not in b["buildings"]:
            continue
        votes.append({"ballot_id": ballot.id, "household_id": h.id, "choice": choice,
                      "channel": "online", "ballot_no": None, "cast_at": now, "casts": 1})  # fmt: skip
    if votes:
        session.execute(insert(VoteRow), votes)
    assert ids
    return B.get_ballot(session, ballot.id)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(register=units, b=ballots)
def test_sums_equal_the_count_per_household(engine, register, b) -> None:
    assume(any(not b["buildings"] or r[0] in b["buildings"] for r in register))
    with transaction(engine) as s:
        ballot = _make(s, register, b)
        rules = [ballot.rule]
        stat = B.STATUTORY_RULE_FOR_CLASS.get(ballot.matter_class)
        if stat is not None and stat != ballot.rule:
            rules.append(stat)
        per_household = B._by_household(s, ballot, rules)
        from_sums = B._from_sums(s, ballot, rules)
        in_electorate = [r for r in register if not b["buildings"] or r[0] in b["buildings"]]
        owners = [r[2] for r in in_electorate if r[2] is not None]
        several = not b["unique_owners"] and len(owners) != len(set(owners))
        if several:
            assert from_sums is None  # R2 at work: counted per household
            return
        if from_sums is None:  # only a tie for the lead (choose-one) may send it back
            assert b["kind"] == "choose-one"
            return
        results, channels, turnout = from_sums
        expected, exp_channels, exp_turnout = per_household
        assert [r.to_dict() for r in results] == [r.to_dict() for r in expected]
        assert channels == exp_channels
        assert turnout == exp_turnout


def test_a_whole_ballot_is_tallied_from_sums_when_no_owner_holds_two_units(engine) -> None:
    register = [("1", 6025 + i, None, ["yes", "no", "abstain", "none"][i % 4]) for i in range(12)]
    b = {"kind": "yes-no", "rule": "co-creation-two-thirds", "matter_class": None,
         "buildings": (), "unique_owners": True}  # fmt: skip
    with transaction(engine) as s:
        ballot = _make(s, register, b)
        found = B._from_sums(s, ballot, [ballot.rule])
        assert found is not None
        [result], channels, turnout = found
        assert result.counts.participating_households == 9
        assert result.counts.agreeing_households == 3
        assert result.counts.area_m2 == sum(Fraction(6025 + i, 100) for i in range(12))
        assert channels == {"online": 9}
        assert turnout[0].voted == 9
        via_service = services.tally_ballot(s, ballot.id)
        assert via_service.result.to_dict() == result.to_dict()


def test_a_large_register_import_lets_postgresql_plan_the_tally(fresh_pg_url) -> None:
    """A table PostgreSQL has never analysed looks like a row or two to its planner, which then
    tallied a 1,000-household ballot by reading every vote once per household (35 ms instead of
    1). A register import of 100 or more households refreshes the statistics at once."""
    from sqlalchemy import text

    from cocreate_map.storage.db import make_engine, migrate

    eng = make_engine(fresh_pg_url)
    migrate(eng)
    rows = [RegisterRow("1", "1", f"{101 + i}", Fraction(6000 + i, 100)) for i in range(150)]
    with transaction(eng) as s:
        services.create_community(s, "big", "大院", who=local_admin("test"))
        H.add_register_rows(s, repo.community_by_slug(s, "big"), rows, who=local_admin("test"))
    with eng.connect() as conn:
        known = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'households'")
        ).scalar_one()
    eng.dispose()
    assert known >= 150  # -1 (never analysed) without the refresh
