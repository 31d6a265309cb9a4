"""Household votes: electorates, ballot kinds, decision rules and the tally.

Pure and exact: every area and ratio is a :class:`~fractions.Fraction`, every decision is an exact
comparison (DOMAIN.md §0.3 "never floats"). Percentages in texts are for display only.

Two things are kept apart (DESIGN.md §4, habit 4):

* a **ballot kind** turns the ballots into per-choice support and picks the *leader* (the proposal
  itself, the plurality choice, the most approved choice, the instant-runoff winner);
* a **rule** decides whether enough of the electorate took part and whether the leader's support is
  enough. Rules are small named classes in :data:`RULES`; their thresholds are ``Fraction``
  settings with defaults and a ballot stores ``rule.name`` + ``rule.params()``.

Counting (DOMAIN.md §1.3, R2, R6):

* The **household roll** counts each household (unit) once. The **owner roll** counts *owner heads*:
  all units with the same ``owner_id`` are one head, their areas summed; a unit without ``owner_id``
  is its own owner (e.g. a co-owned flat with one nominated voter, R2 (d)). The developer's unsold
  units or the housing bureau's 公房 units count as one head when they share one ``owner_id``.
* A ballot of ``abstain`` (or a blank approval/ranked ballot) **participates but does not agree**
  (DOMAIN.md R6 and §1.3 "abstentions count as participation but not as agreement"). Non-voters are
  never counted as agreeing and never added to participation (R6; no "计入多数票" imputation here).
* A household that votes again replaces its earlier vote: **the last vote in the list counts** and a
  household is never counted twice. Callers pass votes in the order they were cast.
* Each unit's area follows that unit's own ballot. An owner with several units is one head: that
  head participates if any of the units voted and agrees only if **every** voting unit of that owner
  agrees; an owner whose units voted differently ("split owner") participates but does not agree by
  head, and the result says so. (One person, one head; never counted twice, never over-counted.)
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar

from cocreate_map.errors import InvalidInput, NotEligible

YES = "yes"
NO = "no"
ABSTAIN = "abstain"

JsonScalar = str | int | float | bool | None

# How a ballot settles a tie (declared when it is created, stored with it): no winner and a
# second round (default), the larger area, or lots drawn in public (the tool names no winner).
TIE_BREAKS = ("second-round", "area", "lot")
DEFAULT_TIE_BREAK = "second-round"

# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


def _exact(value: object, what: str) -> Fraction:
    """An exact Fraction from an int, a Fraction or a decimal/fraction string; never a float."""
    if isinstance(value, bool):
        raise InvalidInput(key="voting.must_number", what=what, value=value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            pass
    raise InvalidInput(
        key="voting.not_exact_float" if isinstance(value, float) else "voting.not_exact",
        what=what,
        value=value,
    )


@dataclass(frozen=True)
class Household:
    """One dwelling unit (专有部分) on the register; ``area_m2`` is its exclusive floor area."""

    id: str
    building: str
    unit: str
    room: str
    area_m2: Fraction
    owner_id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidInput(key="voting.household_needs_non_empty", id=self.id)
        area = _exact(self.area_m2, f"area of household {self.id!r}")
        if area < 0:
            raise InvalidInput(key="voting.area_household_must_m", id=self.id, area=area)
        object.__setattr__(self, "area_m2", area)
        if self.owner_id is not None and not self.owner_id.strip():
            object.__setattr__(self, "owner_id", None)

    @property
    def owner_key(self) -> str:
        """The head this unit counts toward on the owner roll (R2)."""
        return f"owner:{self.owner_id}" if self.owner_id is not None else f"household:{self.id}"


BallotContent = str | tuple[str, ...]


@dataclass(frozen=True)
class Vote:
    """One household's ballot.

    ``choice`` is ``"yes"``/``"no"``/``"abstain"`` (yes-no), one choice or ``"abstain"``
    (choose-one), a tuple of approved choices (approval; ``()`` = blank) or a tuple of choices in
    order of preference (ranked; ``()`` = blank). ``"abstain"`` is accepted by every kind.
    """

    household_id: str
    choice: BallotContent

    def __post_init__(self) -> None:
        if isinstance(self.choice, list):
            object.__setattr__(self, "choice", tuple(self.choice))


@dataclass(frozen=True)
class Electorate:
    """The households entitled to vote on one ballot, with derived totals."""

    households: tuple[Household, ...]
    _by_id: dict[str, Household] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "households", tuple(self.households))
        if not self.households:
            raise InvalidInput(key="voting.electorate_needs_least_one")
        by_id: dict[str, Household] = {}
        for h in self.households:
            if h.id in by_id:
                raise InvalidInput(key="voting.household_id_appears_twice", id=h.id)
            by_id[h.id] = h
        object.__setattr__(self, "_by_id", by_id)

    def __contains__(self, household_id: object) -> bool:
        return household_id in self._by_id

    def household(self, household_id: str) -> Household:
        try:
            return self._by_id[household_id]
        except KeyError:
            raise NotEligible(
                key="voting.household_ballot_s_electorate",
                household_id=household_id,
                n_households=len(self.households),
            ) from None

    @property
    def household_count(self) -> int:
        return len(self.households)

    @property
    def owner_heads(self) -> int:
        """Distinct owners (R2): several units of one owner count once."""
        return len({h.owner_key for h in self.households})

    @property
    def total_area_m2(self) -> Fraction:
        return sum((h.area_m2 for h in self.households), Fraction(0))

    def owner_areas(self) -> dict[str, Fraction]:
        """Summed area per owner head (R2: one head, areas summed)."""
        out: dict[str, Fraction] = {}
        for h in self.households:
            out[h.owner_key] = out.get(h.owner_key, Fraction(0)) + h.area_m2
        return out


# --------------------------------------------------------------------------------------------
# Counts handed to a rule
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Totals of the electorate, of those who took part and of those who agree with the leader."""

    households: int
    owner_heads: int
    area_m2: Fraction
    participating_households: int
    participating_heads: int
    participating_area_m2: Fraction
    abstaining_households: int
    agreeing_households: int
    agreeing_heads: int
    agreeing_area_m2: Fraction


def ratio(numerator: Fraction | int, denominator: Fraction | int) -> Fraction:
    """``numerator / denominator`` exactly; 0 when there is nothing to divide by."""
    if denominator == 0:
        return Fraction(0)
    return Fraction(numerator) / Fraction(denominator)


@dataclass(frozen=True)
class Check:
    """One threshold comparison: ``ratio ≥ threshold`` (inclusive) or ``ratio > threshold``."""

    code: str  # e.g. "participation_area", "approval_heads"
    stage: str  # "participation" or "approval"
    measure: str  # "area", "heads" or "households"
    numerator: Fraction
    denominator: Fraction
    threshold: Fraction
    inclusive: bool

    @property
    def ratio(self) -> Fraction:
        return ratio(self.numerator, self.denominator)

    @property
    def met(self) -> bool:
        # A zero denominator means nothing to measure: never met (thresholds are > 0).
        if self.denominator == 0:
            return False
        r = self.ratio
        return r >= self.threshold if self.inclusive else r > self.threshold


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FractionParam:
    default: Fraction
    help: str
    minimum: Fraction = Fraction(0)  # statutory rules may be made stricter, never laxer


