"""Ballots and votes through the service layer, on SQLite and PostgreSQL/PostGIS."""

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cocreate_map import services
from cocreate_map.domain.voting import Electorate, Household, Vote, make_rule, tally
from cocreate_map.errors import BallotClosed, InvalidInput, NotEligible
from cocreate_map.services import ballots as B
from cocreate_map.services.access import local_admin
from cocreate_map.storage.ballot_tables import (
    AuditRow,
    BallotRow,
    HouseholdRow,
    PaperBallotNumberRow,
    VoteConflictRow,
    VoteHistoryRow,
    VoteRow,
)
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow
from tests.services.ballot_factories import make_register

SLUG = "test-estate"

ADMIN = local_admin("test")


@pytest.fixture
def reg(engine):
    return make_register(engine)


def new_ballot(engine, **kw):
    kw.setdefault("rule", "co-creation-two-thirds")
    with transaction(engine) as s:
        return services.create_ballot(
            s, SLUG, kw.pop("title", "采纳方案B？"), **kw, who=local_admin("test")
        ).id


def vote(engine, ballot_id, hid, choice, channel="online", now=None):
    with transaction(engine) as s:
        who = None if channel == "online" else local_admin("test")
        return services.cast_vote(s, ballot_id, hid, choice, channel, now=now, who=who)


