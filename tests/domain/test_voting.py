"""Worked examples of DOMAIN.md §1 and §5 (R2–R8) as tables, plus ballot kinds and errors."""

import json
from fractions import Fraction as F

import pytest

from cocreate_map.domain.voting import (
    RULES,
    Electorate,
    Household,
    Vote,
    make_rule,
    percent,
    tally,
)
from cocreate_map.errors import InvalidInput, NotEligible


def community(groups, owner_of=None):
    """Households from groups of (count, total area, vote or None); areas shared equally.

    ``owner_of(i)`` gives the owner id of household i (default: every unit its own owner).
    """
    households, votes, i = [], [], 0
    for count, area, choice in groups:
        for _ in range(count):
            hid = f"h{i:03d}"
            owner = owner_of(i) if owner_of else None
            households.append(Household(hid, "1", "1", str(i), F(area) / count, owner))
            if choice is not None:
                votes.append(Vote(hid, choice))
            i += 1
    return Electorate(tuple(households)), votes


# (id, rule, params, groups [(households, area m², vote)], participation_met, passed)
# N = 120 owners, A = 9 600 m² unless stated.
EXAMPLES = [
    # R3 + R4: n = 85, a = 6 900 → quorum met; y = 70, ya = 5 300 → 82.4 % / 76.8 % passes.
    ("R4 ordinary passes", "civil-code-ordinary", {},
     [(70, 5300, "yes"), (15, 1600, "no"), (35, 2700, None)], True, True),
    # R5: same data passes as SPECIAL.
    ("R5 special passes", "civil-code-special", {},
     [(70, 5300, "yes"), (15, 1600, "no"), (35, 2700, None)], True, True),
    # R5 variant: ya = 5 100 → 73.9 % < 75 % fails as SPECIAL ...
    ("R5 special 5100 fails", "civil-code-special", {},
     [(70, 5100, "yes"), (15, 1800, "no"), (35, 2700, None)], True, False),
    # ... while still passing as ORDINARY (R4).
    ("R5 variant passes R4", "civil-code-ordinary", {},
     [(70, 5100, "yes"), (15, 1800, "no"), (35, 2700, None)], True, True),
    # R3 edge: exactly 2/3 of heads and area take part → quorum met (以上 is inclusive).
    ("R3 exactly 2/3", "civil-code-ordinary", {},
     [(41, 3280, "yes"), (39, 3120, "no"), (40, 3200, None)], True, True),
    ("R3 one short", "civil-code-ordinary", {},
     [(41, 3280, "yes"), (38, 3040, "no"), (41, 3280, None)], False, False),
    # R4 edge: n = 80, y = 40 is not 过半数; y = 41 is.
    ("R4 40 of 80 fails", "civil-code-ordinary", {},
     [(40, 3200, "yes"), (40, 3200, "no"), (40, 3200, None)], True, False),
    ("R4 41 of 80 passes", "civil-code-ordinary", {},
     [(41, 3280, "yes"), (39, 3120, "no"), (40, 3200, None)], True, True),
    # R6: abstentions take part but do not agree: 40 yes + 5 abstain of 85 fails.
    ("R6 abstain is not yes", "civil-code-ordinary", {},
     [(42, 3400, "yes"), (38, 3000, "abstain"), (5, 500, "no"), (35, 2700, None)], True, False),
    # R7: 120 households, 85 take part, 70 agree.
    ("R7 D=all fails", "co-creation-two-thirds", {},
     [(70, 5300, "yes"), (15, 1600, "no"), (35, 2700, None)], True, False),
    ("R7 D=participants passes", "co-creation-two-thirds", {"denominator": "participants"},
     [(70, 5300, "yes"), (15, 1600, "no"), (35, 2700, None)], True, True),
    # R7 bound: exactly 2/3 participate and agree — inclusive passes, strict (超过) fails.
    ("R7 inclusive at 2/3", "co-creation-two-thirds", {},
     [(80, 6400, "yes"), (40, 3200, None)], True, True),
    ("R7 strict at 2/3", "co-creation-two-thirds", {"bound": "strict"},
     [(80, 6400, "yes"), (40, 3200, None)], False, False),
    # R8: 65 of 120 attend (65 > 60); 33 yes passes (66 > 65), 32 fails.
    ("R8 33 yes passes", "residents-meeting", {},
     [(33, 2640, "yes"), (32, 2560, "no"), (55, 4400, None)], True, True),
    ("R8 32 yes fails", "residents-meeting", {},
     [(32, 2560, "yes"), (33, 2640, "no"), (55, 4400, None)], True, False),
    ("R8 60 attend is no quorum", "residents-meeting", {},
     [(60, 4800, "yes"), (60, 4800, None)], False, False),
    # simple-majority: abstentions count in the denominator by default (R6), or are excluded.
    ("majority abstain counts", "simple-majority", {},
     [(5, 400, "yes"), (4, 320, "no"), (2, 160, "abstain"), (109, 8720, None)], True, False),
    ("majority abstain excluded", "simple-majority", {"abstentions": "exclude"},
     [(5, 400, "yes"), (4, 320, "no"), (2, 160, "abstain"), (109, 8720, None)], True, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "params", "groups", "quorum", "passed"),
    [e[1:] for e in EXAMPLES],
    ids=[e[0] for e in EXAMPLES],
)
def test_worked_examples(rule, params, groups, quorum, passed):
    electorate, votes = community(groups)
    result = tally("yes-no", make_rule(rule, params), electorate, votes)
    assert result.participation_met is quorum
    assert result.passed is passed
    assert result.winner == ("yes" if passed else None)
    assert result.outcome == ("passed" if passed else "rejected" if quorum else "invalid")