@dataclass(frozen=True)
class OptionParam:
    default: str
    options: tuple[str, ...]
    help: str


Param = FractionParam | OptionParam


def parse_fraction(text: str, what: str) -> Fraction:
    """'2/3', '0.75' or '75%' → an exact Fraction in (0, 1]."""
    raw = text.strip()
    try:
        value = Fraction(raw[:-1].strip()) / 100 if raw.endswith("%") else Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(key="voting.must_fraction_such", what=what, text=text) from None
    if not (0 < value <= 1):
        raise InvalidInput(key="voting.must_above_most_e", what=what, text=text)
    return value


class Rule(ABC):
    """A decision rule: participation and approval thresholds on one roll."""

    name: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[str]  # the DOMAIN.md rules, for developers
    citation: ClassVar[str]  # what printed documents show residents: the statute (issue 17.8)
    roll: ClassVar[str]  # "owners" (heads + area) or "households"
    PARAMS: ClassVar[dict[str, Param]]

    def __init__(self, params: Mapping[str, str] | None = None) -> None:
        given = dict(params or {})
        unknown = sorted(set(given) - set(self.PARAMS))
        if unknown:
            raise InvalidInput(
                key="voting.rule_parameter_allowed",
                self_name=self.name,
                items=", ".join(map(repr, unknown)),
                allowed_params=self.allowed_params(),
            )
        self._fractions: dict[str, Fraction] = {}
        self._options: dict[str, str] = {}
        for key, spec in self.PARAMS.items():
            raw = given.get(key)
            if isinstance(spec, FractionParam):
                if raw is None:
                    self._fractions[key] = spec.default
                    continue
                value = parse_fraction(str(raw), f"parameter {key!r} of rule {self.name!r}")
                if value < spec.minimum:
                    raise InvalidInput(
                        key="voting.parameter_rule_may_below",
                        param=key,
                        self_name=self.name,
                        minimum=spec.minimum,
                        source=self.source,
                        raw=raw,
                    )
                self._fractions[key] = value
            else:
                value_s = spec.default if raw is None else str(raw).strip()
                if value_s not in spec.options:
                    raise InvalidInput(
                        key="voting.parameter_rule_must_one",
                        param=key,
                        self_name=self.name,
                        items=", ".join(spec.options),
                        raw=raw,
                    )
                self._options[key] = value_s

    @classmethod
    def allowed_params(cls) -> str:
        if not cls.PARAMS:
            return "(none)"
        parts = []
        for key, spec in cls.PARAMS.items():
            if isinstance(spec, FractionParam):
                parts.append(f"{key} (fraction, default {spec.default}: {spec.help})")
            else:
                parts.append(
                    f"{key} ({' | '.join(spec.options)}, default {spec.default}: {spec.help})"
                )
        return "; ".join(parts)

    def fraction(self, key: str) -> Fraction:
        return self._fractions[key]

    def option(self, key: str) -> str:
        return self._options[key]

    def params(self) -> dict[str, str]:
        """Every parameter with its effective value, as strings (what a ballot stores)."""
        out = {k: str(v) for k, v in self._fractions.items()}
        out.update(self._options)
        return dict(sorted(out.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and (self.name, self.params()) == (
            other.name,
            other.params(),
        )

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.params().items())))

    def __repr__(self) -> str:
        return f"make_rule({self.name!r}, {self.params()!r})"

    @abstractmethod
    def checks(self, c: Counts) -> tuple[Check, ...]:
        """The comparisons that decide; stage "participation" first, then "approval"."""


def _owner_checks(rule: Rule, c: Counts, approval_inclusive: bool) -> tuple[Check, ...]:
    p = rule.fraction("participation")
    t = rule.fraction("approval")
    return (
        Check("participation_area", "participation", "area", c.participating_area_m2, c.area_m2, p, True),
        Check(
            "participation_heads", "participation", "heads",
            Fraction(c.participating_heads), Fraction(c.owner_heads), p, True,
        ),
        Check(
            "approval_area", "approval", "area",
            c.agreeing_area_m2, c.participating_area_m2, t, approval_inclusive,
        ),
        Check(
            "approval_heads", "approval", "heads",
            Fraction(c.agreeing_heads), Fraction(c.participating_heads), t, approval_inclusive,
        ),
    )  # fmt: skip


class CivilCodeOrdinary(Rule):
    """Art. 278 ¶2–¶4, items (1)–(5), (9): quorum ≥ 2/3 area and heads ("以上", inclusive);
    approval 过半数 (strictly > 1/2) of the *participating* area and heads."""

    name = "civil-code-ordinary"
    title = "Civil Code art. 278 — ordinary matter (double 2/3 quorum, double majority)"
    source = "民法典 第二百七十八条 第二、四款; 第一千二百五十九条; DOMAIN.md R2, R3, R4, R6"
    citation = "《中华人民共和国民法典》第二百七十八条第二款、第四款，第一千二百五十九条；最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释 第八条、第九条"
    roll = "owners"
    PARAMS: ClassVar[dict[str, Param]] = {
        "participation": FractionParam(
            Fraction(2, 3),
            "share of area and of owner heads that must take part (≥)",
            Fraction(2, 3),
        ),
        "approval": FractionParam(
            Fraction(1, 2),
            "share of participating area and heads that must agree (>)",
            Fraction(1, 2),
        ),
    }

    def checks(self, c: Counts) -> tuple[Check, ...]:
        return _owner_checks(self, c, approval_inclusive=False)


class CivilCodeSpecial(Rule):
    """Art. 278 ¶3, items (6)–(8) — raise maintenance funds, alter/rebuild, change the use of common
    parts (lawn → parking): quorum as ordinary; approval ≥ 3/4 ("以上") of participating area and
    heads."""

    name = "civil-code-special"
    title = "Civil Code art. 278 — special matter (double 2/3 quorum, double 3/4)"
    source = "民法典 第二百七十八条 第二、三款; 第一千二百五十九条; DOMAIN.md R1, R2, R3, R5, R6"
    citation = "《中华人民共和国民法典》第二百七十八条第二款、第三款，第一千二百五十九条；最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释 第八条、第九条"
    roll = "owners"
    PARAMS: ClassVar[dict[str, Param]] = {
        "participation": FractionParam(
            Fraction(2, 3),
            "share of area and of owner heads that must take part (≥)",
            Fraction(2, 3),
        ),
        "approval": FractionParam(
            Fraction(3, 4),
            "share of participating area and heads that must agree (≥)",
            Fraction(3, 4),
        ),
    }

    def checks(self, c: Counts) -> tuple[Check, ...]:
        return _owner_checks(self, c, approval_inclusive=True)