def rows(engine, model, **where):
    with transaction(engine) as s:
        stmt = select(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return list(s.scalars(stmt))


def test_one_vote_per_household_revote_replaces_history_kept(engine, reg):
    bid = new_ballot(engine)
    hid = reg["1-1-101"][0]
    assert vote(engine, bid, hid, "同意").status == "recorded"
    assert vote(engine, bid, hid, "no").status == "changed"
    assert vote(engine, bid, hid, "yes").status == "changed"
    [v] = rows(engine, VoteRow, ballot_id=bid)
    assert (v.choice, v.casts) == ("yes", 3)
    assert [h.choice for h in rows(engine, VoteHistoryRow, ballot_id=bid)] == ["yes", "no", "yes"]
    with transaction(engine) as s:
        res = services.tally_ballot(s, bid)
    assert res.result.counts.participating_households == 1
    assert res.result.counts.agreeing_households == 1


def test_closed_ballot_refuses_with_a_clear_message(engine, reg):
    bid = new_ballot(engine)
    with transaction(engine) as s:
        services.close_ballot(s, bid, who=local_admin("test"))
    with pytest.raises(BallotClosed, match="closed at .* no longer accepted"):
        vote(engine, bid, reg["1-1-101"][0], "yes")
    assert rows(engine, VoteRow, ballot_id=bid) == []
    # a ballot past its closing time refuses as well
    closes = utcnow() + timedelta(hours=1)
    bid2 = new_ballot(engine, closes_at=closes)
    with pytest.raises(BallotClosed):
        vote(engine, bid2, reg["1-1-101"][0], "yes", now=closes + timedelta(seconds=1))


def test_paper_vote_after_online_is_a_conflict_not_a_merge(engine, reg):
    bid = new_ballot(engine)
    hid = reg["1-1-101"][0]
    vote(engine, bid, hid, "yes", "online")
    assert vote(engine, bid, hid, "no", "paper").status == "conflict"
    [v] = rows(engine, VoteRow, ballot_id=bid)
    assert (v.choice, v.channel) == ("yes", "online")
    [c] = rows(engine, VoteConflictRow, ballot_id=bid)
    assert (c.choice, c.channel, c.resolved_at) == ("no", "paper", None)
    with transaction(engine) as s:
        assert services.tally_ballot(s, bid).open_conflicts == 1
        services.resolve_conflict(s, c.id, take_this=True, who=local_admin("test"))
    [v] = rows(engine, VoteRow, ballot_id=bid)
    assert (v.choice, v.channel) == ("no", "paper")
    with transaction(engine) as s:
        assert all(r.ok for r in services.verify_audit(s))


def test_import_paper_votes_line_errors_write_nothing(engine, reg, tmp_path):
    bid = new_ballot(engine)
    f = tmp_path / "p.csv"
    f.write_text(
        "楼栋,单元,房号,选择,ballot_no\n1,1,101,同意,P1\n1,1,999,同意,P2\n1,1,201,也许,P3\n"
        "1,1,101,反对,P4\n",
        "utf-8",
    )
    with pytest.raises(InvalidInput) as exc:
        with transaction(engine) as s:
            services.import_paper_votes(s, bid, f, who=local_admin("test"))
    msg = exc.value.message
    assert "line 3" in msg and "line 4" in msg and "line 5" in msg and "no vote recorded" in msg
    assert rows(engine, VoteRow, ballot_id=bid) == []
    assert rows(engine, AuditRow, action="vote.cast") == []
    f.write_text("building,unit,room,choice\n1,1,101,同意\n1,1,201,反对\n2,1,101,弃权\n", "utf-8")
    with transaction(engine) as s:
        res = services.import_paper_votes(s, bid, f, who=local_admin("test"))
    assert (res.recorded, res.conflicts) == (3, 0)
    got = {v.household_id: v.choice for v in rows(engine, VoteRow, ballot_id=bid)}
    assert sorted(got.values()) == ["abstain", "no", "yes"]
    assert {v.channel for v in rows(engine, VoteRow, ballot_id=bid)} == {"paper"}


def issue_numbers(engine, bid):
    """What printing the meeting pack records: {label: ballot number}."""
    from cocreate_map.services.meeting import paper_households

    with transaction(engine) as s:
        papers = paper_households(s, B.get_ballot(s, bid), who=local_admin("test"))
    return {f"{p.building}-{p.unit}-{p.room}": p.ballot_no for p in papers}


def test_import_accepts_only_numbers_issued_to_that_household(engine, reg, tmp_path):
    bid = new_ballot(engine)
    no = issue_numbers(engine, bid)
    assert no["1-1-101"] == f"B{bid}-0001" and no["2-1-101"] == f"B{bid}-0007"
    f = tmp_path / "p.csv"
    f.write_text(
        "楼栋,单元,房号,选择,票号\n"
        f"1,1,101,同意,{no['1-1-101']}\n"
        f"1,1,201,反对,B{bid}-0099\n"  # never printed
        f"1,1,301,同意,{no['1-1-401']}\n"  # the paper of another household
        "1,1,401,弃权,\n"  # no number: assisted entry, allowed
        f"2,1,101,同意,B{bid + 1}-0001\n",  # a number of another ballot
        "utf-8",
    )
    with pytest.raises(InvalidInput) as exc:
        with transaction(engine) as s:
            services.import_paper_votes(s, bid, f, who=local_admin("test"))
    msg = exc.value.message
    assert msg.startswith("3 bad line(s) in p.csv, no vote recorded")
    assert f"line 3: ballot number B{bid}-0099 was not issued for ballot {bid}" in msg
    assert f"B{bid}-0001 … B{bid}-0010" in msg
    assert (
        f"line 4: ballot number {no['1-1-401']} was issued to household 1-1-401, not 1-1-301" in msg
    )
    assert f"line 6: ballot number B{bid + 1}-0001 was not issued" in msg
    assert "line 2" not in msg and "line 5" not in msg
    assert rows(engine, VoteRow, ballot_id=bid) == []
    assert rows(engine, AuditRow, action="vote.cast") == []
    f.write_text(
        "building,unit,room,choice,ballot_no\n"
        f"1,1,101,同意,{no['1-1-101'].lower()}\n"  # typed in lower case: still that number
        f"1,1,301,反对,{no['1-1-301']}\n"
        "1,1,401,弃权,\n",
        "utf-8",
    )
    with transaction(engine) as s:
        assert services.import_paper_votes(s, bid, f, who=local_admin("test")).recorded == 3
    got = {v.household_id: v.ballot_no for v in rows(engine, VoteRow, ballot_id=bid)}
    assert got == {
        reg["1-1-101"][0]: no["1-1-101"],
        reg["1-1-301"][0]: no["1-1-301"],
        reg["1-1-401"][0]: None,
    }


def test_single_paper_vote_checks_its_number_too(engine, reg):
    bid = new_ballot(engine)
    hid = reg["1-1-101"][0]
    with pytest.raises(InvalidInput, match=rf"never issued.*cocreate meeting-pack {bid}"):
        with transaction(engine) as s:
            services.cast_vote(s, bid, hid, "yes", "paper", f"B{bid}-0001", who=ADMIN)
    assert vote(engine, bid, hid, "yes", "assisted").status == "recorded"  # no number: allowed
    no = issue_numbers(engine, bid)
    with pytest.raises(InvalidInput, match="issued to household 1-1-201, not 1-1-101"):
        with transaction(engine) as s:
            services.cast_vote(s, bid, hid, "no", "paper", no["1-1-201"], who=ADMIN)
    with transaction(engine) as s:
        res = services.cast_vote(
            s, bid, reg["1-1-201"][0], "no", "paper", f" {no['1-1-201']} ", who=ADMIN
        )
    assert res.status == "recorded"
    assert [v.ballot_no for v in rows(engine, VoteRow, household_id=reg["1-1-201"][0])] == [
        no["1-1-201"]
    ]


def test_a_ballot_number_is_unique_per_ballot(engine, reg):
    bid = new_ballot(engine)
    no = issue_numbers(engine, bid)
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.add(
            PaperBallotNumberRow(
                ballot_id=bid,
                household_id=reg["2-1-401"][0],
                ballot_no=no["1-1-101"],
                issued_at=utcnow(),
            )
        )
    assert len(rows(engine, PaperBallotNumberRow, ballot_id=bid)) == 10


def test_household_outside_the_electorate_is_refused(engine, reg):
    bid = new_ballot(engine, buildings=["1"], title="1栋楼道改造")
    with pytest.raises(NotEligible, match="2-1-101 is not in the electorate"):
        vote(engine, bid, reg["2-1-101"][0], "yes")
    with transaction(engine) as s:
        assert services.tally_ballot(s, bid).result.counts.households == 6


def test_bad_choice_is_refused(engine, reg):
    bid = new_ballot(engine, choices=["红", "蓝"])
    with pytest.raises(InvalidInput):
        vote(engine, bid, reg["1-1-101"][0], "绿")
    assert vote(engine, bid, reg["1-1-101"][0], "蓝").status == "recorded"


def test_register_change_under_open_ballot_is_logged_and_shown(engine, reg):
    bid = new_ballot(engine, rule="civil-code-ordinary")
    hid = reg["1-1-101"][0]
    with transaction(engine) as s:
        services.update_household(s, hid, area_m2="99.99", who=local_admin("王"))
    with transaction(engine) as s:
        res = services.tally_ballot(s, bid)
    [change] = res.register_changes
    assert change["household"] == "1-1-101" and bid in change["open_ballots"]
    assert change["changed"]["area_m2"][1] == "99.99"
    assert res.to_dict()["register_changes"][0]["actor"] == "staff:王"


def test_a_register_change_before_the_ballot_existed_is_not_one_during_it(engine, reg):
    """The demo back-dates its ballot to day two: its register import (made a moment before the
    ballot, listing no open ballot) was shown as a change "while open"."""
    hid = reg["1-1-101"][0]
    with transaction(engine) as s:
        services.update_household(s, hid, area_m2="88.88", who=local_admin("王"))
    bid = new_ballot(engine, rule="civil-code-ordinary")
    with transaction(engine) as s:
        b = s.get(BallotRow, bid)
        b.opens_at = b.opens_at - timedelta(days=1)  # as the demo does
    with transaction(engine) as s:
        assert services.tally_ballot(s, bid).register_changes == []
        services.update_household(s, hid, area_m2="77.77", who=local_admin("王"))
    with transaction(engine) as s:
        [change] = services.tally_ballot(s, bid).register_changes
    assert change["changed"]["area_m2"][1] == "77.77"


def test_pages_read_ballots_as_plain_values_with_their_status(engine, reg):
    """Pages get frozen BallotInfo values, never ORM rows (issue 12.3)."""
    import dataclasses

    bid = new_ballot(engine, choices=["红", "蓝"])
    with transaction(engine) as s:
        [info] = B.ballot_infos(s, SLUG)
        mine = B.household_ballot_infos(s, reg["1-1-101"][0])
    assert (info.id, info.status, info.choices) == (bid, "open", ("红", "蓝"))
    assert [b.id for b in mine] == [bid]
    assert not isinstance(info, BallotRow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.title = "改了"  # type: ignore[misc]


def test_tally_equals_the_domain_tally(engine, reg):
    bid = new_ballot(engine, rule="civil-code-special")
    choices = {"1-1-101": "yes", "1-1-201": "no", "1-1-301": "yes", "2-1-101": "abstain"}
    for label, c in choices.items():
        vote(engine, bid, reg[label][0], c)
    vote(engine, bid, reg["1-1-301"][0], "no")  # changed
    with transaction(engine) as s:
        res = services.tally_ballot(s, bid)
        hh = s.scalars(select(HouseholdRow).order_by(HouseholdRow.id)).all()
        electorate = Electorate(
            tuple(
                Household(str(h.id), h.building, h.unit, h.room, Fraction(h.area_m2), h.owner_id)
                for h in hh
            )
        )
    final = {**choices, "1-1-301": "no"}
    expected = tally(
        "yes-no",
        make_rule("civil-code-special"),
        electorate,
        [Vote(str(reg[label][0]), c) for label, c in final.items()],
    )
    assert res.result.to_dict() == expected.to_dict()
    d = res.to_dict()
    for key in ("rule", "electorate", "participation", "choices", "passed", "winner", "reasons"):
        assert key in d
    assert d["participation"]["households"] == 4 and d["consultative"] is True


def test_audit_verify_detects_an_edited_and_a_deleted_row(engine, reg):
    bid = new_ballot(engine)
    for label in ("1-1-101", "1-1-201", "1-1-301"):
        vote(engine, bid, reg[label][0], "yes")
    with transaction(engine) as s:
        assert [r.ok for r in services.verify_audit(s)] == [True]
        entries = s.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
        second_vote = entries[2]
        original = dict(second_vote.payload)
        seq = second_vote.seq
        s.execute(
            update(AuditRow)
            .where(AuditRow.id == second_vote.id)
            .values(payload={**original, "choice": "no"})
        )
    with transaction(engine) as s:
        [rep] = services.verify_audit(s)
    assert not rep.ok and rep.first_bad_seq == seq
    with transaction(engine) as s:  # restore, then delete one entry
        s.execute(update(AuditRow).where(AuditRow.id == second_vote.id).values(payload=original))
        assert services.verify_audit(s)[0].ok
        s.execute(delete(AuditRow).where(AuditRow.id == second_vote.id))
    with transaction(engine) as s:
        [rep] = services.verify_audit(s)
    assert not rep.ok and rep.first_bad_seq == seq + 1


def test_audit_verify_detects_an_edited_vote_row(engine, reg):
    bid = new_ballot(engine)
    vote(engine, bid, reg["1-1-101"][0], "yes")
    with transaction(engine) as s:
        s.execute(update(VoteRow).values(choice="no"))
    with transaction(engine) as s:
        [rep] = services.verify_audit(s)
    assert not rep.ok and any("log says" in p for p in rep.problems)


def test_close_records_the_result(engine, reg):
    bid = new_ballot(engine, rule="simple-majority")
    vote(engine, bid, reg["1-1-101"][0], "yes")
    with transaction(engine) as s:
        res = services.close_ballot(s, bid, who=local_admin("test"))
    assert res.status == "closed" and res.result.passed
    [entry] = rows(engine, AuditRow, action="ballot.close")
    assert entry.payload["passed"] is True
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(VoteRow)) == 1
        assert B.status(B.get_ballot(s, bid)) == "closed"


# ---------------------------------------------------------------- ballots on layout options

OPT_A, OPT_B = "方案A：草坪改车位", "方案B：保留绿地"


@pytest.fixture
def demo(engine):
    with transaction(engine) as s:
        services.load_demo(s)
    return services.DEMO_SLUG


def test_ballot_on_options_links_them_and_defaults_to_the_special_rule(engine, demo):
    with transaction(engine) as s:
        b = services.create_ballot(
            s, demo, "采用哪个方案？", None, options=[OPT_A, OPT_B], who=local_admin("test")
        )
        bid = b.id
        assert (b.kind, b.choices, b.options) == ("choose-one", [OPT_A, OPT_B], [OPT_A, OPT_B])
        # A loses green: a change of use of common parts (art. 278) → the 3/4 rule
        assert (b.rule, b.matter_class) == ("civil-code-special", "special")
        advice = B.rule_for_options(s, demo, [OPT_A])
        assert advice.change_of_use == (OPT_A,) and (OPT_A, "green_loss") in advice.reasons
        # an explicit rule wins, the statutory check stays (matter class special)
        c = services.create_ballot(
            s,
            demo,
            "A?",
            "co-creation-two-thirds",
            options=[OPT_A],
            advice=advice,
            who=local_admin("test"),
        )
        assert (c.kind, c.options, c.rule) == ("yes-no", [OPT_A], "co-creation-two-thirds")
        assert services.tally_ballot(s, c.id).statutory is not None
        [entry] = [
            a
            for a in s.scalars(select(AuditRow).where(AuditRow.action == "ballot.create"))
            if a.payload["ballot_id"] == bid
        ]
        assert entry.payload["options"] == [OPT_A, OPT_B]
        assert services.tally_ballot(s, bid).to_dict()["ballot"]["options"] == [OPT_A, OPT_B]


def test_unknown_option_is_one_clear_error_listing_the_known_ones(engine, demo):
    with transaction(engine) as s, pytest.raises(InvalidInput) as err:
        services.create_ballot(
            s, demo, "?", None, options=[OPT_A, "方案Z"], who=local_admin("test")
        )
    msg = err.value.message
    assert "'方案Z'" in msg and OPT_A in msg and "方案C：平衡" in msg and "\n" not in msg
    with transaction(engine) as s, pytest.raises(InvalidInput, match="either choices or options"):
        services.create_ballot(
            s, demo, "?", None, choices=["x", "y"], options=[OPT_A], who=local_admin("test")
        )
    with transaction(engine) as s, pytest.raises(InvalidInput, match="choose a rule"):
        services.create_ballot(s, demo, "?", None, choices=["x", "y"], who=local_admin("test"))


def test_option_preview_has_the_map_and_key_metrics_against_today(engine, demo):
    with transaction(engine) as s:
        bid = services.create_ballot(
            s, demo, "?", None, options=[OPT_A, OPT_B], who=local_admin("test")
        ).id
        p = B.option_preview(s, bid, OPT_A)
        with pytest.raises(InvalidInput, match="does not link"):
            B.option_preview(s, bid, "方案C：平衡")
    km = {k: (before, after) for k, before, after in p.key_metrics()}
    assert set(km) == set(B.OPTION_KEY_METRICS)
    assert km["parking_stalls"][1] > km["parking_stalls"][0]  # lawn → parking
    assert km["green_area_m2"][1] < km["green_area_m2"][0]
    assert isinstance(km["violations"][0], int) and isinstance(km["violations"][1], int)
    assert p.metrics["change_of_use"] is True
    assert p.map_data.added["features"]  # the new stalls are drawn


def test_ranked_rounds_and_china_times(engine, reg):
    bid = new_ballot(engine, kind="ranked", choices=["A", "B", "C"], rule="simple-majority")
    ids = [h for h, _ in reg.values()]
    for hid, ranking in zip(
        ids, [["A", "B"], ["A"], ["B", "A"], ["C", "B"], ["C", "B"]], strict=False
    ):
        vote(engine, bid, hid, ranking)
    with transaction(engine) as s:
        res = services.tally_ballot(s, bid)
    rounds = res.irv_rounds()
    assert [(x.choice, x.votes, x.status) for x in rounds[0].rows] == [
        ("A", 2, ""),
        ("B", 1, "eliminated"),
        ("C", 2, ""),
    ]
    assert {(x.choice, x.votes, x.status) for x in rounds[-1].rows} >= {("A", 3, "elected")}
    assert {c.choice: c.borda_points for c in res.result.choices if c.borda_points is not None} == {
        "A": 5,
        "B": 5,
        "C": 4,
    }
    from datetime import datetime

    assert B.china_time(datetime(2026, 11, 22, 8, 41)) == "2026-11-22 16:41"
    assert B.china_time("2026-11-22T20:00:00.000001") == "2026-11-23 04:00"


@pytest.mark.parametrize(
    "choices", [["同意", "反对", "弃权"], ["yes", "no", "abstain"], ["赞成", "反对"]]
)
def test_yes_no_abstain_typed_as_choices_makes_a_yes_no_ballot(engine, reg, choices):
    bid = new_ballot(engine, rule="simple-majority", choices=choices)
    with transaction(engine) as s:
        ballot = B.get_ballot(s, bid)
        # a yes/no ballot (its choices are the kind's own yes and no), not a choose-one
        # ballot with a 弃权 choice that could never be voted
        assert ballot.kind == "yes-no" and set(ballot.choices) <= {"yes", "no"}
    vote(engine, bid, reg["1-1-101"][0], "abstain")
    with transaction(engine) as s:
        assert B.my_vote(s, bid, reg["1-1-101"][0]).choice == "abstain"


def test_other_choices_stay_a_choice(engine, reg):
    bid = new_ballot(engine, rule="simple-majority", choices=["同意", "蓝色"])
    with transaction(engine) as s:
        assert B.get_ballot(s, bid).kind == "choose-one"