def test_r3_r4_ratios_are_exact_fractions():
    electorate, votes = community([(70, 5300, "yes"), (15, 1600, "no"), (35, 2700, None)])
    r = tally("yes-no", make_rule("civil-code-ordinary", {}), electorate, votes)
    assert r.participation_heads_ratio == F(85, 120)
    assert r.participation_area_ratio == F(6900, 9600)
    assert r.approval_heads_ratio == F(70, 85)
    assert r.approval_area_ratio == F(5300, 6900)
    assert [percent(x) for x in (F(85, 120), F(6900, 9600), F(70, 85), F(5300, 6900))] == [
        "70.8", "71.9", "82.4", "76.8"
    ]  # fmt: skip
    assert r.check("approval_area").threshold == F(1, 2)
    assert r.check("approval_area").inclusive is False


def test_r5_special_shows_which_ratio_failed():
    electorate, votes = community([(70, 5100, "yes"), (15, 1800, "no"), (35, 2700, None)])
    r = tally("yes-no", make_rule("civil-code-special", {}), electorate, votes)
    area, heads = r.check("approval_area"), r.check("approval_heads")
    assert (area.ratio, area.threshold, area.met) == (F(5100, 6900), F(3, 4), False)
    assert heads.met is True
    assert any("approval by participating area 73.9 % < 75 %" in t for t in r.reasons)
    codes = [d.code for d in r.details]
    assert "approval_area_not_met" in codes and "approval_heads_met" in codes
    assert codes[-1] == "outcome_rejected"


def test_r7_agreement_ratios():
    electorate, votes = community([(70, 5300, "yes"), (15, 1600, "no"), (35, 2700, None)])
    all_ = tally("yes-no", make_rule("co-creation-two-thirds", {}), electorate, votes)
    part = tally(
        "yes-no",
        make_rule("co-creation-two-thirds", {"denominator": "participants"}),
        electorate,
        votes,
    )
    assert all_.check("agreement_households_of_all").ratio == F(70, 120)
    assert part.check("agreement_households_of_participants").ratio == F(70, 85)
    assert any("58.3 % < 66.7 %" in t for t in all_.reasons)


