"""Worked examples of DOMAIN.md §1 and §5 (R2–R8) as tables, plus ballot kinds and errors."""

import json
from fractions import Fraction as F

import pytest

from cocreate_map.domain.voting import (
    RULES,
    Electorate,
    Household,
    Vote,
    decide,
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


# B6b (issue 17.3): owner X owns 301, 302 and 401 and votes for 401 only. Total 480 m²; the voted
# units hold 310 m² (64.6 % < 2/3: invalid when only the voted unit counts), X's whole area brings
# participation to 360 m² (75 %): the quorum is met. (id, rule, X's 401 vote, participation m²,
# agreeing m², quorum met, passed)
B6B_UNITS = [
    ("101", 90, None),
    ("102", 90, None),
    ("201", 40, None),
    ("202", 120, None),
    ("301", 25, "X"),
    ("302", 25, "X"),
    ("401", 90, "X"),
]
B6B = [
    ("B6b special: X takes part with 140 m²", "civil-code-special", "yes", 360, 360, True, True),
    ("B6b ordinary, X says no", "civil-code-ordinary", "no", 360, 220, True, True),
    (
        "B6b X abstains: takes part, does not agree",
        "civil-code-special",
        "abstain",
        360,
        220,
        True,
        False,
    ),
    # the household roll counts households, not owners: nothing carried
    (
        "B6b household roll unchanged: 4 of 7",
        "co-creation-two-thirds",
        "yes",
        310,
        310,
        False,
        False,
    ),
]


@pytest.mark.parametrize(
    ("rule", "x_vote", "part", "agree", "quorum", "passed"),
    [c[1:] for c in B6B],
    ids=[c[0] for c in B6B],
)
def test_owner_voting_on_some_units_counts_with_the_whole_area(
    rule, x_vote, part, agree, quorum, passed
):
    hs = tuple(Household(r, "1", "1", r, F(a), o) for r, a, o in B6B_UNITS)
    votes = [Vote("101", "yes"), Vote("102", "yes"), Vote("201", "yes"), Vote("401", x_vote)]
    r = tally("yes-no", make_rule(rule, {}), Electorate(hs), votes)
    assert r.counts.participating_area_m2 == part and r.counts.agreeing_area_m2 == agree
    assert r.participation_met is quorum and r.passed is passed
    assert r.counts.participating_heads == 4 and r.counts.owner_heads == 5
    [p] = r.partial_owners
    assert (p.owner, p.voted, p.not_voted, p.area_m2) == ("X", ("401",), ("301", "302"), 140)
    assert r.to_dict()["partial_owners"][0]["not_voted"] == ["301", "302"]
    owner_roll = rule.startswith("civil-code")
    assert any(d.code == "partial_owner" for d in r.details) is owner_roll
    assert sum((c.area_m2 for c in r.choices), F(0)) == part


# B5 (issue 17.1): a co-creation ballot on a matter the law reserves. Five units, four vote yes:
# the local rule passes (4/5 ≥ 2/3) but the fifth unit holds 200 of 480 m², so the owners who took
# part hold 280/480 = 58.3 % < 2/3: the binding outcome is "not passed in law".
# (id, yes-votes by unit, statutory rule, binding passed, local passed, headline)
B5_UNITS = [("101", 70), ("102", 70), ("201", 70), ("202", 70), ("301", 200)]
B5 = [
    (
        "B5 local passes, law fails on area",
        ["101", "102", "201", "202"],
        "civil-code-special",
        False,
        True,
        "NOT PASSED IN LAW — participation by area 58.3 % < 66.7 %",
    ),
    (
        "B5 both pass",
        ["101", "102", "201", "301"],
        "civil-code-special",
        True,
        True,
        "PASSED IN LAW",
    ),
    (
        "B5 law passes, local fails (3/5 < 2/3)",
        ["101", "102", "301", "201:no"],
        "civil-code-ordinary",
        True,
        False,
        "PASSED IN LAW",
    ),
    (
        "B5 both fail",
        ["101", "301"],
        "civil-code-ordinary",
        False,
        False,
        "NOT PASSED IN LAW — participation by area 56.3 % < 66.7 %",
    ),
]


@pytest.mark.parametrize(
    ("yes", "statutory_rule", "passed", "local_passed", "headline"),
    [c[1:] for c in B5],
    ids=[c[0] for c in B5],
)
def test_the_headline_is_the_outcome_that_binds(
    yes, statutory_rule, passed, local_passed, headline
):
    e = Electorate(tuple(Household(r, "1", "1", r, F(a)) for r, a in B5_UNITS))
    votes = [Vote(*h.split(":")) if ":" in h else Vote(h, "yes") for h in yes]
    local = tally("yes-no", make_rule("co-creation-two-thirds", {}), e, votes)
    statutory = tally("yes-no", make_rule(statutory_rule, {}), e, votes)
    d = decide(local, statutory)
    assert (d.basis, d.passed, d.local_passed) == ("statutory", passed, local_passed)
    assert d.text == headline
    out = d.to_dict()
    assert (out["passed"], out["local_passed"], out["local_rule"]) == (
        passed,
        local_passed,
        "co-creation-two-thirds",
    )
    c = d.consultation
    agreeing = sum(1 for h in yes if ":" not in h)
    assert (c.numerator, c.denominator) == (agreeing, 5)  # 协商意见：赞成 4/5
    # a ballot whose own rule is the statutory one has nothing else to show
    own = decide(statutory)
    assert own.basis == "statutory" and own.consultation is None and own.passed is passed
    assert decide(local).basis == "rule" and decide(local).passed is local_passed


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


# Ties (issue 17.2): (id, tie_break, votes, leader, tie decided) on four households of
# 60, 60, 50, 70 m². A tie is announced (平票) and settled only by the ballot's declared tie-break.
TIES = [
    (
        "4:4 default: no winner, second round",
        "second-round",
        {"h0": "A", "h1": "A", "h2": "B", "h3": "B"},
        None,
        None,
    ),
    ("1:1 default ignores area", "second-round", {"h0": "A", "h2": "B"}, None, None),
    ("1:1 by area: 60 m² > 50 m²", "area", {"h0": "A", "h2": "B"}, "A", "A"),
    (
        "2:2 by area, 120 m² each: second round",
        "area",
        {"h0": "A", "h1": "A", "h2": "B", "h3": "B"},
        None,
        None,
    ),
    ("1:1 by lot: drawn in public, no winner here", "lot", {"h0": "A", "h2": "B"}, None, None),
    ("no tie", "second-round", {"h0": "A", "h1": "A", "h2": "B"}, "A", "-"),
]


@pytest.mark.parametrize(
    ("tie_break", "cast", "leader", "decided"), [c[1:] for c in TIES], ids=[c[0] for c in TIES]
)
def test_choose_one_tie_is_announced_and_settled_by_the_declared_tie_break(
    tie_break, cast, leader, decided
):
    hs = tuple(Household(f"h{i}", "1", "1", str(i), F(a)) for i, a in enumerate((60, 60, 50, 70)))
    votes = [Vote(h, c) for h, c in cast.items()]
    r = tally(
        "choose-one",
        make_rule("simple-majority", {}),
        Electorate(hs),
        votes,
        ["A", "B"],
        tie_break=tie_break,
    )
    assert r.leader == leader and r.tie_break == tie_break
    d = r.to_dict()
    if decided == "-":
        assert r.tie is None and d["tie"] is None
        return
    assert r.tie.choices == ("A", "B") and r.tie.decided == decided
    assert d["tie"] == {
        "choices": ["A", "B"],
        "households": r.tie.households,
        "tie_break": tie_break,
        "decided": decided,
        "round": None,
        "for": "lead",
    }
    [note] = [t for t in r.reasons if t.startswith("TIE")]
    assert tie_break in note
    decision = decide(r)
    if leader is None:
        assert not decision.passed and "tie (平票)" in decision.text


def test_unknown_tie_break_is_refused():
    e, votes = community([(2, 100, "yes")])
    with pytest.raises(InvalidInput) as exc:
        tally("yes-no", make_rule("simple-majority", {}), e, votes, tie_break="coin")
    assert "second-round" in exc.value.render("en") and "平票" in exc.value.render("zh")


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


# IRV ties for last place (issue 17.2): (id, ballots, choices, tie_break, eliminated per round,
# leader, tie announced as (choices, round, decided) or None). Households are 80 m² each except
# where the area tie-break needs a difference (see AREAS).
AREAS = {"h004": 100}  # the first "B, C" ballot is a larger flat
IRV_TIES = [
    # A 4, B 2, C 2: B and C together (4) are not fewer than A (4): the tie matters.
    (
        "last-place tie, default: count stops, second round",
        [("A",)] * 4 + [("B", "C")] * 2 + [("C",)] * 2,
        ["A", "B", "C"],
        "second-round",
        [None],
        None,
        (("B", "C"), 1, None),
    ),
    (
        "last-place tie by area: C's piles hold less area",
        [("A",)] * 4 + [("B", "C")] * 2 + [("C",)] * 2,
        ["A", "B", "C"],
        "area",
        ["C", None],
        "A",
        (("B", "C"), 1, "C"),
    ),
    (
        "last-place tie by lot: count stops",
        [("A",)] * 4 + [("B", "C")] * 2 + [("C",)] * 2,
        ["A", "B", "C"],
        "lot",
        [None],
        None,
        (("B", "C"), 1, None),
    ),
    # A 5, B 4, C 1, D 1: C and D together (2) are fewer than B (4): both out at once, no tie-break
    (
        "tied last places eliminated together when it cannot matter",
        [("A",)] * 5 + [("B",)] * 4 + [("C", "B")] + [("D", "B")],
        ["A", "B", "C", "D"],
        "second-round",
        ["C, D", None],
        "B",
        None,
    ),
    (
        "final two-way tie, default: no winner",
        [("A", "B"), ("B", "A")],
        ["A", "B"],
        "second-round",
        [None],
        None,
        (("A", "B"), 1, None),
    ),
]


@pytest.mark.parametrize(
    ("ballots", "choices", "tie_break", "eliminated", "leader", "tie"),
    [c[1:] for c in IRV_TIES],
    ids=[c[0] for c in IRV_TIES],
)
def test_irv_last_place_ties_are_announced(ballots, choices, tie_break, eliminated, leader, tie):
    hs = tuple(
        Household(f"h{i:03d}", "1", "1", str(i), F(AREAS.get(f"h{i:03d}", 80)))
        for i in range(len(ballots))
    )
    votes = [Vote(f"h{i:03d}", b) for i, b in enumerate(ballots)]
    r = tally(
        "ranked",
        make_rule("simple-majority", {}),
        Electorate(hs),
        votes,
        choices,
        tie_break=tie_break,
    )
    assert [rd.get("_eliminated") for rd in r.rounds] == eliminated
    assert r.leader == leader
    if tie is None:
        assert r.tie is None
    else:
        assert (r.tie.choices, r.tie.round, r.tie.decided) == tie and r.tie.eliminated
        assert r.to_dict()["tie"]["for"] == "last_place"
        assert any(t.startswith("TIE for last place in round 1") for t in r.reasons)
    # Borda stays for information only: it never decides
    assert all("Borda" not in t for t in r.reasons)


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