class CoCreationTwoThirds(Rule):
    """The seed 共同缔造 practice (local, not national law): ≥ 2/3 of households take part and
    ≥ 2/3 agree. DOMAIN.md R7 leaves two things open and we make them parameters:
    ``denominator`` — agreement over all households (default: the seed's "2/3 of residents agree",
    the stricter reading) or over participants; ``bound`` — inclusive (R7 default, "以上") or strict
    (the local text says "超过")."""

    name = "co-creation-two-thirds"
    title = "Co-creation (共同缔造) — 2/3 take part, 2/3 agree (households)"
    source = "DOMAIN.md §1.5 and R7 (local 实施方案 practice; no national source found)"
    citation = "本社区共同缔造议事规则（各地老旧小区改造实施方案的做法，非国家法律规定） Community co-creation rule (local practice, not national law)"
    roll = "households"
    PARAMS: ClassVar[dict[str, Param]] = {
        "participation": FractionParam(Fraction(2, 3), "share of households that must take part"),
        "agreement": FractionParam(Fraction(2, 3), "share of the denominator that must agree"),
        "denominator": OptionParam(
            "all",
            ("all", "participants"),
            "agreement measured against all households or participants",
        ),
        "bound": OptionParam(
            "inclusive", ("inclusive", "strict"), "inclusive = ≥ (以上), strict = > (超过)"
        ),
    }

    def checks(self, c: Counts) -> tuple[Check, ...]:
        inclusive = self.option("bound") == "inclusive"
        over_all = self.option("denominator") == "all"
        return (
            Check(
                "participation_households", "participation", "households",
                Fraction(c.participating_households), Fraction(c.households),
                self.fraction("participation"), inclusive,
            ),
            Check(
                "agreement_households_of_all" if over_all else "agreement_households_of_participants",
                "approval", "households", Fraction(c.agreeing_households),
                Fraction(c.households if over_all else c.participating_households),
                self.fraction("agreement"), inclusive,
            ),
        )  # fmt: skip


class ResidentsMeeting(Rule):
    """居委会组织法 art. 9: more than half of the households (their representatives) attend, and
    more than half of those attending agree (过半数, strict)."""

    name = "residents-meeting"
    title = "Residents' meeting — > 1/2 attend, > 1/2 of attendees agree"
    source = "城市居民委员会组织法 第九条; DOMAIN.md §1.4, R8"
    citation = "《中华人民共和国城市居民委员会组织法》第九条"
    roll = "households"
    PARAMS: ClassVar[dict[str, Param]] = {
        "participation": FractionParam(
            Fraction(1, 2), "share of households that must attend (>)", Fraction(1, 2)
        ),
        "approval": FractionParam(
            Fraction(1, 2), "share of attendees that must agree (>)", Fraction(1, 2)
        ),
    }

    def checks(self, c: Counts) -> tuple[Check, ...]:
        return (
            Check(
                "participation_households", "participation", "households",
                Fraction(c.participating_households), Fraction(c.households),
                self.fraction("participation"), False,
            ),
            Check(
                "approval_households", "approval", "households",
                Fraction(c.agreeing_households), Fraction(c.participating_households),
                self.fraction("approval"), False,
            ),
        )  # fmt: skip


class SimpleMajority(Rule):
    """More than half of the ballots agree, no participation quorum (consultative polls).

    Abstentions: by default they are counted in the denominator — DOMAIN.md R6 and §1.3: "abstain =
    participated, not agreed (denominator = participants)". ``abstentions=exclude`` gives the
    "majority of votes cast for or against" reading instead.
    """

    name = "simple-majority"
    title = "Simple majority of ballots (no quorum)"
    source = "DOMAIN.md §1.3 (abstentions), R6; consultative (DOMAIN.md R9)"
    citation = "本社区议事规则（协商意见，无法律约束力） Community rules (consultative, not binding in law)"
    roll = "households"
    PARAMS: ClassVar[dict[str, Param]] = {
        "approval": FractionParam(Fraction(1, 2), "share of ballots that must agree (>)"),
        "abstentions": OptionParam(
            "count", ("count", "exclude"), "count abstentions in the denominator (R6) or not"
        ),
    }

    def checks(self, c: Counts) -> tuple[Check, ...]:
        exclude = self.option("abstentions") == "exclude"
        denominator = c.participating_households - (c.abstaining_households if exclude else 0)
        return (
            Check(
                "approval_households_of_cast" if exclude else "approval_households",
                "approval", "households", Fraction(c.agreeing_households), Fraction(denominator),
                self.fraction("approval"), False,
            ),
        )  # fmt: skip


RULES: dict[str, type[Rule]] = {
    cls.name: cls
    for cls in (
        CivilCodeOrdinary,
        CivilCodeSpecial,
        CoCreationTwoThirds,
        ResidentsMeeting,
        SimpleMajority,
    )
}

#: DOMAIN.md R1/R7: the statutory rule to evaluate *as well* for an item of this legal class.
STATUTORY_RULE_FOR_CLASS: dict[str, str] = {
    "ordinary": CivilCodeOrdinary.name,
    "special": CivilCodeSpecial.name,
}


def make_rule(name: str, params: Mapping[str, str] | None = None) -> Rule:
    """The rule called ``name`` with ``params`` (strings, as stored with a ballot) validated."""
    cls = RULES.get(name)
    if cls is None:
        raise InvalidInput(
            key="voting.unknown_voting_rule_choose", name=name, items=", ".join(RULES)
        )
    return cls(params)


# --------------------------------------------------------------------------------------------
# Ballot kinds
# --------------------------------------------------------------------------------------------

Ballot = tuple[str, ...]  # normalised: () = abstain/blank


@dataclass(frozen=True)
class Outcome:
    """What a kind makes of the ballots: the leader and whose ballots support it."""

    leader: str | None
    supporters: frozenset[str]
    rows: tuple[tuple[str, frozenset[str]], ...]  # per-choice households, display order
    borda: dict[str, int] | None = None
    rounds: tuple[Mapping[str, JsonScalar], ...] = ()
    notes: tuple[tuple[str, dict[str, JsonScalar]], ...] = ()
    tie: Tie | None = None


@dataclass(frozen=True)
class Tie:
    """平票: equal support between ``choices`` (for the lead, or for last place in IRV round
    ``round``) and what the declared ``tie_break`` made of it: ``decided`` is the choice the
    tie-break picked (the leader, or the choice eliminated), ``None`` when it named no one."""

    choices: tuple[str, ...]
    households: int
    tie_break: str
    decided: str | None
    round: int | None = None  # IRV round of a last-place tie; None for a tie for the lead
    eliminated: bool = False  # True: a last-place tie (decided = the choice eliminated)

    def to_dict(self) -> dict[str, JsonScalar | list[str]]:
        return {
            "choices": list(self.choices),
            "households": self.households,
            "tie_break": self.tie_break,
            "decided": self.decided,
            "round": self.round,
            "for": "last_place" if self.eliminated else "lead",
        }


class BallotKind(ABC):
    name: ClassVar[str]

    def prepare_choices(self, choices: Sequence[str]) -> tuple[str, ...]:
        out = tuple(choices)
        if len(out) < 2:
            raise InvalidInput(
                key="voting.ballot_needs_least_two", self_name=self.name, out=list(out)
            )
        for c in out:
            if not isinstance(c, str) or not c.strip():
                raise InvalidInput(key="voting.choices_must_non_empty", c=c)
        if len(set(out)) != len(out):
            raise InvalidInput(key="voting.choices_must_distinct", out=list(out))
        if ABSTAIN in out:
            raise InvalidInput(key="voting.reserved_cannot_choice", abstain=ABSTAIN)
        return out

    @abstractmethod
    def normalise(self, vote: Vote, choices: tuple[str, ...]) -> Ballot: ...

    @abstractmethod
    def count(
        self,
        ballots: Mapping[str, Ballot],
        choices: tuple[str, ...],
        electorate: Electorate,
        tie_break: str = DEFAULT_TIE_BREAK,
    ) -> Outcome: ...