def test_r2_owner_with_three_units_counts_once_by_head():
    # 120 units: one person owns 3 (70 + 65 + 80 = 215 m²), the housing bureau owns 10 公房 units
    # (600 m²), 107 others own one unit each (80 m²). N = 107 + 1 + 1 = 109.
    households = [
        Household(f"p{i}", "1", "1", str(i), F(a), "person-p") for i, a in enumerate((70, 65, 80))
    ]
    households += [Household(f"b{i}", "2", "1", str(i), F(60), "bureau") for i in range(10)]
    households += [Household(f"o{i}", "3", "1", str(i), F(80)) for i in range(107)]
    e = Electorate(tuple(households))
    assert (e.household_count, e.owner_heads, e.total_area_m2) == (120, 109, F(215 + 600 + 8560))
    assert e.owner_areas()["owner:person-p"] == 215

    def run(others):
        votes = [Vote(h.id, "yes") for h in households[:13]]  # person-p and the bureau
        votes += [Vote(f"o{i}", "yes") for i in range(others)]
        return tally("yes-no", make_rule("civil-code-ordinary", {}), e, votes)

    ok, short = run(71), run(70)  # 73 heads (3·73 = 219 ≥ 218) vs 72 heads
    assert ok.counts.participating_heads == 73 and ok.counts.participating_households == 84
    assert ok.check("participation_heads").met and ok.participation_met
    assert short.counts.participating_heads == 72
    assert not short.check("participation_heads").met
    assert short.check("participation_area").met  # the head count is what fails
    assert ok.choices[0].owner_heads == 73 and ok.choices[0].households == 84


def test_split_owner_takes_part_but_does_not_agree_by_head():
    hs = (
        Household("a1", "1", "1", "101", F(50), "li"),
        Household("a2", "1", "1", "102", F(70), "li"),
        Household("b", "1", "1", "201", F(60)),
    )
    e = Electorate(hs)
    votes = [Vote("a1", "yes"), Vote("a2", "no"), Vote("b", "yes")]
    r = tally("yes-no", make_rule("civil-code-ordinary", {}), e, votes)
    assert r.counts.participating_heads == 2 and r.counts.agreeing_heads == 1
    assert r.counts.agreeing_area_m2 == 110  # each unit's area follows its own ballot
    assert r.split_owners == ("li",)
    assert any(d.code == "split_owner" for d in r.details)


def test_last_vote_of_a_household_counts_and_never_twice():
    e, _ = community([(3, 300, None)])
    votes = [Vote("h000", "no"), Vote("h001", "yes"), Vote("h000", "yes"), Vote("h000", "abstain")]
    r = tally("yes-no", make_rule("simple-majority", {}), e, votes)
    assert r.counts.participating_households == 2
    assert {c.choice: c.households for c in r.choices} == {"yes": 1, "no": 0, "abstain": 1}
    assert r.superseded_votes == 2
    assert any(d.code == "superseded" and d.values["count"] == 2 for d in r.details)


def test_vote_from_outside_the_electorate_is_not_eligible():
    e, _ = community([(3, 300, None)])
    with pytest.raises(NotEligible, match="not in this ballot's electorate"):
        tally("yes-no", make_rule("simple-majority", {}), e, [Vote("stranger", "yes")])


@pytest.mark.parametrize(
    ("kind", "choices", "bad"),
    [("yes-no", [], "maybe"), ("choose-one", ["A", "B"], "C"), ("approval", ["A", "B"], ("A", "Z")),
     ("ranked", ["A", "B"], ("A", "A"))],
)  # fmt: skip
def test_ballot_that_does_not_fit_the_kind(kind, choices, bad):
    e, _ = community([(2, 100, None)])
    with pytest.raises(InvalidInput, match="household 'h000'"):
        tally(kind, make_rule("simple-majority", {}), e, [Vote("h000", bad)], choices)


def test_make_rule_validates_names_and_params():
    assert set(RULES) == {
        "civil-code-ordinary", "civil-code-special", "co-creation-two-thirds",
        "residents-meeting", "simple-majority",
    }  # fmt: skip
    for name, cls in RULES.items():
        rule = make_rule(name, {})
        assert rule.name == name and "DOMAIN.md" in cls.source
        assert make_rule(name, rule.params()) == rule  # a ballot can store and rebuild it
    with pytest.raises(InvalidInput, match="choose one of: civil-code-ordinary"):
        make_rule("two-thirds", {})
    with pytest.raises(InvalidInput, match="allowed: participation .*denominator .*bound"):
        make_rule("co-creation-two-thirds", {"quorum": "1/2"})
    with pytest.raises(InvalidInput, match="must be one of all, participants"):
        make_rule("co-creation-two-thirds", {"denominator": "everyone"})
    with pytest.raises(InvalidInput, match="such as '2/3'"):
        make_rule("simple-majority", {"approval": "two thirds"})
    with pytest.raises(InvalidInput, match="at most 1"):
        make_rule("simple-majority", {"approval": "3/2"})
    with pytest.raises(InvalidInput, match="may not be below the statutory"):
        make_rule("civil-code-special", {"approval": "2/3"})
    stricter = make_rule("civil-code-ordinary", {"approval": "60%", "participation": "0.75"})
    assert stricter.params() == {"approval": "3/5", "participation": "3/4"}