def _bad_choice(vote: Vote, kind: str, choices: tuple[str, ...]) -> InvalidInput:
    return InvalidInput(
        f"household {vote.household_id!r}: {vote.choice!r} is not a valid {kind} ballot; "
        f"expected {', '.join(map(repr, choices))} or {ABSTAIN!r}"
    )


def _plurality(
    rows: Sequence[tuple[str, frozenset[str]]], electorate: Electorate, tie_break: str
) -> tuple[str | None, tuple[tuple[str, dict[str, JsonScalar]], ...], Tie | None]:
    """Most households leads. A tie (平票) is settled by the ballot's declared ``tie_break``:
    ``area`` — the larger area of those households (equal area too: no leader, second round);
    ``second-round`` — no leader, a second round is needed; ``lot`` — no leader, lots are drawn in
    public (the tool never draws them)."""

    def area(row: tuple[str, frozenset[str]]) -> Fraction:
        return sum((electorate.household(h).area_m2 for h in row[1]), Fraction(0))

    if not rows:
        return None, (), None
    most = max(len(r[1]) for r in rows)
    if most == 0:
        return None, (("no_support", {}),), None
    top = [r for r in rows if len(r[1]) == most]
    if len(top) == 1:
        return top[0][0], (), None
    names = tuple(r[0] for r in top)
    decided: str | None = None
    if tie_break == "area":
        best = max(area(r) for r in top)
        by_area = [r[0] for r in top if area(r) == best]
        decided = by_area[0] if len(by_area) == 1 else None
    tie = Tie(names, most, tie_break, decided)
    values: dict[str, JsonScalar] = {
        "choices": ", ".join(names),
        "households": most,
        "tie_break": tie_break,
        "decided": decided,
    }
    return decided, (("tie", values),), tie


class YesNo(BallotKind):
    """One proposal; the leader is always ``yes`` (the proposal)."""

    name = "yes-no"

    def prepare_choices(self, choices: Sequence[str]) -> tuple[str, ...]:
        if tuple(choices) not in ((), (YES, NO)):
            raise InvalidInput(key="voting.yes_ballot_fixed_choices", choices=list(choices))
        return (YES, NO)

    def normalise(self, vote: Vote, choices: tuple[str, ...]) -> Ballot:
        if vote.choice == ABSTAIN:
            return ()
        if vote.choice in (YES, NO):
            return (str(vote.choice),)
        raise _bad_choice(vote, self.name, choices)

    def count(
        self,
        ballots: Mapping[str, Ballot],
        choices: tuple[str, ...],
        electorate: Electorate,
        tie_break: str = DEFAULT_TIE_BREAK,
    ) -> Outcome:
        rows = tuple((c, frozenset(h for h, b in ballots.items() if b == (c,))) for c in choices)
        return Outcome(leader=YES, supporters=rows[0][1], rows=rows)


class ChooseOne(BallotKind):
    """Pick one choice; the plurality choice (most households) is the leader and the rule is
    applied to its support. A tie is announced and settled by the ballot's tie-break
    (:func:`_plurality`; default: no leader, a second round)."""

    name = "choose-one"

    def normalise(self, vote: Vote, choices: tuple[str, ...]) -> Ballot:
        c = vote.choice
        if isinstance(c, tuple) and len(c) == 1:
            c = c[0]
        if c == ABSTAIN or c == ():
            return ()
        if isinstance(c, str) and c in choices:
            return (c,)
        raise _bad_choice(vote, self.name, choices)

    def count(
        self,
        ballots: Mapping[str, Ballot],
        choices: tuple[str, ...],
        electorate: Electorate,
        tie_break: str = DEFAULT_TIE_BREAK,
    ) -> Outcome:
        rows = tuple((c, frozenset(h for h, b in ballots.items() if b == (c,))) for c in choices)
        leader, notes, tie = _plurality(rows, electorate, tie_break)
        support = dict(rows).get(leader, frozenset()) if leader else frozenset()
        return Outcome(leader=leader, supporters=support, rows=rows, notes=notes, tie=tie)


class Approval(BallotKind):
    """Approve any number of choices; the most approved choice leads (ties as choose-one)."""

    name = "approval"

    def normalise(self, vote: Vote, choices: tuple[str, ...]) -> Ballot:
        c = vote.choice
        if c == ABSTAIN:
            return ()
        items = (c,) if isinstance(c, str) else c
        if any(x not in choices for x in items):
            raise _bad_choice(vote, self.name, choices)
        return tuple(x for x in choices if x in items)  # order-free, duplicates collapse

    def count(
        self,
        ballots: Mapping[str, Ballot],
        choices: tuple[str, ...],
        electorate: Electorate,
        tie_break: str = DEFAULT_TIE_BREAK,
    ) -> Outcome:
        rows = tuple((c, frozenset(h for h, b in ballots.items() if c in b)) for c in choices)
        leader, notes, tie = _plurality(rows, electorate, tie_break)
        support = dict(rows).get(leader, frozenset()) if leader else frozenset()
        return Outcome(leader=leader, supporters=support, rows=rows, notes=notes, tie=tie)