def test_floats_are_refused_for_areas():
    with pytest.raises(InvalidInput, match="floats are refused"):
        Household("x", "1", "1", "1", 65.37, None)  # type: ignore[arg-type]
    assert Household("x", "1", "1", "1", "65.37", None).area_m2 == F(6537, 100)  # type: ignore[arg-type]


def test_electorate_refuses_duplicates_and_emptiness():
    h = Household("x", "1", "1", "1", F(60))
    with pytest.raises(InvalidInput, match="appears twice"):
        Electorate((h, h))
    with pytest.raises(InvalidInput, match="at least one household"):
        Electorate(())


# ---- choose-one, approval ----------------------------------------------------------------


def test_choose_one_applies_the_rule_to_the_plurality_winner():
    e, votes = community(
        [(50, 4000, "A"), (20, 1600, "B"), (15, 1200, "C"), (5, 400, "abstain"), (30, 2400, None)]
    )
    r = tally("choose-one", make_rule("co-creation-two-thirds", {"denominator": "participants",
              "agreement": "1/2"}), e, votes, ["A", "B", "C"])  # fmt: skip
    assert r.leader == "A" and r.passed and r.winner == "A"
    assert r.approval_households_ratio == F(50, 90)
    rows = {c.choice: (c.households, c.area_m2) for c in r.choices}
    assert rows == {"A": (50, 4000), "B": (20, 1600), "C": (15, 1200), "abstain": (5, 400)}
    strict = tally("choose-one", make_rule("co-creation-two-thirds", {}), e, votes, ["A", "B", "C"])
    assert strict.leader == "A" and not strict.passed and strict.winner is None


def test_choose_one_tie_goes_to_area_then_no_leader():
    hs = tuple(Household(f"h{i}", "1", "1", str(i), F(a)) for i, a in enumerate((60, 60, 50, 70)))
    e = Electorate(hs)
    by_area = [Vote("h0", "A"), Vote("h1", "A"), Vote("h2", "B"), Vote("h3", "B")]
    r = tally("choose-one", make_rule("simple-majority", {}), e, by_area, ["A", "B"])
    # 2 households and 120 m² each: a full tie, no leader
    assert r.leader is None and any(d.code == "tie" for d in r.details) and not r.passed
    by_area2 = [Vote("h0", "A"), Vote("h2", "B")]
    r2 = tally("choose-one", make_rule("simple-majority", {}), e, by_area2, ["A", "B"])
    assert r2.leader == "A"  # 1 household each, 60 m² > 50 m²


def test_approval_counts_every_approved_choice():
    e, _ = community([(5, 500, None)])
    votes = [Vote("h000", ("A", "B")), Vote("h001", ("B",)), Vote("h002", ("B", "C")),
             Vote("h003", ()), Vote("h004", ("C", "A"))]  # fmt: skip
    r = tally("approval", make_rule("simple-majority", {}), e, votes, ["A", "B", "C"])
    assert {c.choice: c.households for c in r.choices} == {"A": 2, "B": 3, "C": 2, "abstain": 1}
    assert r.leader == "B" and r.approval_households_ratio == F(3, 5) and r.passed


# ---- ranked: instant-runoff, Borda for information ---------------------------------------


def ranked(ballots):
    e, _ = community([(len(ballots), 80 * len(ballots), None)])
    votes = [Vote(f"h{i:03d}", b) for i, b in enumerate(ballots)]
    return e, votes