class Ranked(BallotKind):
    """Rank choices (partial rankings allowed). Decision: instant-runoff (IRV) by households.

    Each round counts every ballot for its highest-ranked continuing choice; a choice with more
    than half of the non-exhausted ballots wins. Otherwise the choice with the fewest ballots in
    that round is eliminated. A tie for last place (平票) is announced:

    * when the tied choices together have fewer ballots than any other continuing choice, they are
      all eliminated at once (which of them goes first could not change the result);
    * otherwise the ballot's declared tie-break settles it: ``area`` eliminates the tied choice
      whose ballots in that round hold the least area (equal area: as ``second-round``);
      ``second-round`` and ``lot`` stop the count with no winner — a second round, or lots drawn
      in public, decide.

    The leader's support is the ballots counting for it in the last round; exhausted ballots took
    part but do not agree.

    Borda (for information only, never used to decide): with m choices, rank 1 earns m−1 points,
    rank 2 m−2, …; unranked choices earn 0.
    """

    name = "ranked"

    def normalise(self, vote: Vote, choices: tuple[str, ...]) -> Ballot:
        c = vote.choice
        if c == ABSTAIN:
            return ()
        items = (c,) if isinstance(c, str) else c
        if any(x not in choices for x in items) or len(set(items)) != len(items):
            raise InvalidInput(
                key="voting.household_valid_ranking_rank",
                household_id=vote.household_id,
                choice=vote.choice,
                items=", ".join(map(repr, choices)),
                abstain=ABSTAIN,
            )
        return tuple(items)

    def count(
        self,
        ballots: Mapping[str, Ballot],
        choices: tuple[str, ...],
        electorate: Electorate,
        tie_break: str = DEFAULT_TIE_BREAK,
    ) -> Outcome:
        m = len(choices)
        borda = dict.fromkeys(choices, 0)
        for b in ballots.values():
            for i, c in enumerate(b):
                borda[c] += m - 1 - i
        continuing = list(choices)
        rounds: list[Mapping[str, JsonScalar]] = []
        leader: str | None = None
        support: frozenset[str] = frozenset()
        tie: Tie | None = None
        notes: list[tuple[str, dict[str, JsonScalar]]] = []
        while continuing:
            piles: dict[str, set[str]] = {c: set() for c in continuing}
            exhausted = 0
            for h, b in ballots.items():
                top = next((c for c in b if c in piles), None)
                if top is None:
                    exhausted += 1
                else:
                    piles[top].add(h)
            active = sum(len(p) for p in piles.values())
            record: dict[str, JsonScalar] = {c: len(piles[c]) for c in continuing}
            record["_exhausted"] = exhausted
            if active == 0:
                record["_result"] = "no ranked ballots"
                rounds.append(record)
                break
            best = max(continuing, key=lambda c: len(piles[c]))
            if 2 * len(piles[best]) > active:
                leader, support = best, frozenset(piles[best])
                record["_elected"] = best
                rounds.append(record)
                break
            fewest = min(len(piles[c]) for c in continuing)
            last = [c for c in continuing if len(piles[c]) == fewest]
            others = [len(piles[c]) for c in continuing if c not in last]
            if len(last) == 1:
                out = [last[0]]
            elif others and fewest * len(last) < min(others):
                out = last  # together fewer than any other: eliminating all changes nothing
                record["_tied"] = ", ".join(last)
            else:
                number = len(rounds) + 1
                decided: str | None = None
                if tie_break == "area":
                    areas = {
                        c: sum((electorate.household(h).area_m2 for h in piles[c]), Fraction(0))
                        for c in last
                    }
                    least = min(areas.values())
                    smallest = [c for c in last if areas[c] == least]
                    decided = smallest[0] if len(smallest) == 1 else None
                tie = Tie(tuple(last), fewest, tie_break, decided, number, eliminated=True)
                notes.append(
                    (
                        "tie_last",
                        {
                            "choices": ", ".join(last),
                            "households": fewest,
                            "round": number,
                            "tie_break": tie_break,
                            "decided": decided,
                        },
                    )
                )
                record["_tied"] = ", ".join(last)
                if decided is None:
                    record["_result"] = "tie"
                    rounds.append(record)
                    break
                out = [decided]
            record["_eliminated"] = ", ".join(out)
            rounds.append(record)
            for c in out:
                continuing.remove(c)
        if leader is None and tie is None:
            notes.append(("no_support", {}))
        rows = tuple(
            (c, frozenset(h for h, b in ballots.items() if b and b[0] == c)) for c in choices
        )
        return Outcome(
            leader, support, rows, borda=borda, rounds=tuple(rounds), notes=tuple(notes), tie=tie
        )


KINDS: dict[str, type[BallotKind]] = {k.name: k for k in (YesNo, ChooseOne, Approval, Ranked)}


def make_kind(name: str) -> BallotKind:
    cls = KINDS.get(name)
    if cls is None:
        raise InvalidInput(
            key="voting.unknown_ballot_kind_choose", name=name, items=", ".join(KINDS)
        )
    return cls()


# --------------------------------------------------------------------------------------------
# Display helpers (texts only; decisions never use these)
# --------------------------------------------------------------------------------------------


def percent(value: Fraction, decimals: int = 1) -> str:
    """``value`` as a percentage rounded half-up, e.g. ``percent(Fraction(5100, 6900))`` → '73.9'."""
    scaled = value * 100 * 10**decimals
    n = math.floor(scaled + Fraction(1, 2))
    sign = "-" if n < 0 else ""
    n = abs(n)
    if decimals == 0:
        return f"{sign}{n}"
    return f"{sign}{n // 10**decimals}.{n % 10**decimals:0{decimals}d}"


def _threshold_text(t: Fraction, decimals: int) -> str:
    if (t * 100).denominator == 1:
        return str(t * 100)  # a whole percentage such as the statutory 75 % or 50 %
    return percent(t, decimals)


def _compare_texts(r: Fraction, t: Fraction) -> tuple[str, str]:
    """Ratio and threshold texts with enough decimals that unequal values never look equal."""
    d = 1
    while d < 6 and r != t and percent(r, d) == percent(t, d):
        d += 1
    return percent(r, d), _threshold_text(t, d)


def _num(x: Fraction) -> str:
    """An area or count for people: '6900', '6900.5'; exact fraction if it has no short decimal."""
    if x.denominator == 1:
        return str(x.numerator)
    for d in range(1, 5):
        scaled = x * 10**d
        if scaled.denominator == 1:  # Fraction.__format__ needs Python 3.12; do it by hand
            sign, n = ("-" if scaled < 0 else ""), abs(scaled.numerator)
            return f"{sign}{n // 10**d}.{n % 10**d:0{d}d}"
    return str(x)


_MEASURE_WORDS = {
    "participation_area": "participation by area",
    "participation_heads": "participation by owner heads",
    "participation_households": "participation by households",
    "approval_area": "approval by participating area",
    "approval_heads": "approval by participating owner heads",
    "approval_households": "approval by participating households",
    "approval_households_of_cast": "approval by ballots cast (abstentions excluded)",
    "agreement_households_of_all": "agreement of all households",
    "agreement_households_of_participants": "agreement of participating households",
}


@dataclass(frozen=True)
class Reason:
    """A structured reason the UI can localise: ``code`` + JSON-able ``values``; ``text`` is English."""

    code: str
    values: Mapping[str, JsonScalar]
    text: str

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "values": dict(self.values), "text": self.text}


def _check_reason(ch: Check) -> Reason:
    r, t = ch.ratio, ch.threshold
    rt, tt = _compare_texts(r, t)
    if ch.met:
        op = "≥" if ch.inclusive and r == t else (">" if r > t else "≥")
    else:
        op = "<" if r < t else "="  # "=" only when a strict bound is hit exactly
    unit = " m²" if ch.measure == "area" else ""
    text = (
        f"{_MEASURE_WORDS.get(ch.code, ch.code)} {rt} % {op} {tt} % "
        f"({_num(ch.numerator)}/{_num(ch.denominator)}{unit}; needs "
        f"{'≥' if ch.inclusive else '>'} {tt} %) — {'met' if ch.met else 'NOT met'}"
    )
    values: dict[str, JsonScalar] = {
        "check": ch.code,
        "stage": ch.stage,
        "measure": ch.measure,
        "numerator": str(ch.numerator),
        "denominator": str(ch.denominator),
        "ratio": str(r),
        "ratio_percent": float(round(r * 100, 1)),
        "threshold": str(t),
        "threshold_percent": float(round(t * 100, 1)),
        "comparison": "≥" if ch.inclusive else ">",
        "met": ch.met,
    }
    return Reason(f"{ch.code}_{'met' if ch.met else 'not_met'}", values, text)


def _leader_words(leader: JsonScalar) -> str:
    if leader is None:
        return "no choice"
    return "the proposal" if leader == YES else repr(leader)


_TIE_WAYS = {
    "second-round": "a second round is needed",
    "area": "equal area too, a second round is needed",
    "lot": "lots are to be drawn in public",
}

_NOTE_TEXTS: dict[str, Callable[[Mapping[str, JsonScalar]], str]] = {
    "tie": lambda v: (
        f"TIE between {v['choices']} ({v['households']} households each); tie-break "
        f"{v['tie_break']}: "
        + (
            f"{v['decided']!r} has the larger area"
            if v["decided"] is not None
            else "no winner — " + _TIE_WAYS[str(v["tie_break"])]
        )
    ),
    "tie_last": lambda v: (
        f"TIE for last place in round {v['round']} between {v['choices']} "
        f"({v['households']} ballots each); tie-break {v['tie_break']}: "
        + (
            f"{v['decided']!r} eliminated (least area)"
            if v["decided"] is not None
            else "count stopped, no winner — " + _TIE_WAYS[str(v["tie_break"])]
        )
    ),
    "partial_owner": lambda v: (
        f"owner {v['owner']} voted for {v['voted']} but not for {v['not_voted']}: counted as one "
        f"head with the whole exclusive area ({v['area_m2']} m²; judicial interpretation art. 9)"
    ),
    "no_support": lambda v: "no choice has any support",
    "split_owner": lambda v: (
        f"owner {v['owner']}'s units voted differently on the leading choice: counted as "
        "taking part, not as agreeing by head"
    ),
    "superseded": lambda v: (
        f"{v['count']} earlier vote(s) replaced by the same household's later vote"
    ),
    "outcome_passed": lambda v: (
        f"PASSED: {_leader_words(v['leader'])} meets every threshold of {v['rule']}"
    ),
    "outcome_rejected": lambda v: (
        f"REJECTED: participation quorum met but {_leader_words(v['leader'])} lacks approval"
    ),
    "outcome_invalid": lambda v: "INVALID: participation quorum not met, regardless of approvals",
}


def _note(code: str, values: Mapping[str, JsonScalar]) -> Reason:
    return Reason(code, dict(values), _NOTE_TEXTS[code](values))


# --------------------------------------------------------------------------------------------
# Result and tally
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartialOwner:
    """An owner of several units who voted on some of them only (staff are warned before the
    close). On the owner roll the owner takes part with every unit (one head, whole area)."""

    owner: str
    voted: tuple[str, ...]  # household ids
    not_voted: tuple[str, ...]
    area_m2: Fraction  # the owner's whole exclusive area
    not_voted_area_m2: Fraction


@dataclass(frozen=True)
class ChoiceTally:
    choice: str
    households: int
    owner_heads: int  # heads whose every voting unit chose this (split owners excluded)
    area_m2: Fraction
    borda_points: int | None = None


def _ratio_dict(r: Fraction) -> dict[str, object]:
    return {"value": str(r), "percent": float(round(r * 100, 1))}


@dataclass(frozen=True)
class Result:
    kind: str
    rule: str
    rule_params: Mapping[str, str]
    rule_source: str
    counts: Counts
    checks: tuple[Check, ...]
    leader: str | None
    choices: tuple[ChoiceTally, ...]
    details: tuple[Reason, ...]
    rounds: tuple[Mapping[str, JsonScalar], ...] = ()
    superseded_votes: int = 0
    split_owners: tuple[str, ...] = ()
    tie_break: str = DEFAULT_TIE_BREAK
    tie: Tie | None = None
    partial_owners: tuple[PartialOwner, ...] = ()

    # -- ratios (always computed, whatever the rule compares) ------------------------------
    @property
    def participation_households_ratio(self) -> Fraction:
        return ratio(self.counts.participating_households, self.counts.households)

    @property
    def participation_heads_ratio(self) -> Fraction:
        return ratio(self.counts.participating_heads, self.counts.owner_heads)

    @property
    def participation_area_ratio(self) -> Fraction:
        return ratio(self.counts.participating_area_m2, self.counts.area_m2)

    @property
    def approval_households_ratio(self) -> Fraction:
        return ratio(self.counts.agreeing_households, self.counts.participating_households)

    @property
    def approval_heads_ratio(self) -> Fraction:
        return ratio(self.counts.agreeing_heads, self.counts.participating_heads)

    @property
    def approval_area_ratio(self) -> Fraction:
        return ratio(self.counts.agreeing_area_m2, self.counts.participating_area_m2)

    # -- decision ----------------------------------------------------------------------------
    @property
    def participation_met(self) -> bool:
        return all(c.met for c in self.checks if c.stage == "participation")

    @property
    def passed(self) -> bool:
        return (
            self.leader is not None
            and self.participation_met
            and all(c.met for c in self.checks if c.stage == "approval")
        )

    @property
    def winner(self) -> str | None:
        """The leader when it passed; ``None`` otherwise (see ``leader`` for who led)."""
        return self.leader if self.passed else None

    @property
    def outcome(self) -> str:
        """``passed``, ``rejected`` or ``invalid`` (quorum not met, DOMAIN.md R3)."""
        return _outcome(self.leader, self.checks)

    def check(self, code: str) -> Check:
        for c in self.checks:
            if c.code == code:
                return c
        raise KeyError(code)

    @property
    def reasons(self) -> list[str]:
        return [r.text for r in self.details]

    def to_dict(self) -> dict[str, object]:
        c = self.counts
        return {
            "kind": self.kind,
            "rule": self.rule,
            "rule_params": dict(self.rule_params),
            "rule_source": self.rule_source,
            "electorate": {
                "households": c.households,
                "owner_heads": c.owner_heads,
                "area_m2": str(c.area_m2),
            },
            "participation": {
                "households": c.participating_households,
                "owner_heads": c.participating_heads,
                "area_m2": str(c.participating_area_m2),
                "abstaining_households": c.abstaining_households,
                "households_ratio": _ratio_dict(self.participation_households_ratio),
                "heads_ratio": _ratio_dict(self.participation_heads_ratio),
                "area_ratio": _ratio_dict(self.participation_area_ratio),
                "met": self.participation_met,
            },
            "approval": {
                "households": c.agreeing_households,
                "owner_heads": c.agreeing_heads,
                "area_m2": str(c.agreeing_area_m2),
                "households_ratio": _ratio_dict(self.approval_households_ratio),
                "heads_ratio": _ratio_dict(self.approval_heads_ratio),
                "area_ratio": _ratio_dict(self.approval_area_ratio),
            },
            "checks": [
                {
                    "code": ch.code,
                    "stage": ch.stage,
                    "measure": ch.measure,
                    "numerator": str(ch.numerator),
                    "denominator": str(ch.denominator),
                    "ratio": _ratio_dict(ch.ratio),
                    "threshold": _ratio_dict(ch.threshold),
                    "comparison": "≥" if ch.inclusive else ">",
                    "met": ch.met,
                }
                for ch in self.checks
            ],
            "choices": [
                {
                    "choice": t.choice,
                    "households": t.households,
                    "owner_heads": t.owner_heads,
                    "area_m2": str(t.area_m2),
                    **({} if t.borda_points is None else {"borda_points": t.borda_points}),
                }
                for t in self.choices
            ],
            "rounds": [dict(r) for r in self.rounds],
            "leader": self.leader,
            "winner": self.winner,
            "passed": self.passed,
            "outcome": self.outcome,
            "superseded_votes": self.superseded_votes,
            "split_owners": list(self.split_owners),
            "tie_break": self.tie_break,
            "tie": None if self.tie is None else self.tie.to_dict(),
            "partial_owners": [
                {
                    "owner": p.owner,
                    "voted": list(p.voted),
                    "not_voted": list(p.not_voted),
                    "area_m2": str(p.area_m2),
                    "not_voted_area_m2": str(p.not_voted_area_m2),
                }
                for p in self.partial_owners
            ],
            "reasons": self.reasons,
            "reason_codes": [r.to_dict() for r in self.details],
        }