def test_irv_transfers_eliminated_preferences():
    # A 4, B 3, C 2 first preferences; no majority of 9; C out, its 2 go to B: B 5 of 9.
    e, votes = ranked([("A", "B", "C")] * 4 + [("B", "C", "A")] * 3 + [("C", "B", "A")] * 2)
    r = tally("ranked", make_rule("simple-majority", {}), e, votes, ["A", "B", "C"])
    assert r.leader == "B" and r.passed and r.counts.agreeing_households == 5
    assert [(c.choice, c.households, c.borda_points) for c in r.choices] == [
        ("A", 4, 8), ("B", 3, 12), ("C", 2, 7), ("abstain", 0, None)
    ]  # fmt: skip
    assert [rd.get("_eliminated") or rd.get("_elected") for rd in r.rounds] == ["C", "B"]
    assert r.to_dict()["rounds"][0] == {"A": 4, "B": 3, "C": 2, "_exhausted": 0, "_eliminated": "C"}


def test_irv_tie_on_first_preferences_broken_by_fewest_borda():
    # Round 1: A 4, B 2, C 2 → B and C tie; Borda B 4 < C 6 → B out.
    # Round 2: A 4, C 4 → tie; Borda C 6 < A 8 → C out. Round 3: A 4 of 4 continuing → elected.
    e, votes = ranked([("A",)] * 4 + [("B", "C")] * 2 + [("C",)] * 2)
    r = tally("ranked", make_rule("simple-majority", {}), e, votes, ["A", "B", "C"])
    assert [rd.get("_eliminated") for rd in r.rounds] == ["B", "C", None]
    assert r.rounds[-1] == {"A": 4, "_exhausted": 4, "_elected": "A"}
    assert r.leader == "A"
    # Exhausted ballots took part but do not agree: 4 of 8 is not > 1/2.
    assert r.approval_households_ratio == F(1, 2) and not r.passed and r.winner is None


def test_irv_full_tie_eliminates_the_choice_listed_last():
    e, votes = ranked([("A", "B"), ("B", "A")])
    r = tally("ranked", make_rule("simple-majority", {}), e, votes, ["A", "B"])
    assert r.rounds[0]["_eliminated"] == "B" and r.leader == "A" and r.passed
    r2 = tally("ranked", make_rule("simple-majority", {}), e, votes, ["B", "A"])
    assert r2.leader == "B"


def test_irv_with_only_blank_ballots_has_no_leader():
    e, votes = ranked([(), "abstain"])
    r = tally("ranked", make_rule("simple-majority", {}), e, votes, ["A", "B"])
    assert r.leader is None and not r.passed and r.counts.participating_households == 2


# ---- to_dict -----------------------------------------------------------------------------


def test_to_dict_is_json_and_has_the_cli_keys():
    electorate, votes = community([(70, 5100, "yes"), (15, 1800, "no"), (35, 2700, None)])
    d = tally("yes-no", make_rule("civil-code-special", {}), electorate, votes).to_dict()
    json.dumps(d)
    assert d["rule"] == "civil-code-special"
    assert d["electorate"] == {"households": 120, "owner_heads": 120, "area_m2": "9600"}
    p = d["participation"]
    assert (p["households"], p["area_m2"], p["met"]) == (85, "6900", True)
    assert p["area_ratio"] == {"value": "23/32", "percent": 71.9}
    assert d["choices"][0] == {"choice": "yes", "households": 70, "owner_heads": 70,
                               "area_m2": "5100"}  # fmt: skip
    assert (d["passed"], d["winner"], d["outcome"]) == (False, None, "rejected")
    assert len(d["reasons"]) == len(d["reason_codes"])
    assert d["reason_codes"][2]["code"] == "approval_area_not_met"
    assert d["reason_codes"][2]["values"]["ratio"] == "17/23"


def test_percent_text_never_makes_unequal_values_look_equal():
    electorate, votes = community([(1, 7499, "yes"), (1, 2501, "no")])
    r = tally("yes-no", make_rule("civil-code-special", {}), electorate, votes)
    text = next(t for t in r.reasons if t.startswith("approval by participating area"))
    assert "74.99 % < 75 %" in text


def test_fractional_areas_are_shown_as_decimals():
    electorate, votes = community([(1, F("65.37"), "yes"), (1, F("80.5"), "no")])
    r = tally("yes-no", make_rule("simple-majority", {}), electorate, votes)
    assert r.counts.participating_area_m2 == F("145.87")
    assert r.choices[0].area_m2 == F("65.37")
    ordinary = tally("yes-no", make_rule("civil-code-ordinary", {}), electorate, votes)
    assert "(65.37/145.87 m²;" in ordinary.reasons[2]