STATUTORY_RULES = ("civil-code-ordinary", "civil-code-special")


@dataclass(frozen=True)
class Decision:
    """The outcome that binds, and the community's own rule beside it (issue 17).

    When the matter is one the law reserves to the owners (art. 278; ``statutory`` is the tally
    under the art. 278 rule, or the ballot's own rule is that rule), the legal outcome binds: a
    local rule that passes while the statutory test fails is the community's consultation
    (协商意见), never the headline. Otherwise the ballot's own rule decides (``basis`` "rule").
    ``missed`` are the binding result's checks that were not met, in order (the first one is the
    headline's reason)."""

    basis: str  # "statutory" or "rule"
    binding: Result
    local: Result

    @property
    def outcome(self) -> str:
        return self.binding.outcome

    @property
    def passed(self) -> bool:
        return self.binding.passed

    @property
    def winner(self) -> str | None:
        return self.binding.winner

    @property
    def local_passed(self) -> bool:
        return self.local.passed

    @property
    def local_outcome(self) -> str:
        return self.local.outcome

    @property
    def missed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.binding.checks if not c.met)

    @property
    def consultation(self) -> Check | None:
        """The local rule's agreement check (shown as 协商意见 "赞成 4/5") when it is not the
        binding result; None when the local rule is the binding one."""
        if self.binding is self.local:
            return None
        approval = [c for c in self.local.checks if c.stage == "approval"]
        return approval[0] if approval else None

    def to_dict(self) -> dict[str, object]:
        c = self.consultation
        return {
            "basis": self.basis,
            "rule": self.binding.rule,
            "passed": self.passed,
            "outcome": self.outcome,
            "winner": self.winner,
            "missed": [
                {
                    "code": ch.code,
                    "ratio": _ratio_dict(ch.ratio),
                    "threshold": _ratio_dict(ch.threshold),
                    "comparison": "≥" if ch.inclusive else ">",
                    "numerator": str(ch.numerator),
                    "denominator": str(ch.denominator),
                }
                for ch in self.missed
            ],
            "local_rule": self.local.rule,
            "local_passed": self.local_passed,
            "local_outcome": self.local_outcome,
            "consultation": None
            if c is None
            else {
                "code": c.code,
                "numerator": str(c.numerator),
                "denominator": str(c.denominator),
                "met": c.met,
            },
            "text": self.text,
        }

    @property
    def text(self) -> str:
        """English headline, e.g. 'NOT PASSED IN LAW — participation by area 58.3 % < 66.7 %'."""
        if self.basis == "statutory":
            head = "PASSED IN LAW" if self.passed else "NOT PASSED IN LAW"
        else:
            head = {"passed": "PASSED", "rejected": "NOT PASSED", "invalid": "INVALID"}[
                self.outcome
            ]
        if self.winner is not None and self.binding.kind != "yes-no":
            head += f" — {self.winner}"
        if self.tie_headline:
            head += " — tie (平票), " + _TIE_WAYS[self.binding.tie_break]
        elif self.missed:
            ch = self.missed[0]
            rt, tt = _compare_texts(ch.ratio, ch.threshold)
            op = "<" if ch.ratio < ch.threshold else "="
            head += f" — {_MEASURE_WORDS.get(ch.code, ch.code)} {rt} % {op} {tt} %"
        return head

    @property
    def tie_headline(self) -> bool:
        """The headline's reason is an unbroken tie (quorum met, the tie named no leader)."""
        b = self.binding
        return b.tie is not None and b.leader is None and b.participation_met


def decide(result: Result, statutory: Result | None = None) -> Decision:
    """Which outcome binds: ``statutory`` when given (a matter the law reserves), else the
    ballot's own ``result`` (statutory itself when its rule is an art. 278 rule)."""
    if statutory is not None:
        return Decision("statutory", statutory, result)
    basis = "statutory" if result.rule in STATUTORY_RULES else "rule"
    return Decision(basis, result, result)


def _outcome(leader: str | None, checks: Sequence[Check]) -> str:
    if not all(c.met for c in checks if c.stage == "participation"):
        return "invalid"
    if leader is not None and all(c.met for c in checks if c.stage == "approval"):
        return "passed"
    return "rejected"


def latest_ballots(votes: Sequence[Vote]) -> tuple[dict[str, Vote], int]:
    """One vote per household: the last one in the list counts. Returns (votes, replaced count)."""
    latest: dict[str, Vote] = {}
    for v in votes:
        latest[v.household_id] = v
    return latest, len(votes) - len(latest)


def tally(
    kind: str | BallotKind,
    rule: Rule,
    electorate: Electorate,
    votes: Sequence[Vote],
    choices: Sequence[str] = (),
    tie_break: str = DEFAULT_TIE_BREAK,
) -> Result:
    """Count ``votes`` of ``electorate`` under ``rule`` for a ballot of ``kind``.

    Raises NotEligible for a vote from a household outside the electorate and InvalidInput for a
    ballot that does not fit the kind or an unknown ``tie_break``. The last vote of a household
    counts.

    On the owner roll (``rule.roll == "owners"``) an owner who voted on some of their units takes
    part with their **whole** exclusive area, as one head (judicial interpretation on
    建筑物区分所有权 arts. 8–9: the owner, not the unit, is the voter; area is the owner's registered
    exclusive area). The units they did not vote on follow their vote when every voting unit chose
    the same; a split owner's unvoted area takes part without agreeing.
    """
    if tie_break not in TIE_BREAKS:
        raise InvalidInput(key="ballot.tie_break", value=tie_break, choices=", ".join(TIE_BREAKS))
    k = make_kind(kind) if isinstance(kind, str) else kind
    opts = k.prepare_choices(choices)
    latest, superseded = latest_ballots(votes)
    ballots: dict[str, Ballot] = {}
    for hid in sorted(latest):
        electorate.household(hid)  # raises NotEligible
        ballots[hid] = k.normalise(latest[hid], opts)
    outcome = k.count(ballots, opts, electorate, tie_break)

    hh = {hid: electorate.household(hid) for hid in ballots}
    # Owner heads: participating if any unit voted; agreeing with a set of households only when
    # every voting unit of that owner is in the set.
    units_of: dict[str, set[str]] = {}
    for hid, h in hh.items():
        units_of.setdefault(h.owner_key, set()).add(hid)
    all_units: dict[str, list[Household]] = {}
    for h in electorate.households:
        all_units.setdefault(h.owner_key, []).append(h)
    owner_roll = rule.roll == "owners"
    unvoted_area = {
        key: sum((h.area_m2 for h in all_units[key] if h.id not in hh), Fraction(0))
        for key in units_of
    }

    def heads_in(group: frozenset[str]) -> int:
        return sum(1 for units in units_of.values() if units <= group)

    def area_of(group: frozenset[str] | set[str]) -> Fraction:
        voted = sum((hh[h].area_m2 for h in group), Fraction(0))
        if not owner_roll:
            return voted
        # an owner whose every voting unit is in the group carries their unvoted units with them
        return voted + sum(
            (unvoted_area[key] for key, units in units_of.items() if units <= group),
            Fraction(0),
        )

    split = tuple(
        sorted(
            key.removeprefix("owner:")
            for key, units in units_of.items()
            if units & outcome.supporters and not units <= outcome.supporters
        )
    )
    partial = tuple(
        PartialOwner(
            owner=key.removeprefix("owner:"),
            voted=tuple(sorted(units_of[key])),
            not_voted=tuple(sorted(h.id for h in all_units[key] if h.id not in hh)),
            area_m2=sum((h.area_m2 for h in all_units[key]), Fraction(0)),
            not_voted_area_m2=unvoted_area[key],
        )
        for key in sorted(units_of)
        if any(h.id not in hh for h in all_units[key])
    )
    participating_area = sum((h.area_m2 for h in hh.values()), Fraction(0))
    if owner_roll:  # every participating owner with their whole exclusive area
        participating_area += sum(unvoted_area.values(), Fraction(0))
    abstaining = frozenset(h for h, b in ballots.items() if not b)
    counts = Counts(
        households=electorate.household_count,
        owner_heads=electorate.owner_heads,
        area_m2=electorate.total_area_m2,
        participating_households=len(ballots),
        participating_heads=len(units_of),
        participating_area_m2=participating_area,
        abstaining_households=len(abstaining),
        agreeing_households=len(outcome.supporters),
        agreeing_heads=heads_in(outcome.supporters),
        agreeing_area_m2=area_of(outcome.supporters),
    )
    checks = rule.checks(counts)
    rows = [*outcome.rows, (ABSTAIN, abstaining)]
    # a split owner's unvoted units take part without a choice: shown with the abstentions
    uncarried = Fraction(0)
    if owner_roll:
        uncarried = sum(
            (
                unvoted_area[key]
                for key, units in units_of.items()
                if not any(units <= group for _c, group in rows)
            ),
            Fraction(0),
        )
    tallies = tuple(
        ChoiceTally(
            choice=c,
            households=len(group),
            owner_heads=heads_in(group),
            area_m2=area_of(group) + (uncarried if c == ABSTAIN else 0),
            borda_points=None if outcome.borda is None else outcome.borda.get(c),
        )
        for c, group in rows
    )
    details: list[Reason] = [_check_reason(ch) for ch in checks]
    details += [_note(code, values) for code, values in outcome.notes]
    if owner_roll:
        details += [_note("split_owner", {"owner": o}) for o in split]
        details += [
            _note(
                "partial_owner",
                {
                    "owner": p.owner,
                    "voted": ", ".join(p.voted),
                    "not_voted": ", ".join(p.not_voted),
                    "area_m2": _num(p.area_m2),
                },
            )
            for p in partial
        ]
    if superseded:
        details.append(_note("superseded", {"count": superseded}))
    summary = _note(
        f"outcome_{_outcome(outcome.leader, checks)}", {"leader": outcome.leader, "rule": rule.name}
    )
    return Result(
        kind=k.name,
        rule=rule.name,
        rule_params=rule.params(),
        rule_source=rule.source,
        counts=counts,
        checks=checks,
        leader=outcome.leader,
        choices=tallies,
        details=(*details, summary),
        rounds=outcome.rounds,
        superseded_votes=superseded,
        split_owners=split,
        tie_break=tie_break,
        tie=outcome.tie,
        partial_owners=partial,
    )


# --------------------------------------------------------------------------------------------
# The same evaluation from sums (the database's GROUP BY), when the sums decide it alone
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceSums:
    """Households and their summed area that cast one ballot content (``ABSTAIN`` = blank)."""

    households: int
    area_m2: Fraction


@dataclass(frozen=True)
class VoteSums:
    """A ballot's votes summed per content (storage/tally_repo.py), for an electorate in which
    no owner holds several units (so every unit is its own head, R2 is trivially met and no
    owner is split or partial)."""

    households: int
    area_m2: Fraction
    by_choice: Mapping[str, ChoiceSums]


def tally_sums(
    kind: str,
    rule: Rule,
    sums: VoteSums,
    choices: Sequence[str] = (),
    tie_break: str = DEFAULT_TIE_BREAK,
) -> Result | None:
    """What :func:`tally` gives for the same votes, from the sums; None when the sums cannot
    decide alone (ranked and approval ballots, a tie for the lead, a content that is not a
    choice of the ballot): then count per household with :func:`tally`.

    >>> s = VoteSums(3, Fraction(300), {"yes": ChoiceSums(2, Fraction(200))})
    >>> r = tally_sums("yes-no", make_rule("simple-majority"), s)
    >>> (r.leader, r.counts.agreeing_households, r.counts.participating_area_m2)
    ('yes', 2, Fraction(200, 1))
    """
    if kind not in ("yes-no", "choose-one"):
        return None
    k = make_kind(kind)
    opts = k.prepare_choices(choices)
    if any(c not in opts and c != ABSTAIN for c in sums.by_choice):
        return None
    zero = ChoiceSums(0, Fraction(0))
    rows = [(c, sums.by_choice.get(c, zero)) for c in opts]
    notes: tuple[tuple[str, dict[str, JsonScalar]], ...] = ()
    if kind == "yes-no":
        leader: str | None = YES
    else:
        most = max((s.households for _c, s in rows), default=0)
        top = [c for c, s in rows if s.households == most]
        if most == 0:
            leader, notes = None, (("no_support", {}),)
        elif len(top) > 1:
            return None  # ties are the domain's to settle, household by household
        else:
            leader = top[0]
    agreeing = dict(rows).get(leader, zero) if leader is not None else zero
    abstaining = sums.by_choice.get(ABSTAIN, zero)
    taking_part = sum(s.households for s in sums.by_choice.values())
    counts = Counts(
        households=sums.households,
        owner_heads=sums.households,
        area_m2=sums.area_m2,
        participating_households=taking_part,
        participating_heads=taking_part,
        participating_area_m2=sum((s.area_m2 for s in sums.by_choice.values()), Fraction(0)),
        abstaining_households=abstaining.households,
        agreeing_households=agreeing.households,
        agreeing_heads=agreeing.households,
        agreeing_area_m2=agreeing.area_m2,
    )
    checks = rule.checks(counts)
    tallies = tuple(
        ChoiceTally(
            choice=c, households=s.households, owner_heads=s.households, area_m2=s.area_m2,
            borda_points=None,
        )
        for c, s in [*rows, (ABSTAIN, abstaining)]
    )  # fmt: skip
    details: list[Reason] = [_check_reason(ch) for ch in checks]
    details += [_note(code, values) for code, values in notes]
    summary = _note(f"outcome_{_outcome(leader, checks)}", {"leader": leader, "rule": rule.name})
    return Result(
        kind=k.name,
        rule=rule.name,
        rule_params=rule.params(),
        rule_source=rule.source,
        counts=counts,
        checks=checks,
        leader=leader,
        choices=tallies,
        details=(*details, summary),
        rounds=(),
        superseded_votes=0,
        split_owners=(),
        tie_break=tie_break,
    )
