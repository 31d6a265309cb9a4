"""Use cases of ballots and household votes (DOMAIN.md §1, R1–R9).

One vote per household per ballot whatever the channel: a UNIQUE(ballot, household) constraint
and ``INSERT … ON CONFLICT DO UPDATE`` (DESIGN.md §5), so concurrent writers end with one row
each. The upsert only replaces a vote of the same family — the household's own (online) or staff's
entries (paper, assisted): a paper or assisted vote for a household that voted online — or the
reverse — becomes a conflict row for staff to settle, both kept, never a silent replacement. Every vote, change, conflict and closing goes to the hash-chained audit log.
A paper vote's ballot number, when given, must be one the meeting pack issued to that household
(``paper_ballot_numbers``); paper votes without a number (assisted entry) stay allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cocreate_map.domain import audit as audit_domain
from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.households import area_text, clean_label
from cocreate_map.domain.metric_catalogue import BALLOT_METRICS
from cocreate_map.domain.voting import (
    ABSTAIN,
    DEFAULT_TIE_BREAK,
    KINDS,
    NO,
    RULES,
    STATUTORY_RULE_FOR_CLASS,
    TIE_BREAKS,
    YES,
    ChoiceSums,
    Decision,
    Electorate,
    Household,
    Result,
    Vote,
    VoteSums,
    decide,
    make_kind,
    make_rule,
    tally,
    tally_sums,
)
from cocreate_map.errors import (
    BallotClosed,
    CocreateError,
    ImportFormatError,
    InvalidInput,
    InvalidTransition,
    NotEligible,
    NotFound,
    PermissionDenied,
    at_line,
    first_errors,
)
from cocreate_map.services import audit
from cocreate_map.services.access import EDITORS, EVERY_STAFF, require_reader, require_staff
from cocreate_map.services.audit import (
    audit_head,
    chain_id_of,
    lock_chain,
    record,
)
from cocreate_map.services.households import households_of, read_table
from cocreate_map.services.options import compare_options, list_options, option_map_data
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage import tally_repo, votes_repo
from cocreate_map.storage.ballot_tables import (
    AuditRow,
    BallotRow,
    HouseholdRow,
    PaperBallotNumberRow,
    VoteConflictRow,
    VoteHistoryRow,
    VoteRow,
)
from cocreate_map.storage.tables import CommunityRow, utcnow

CHANNELS = ("online", "paper", "assisted")
MATTER_CLASSES = ("ordinary", "special", "consultative")
PAPER_WORDS = {
    "同意": YES,
    "赞成": YES,
    "yes": YES,
    "反对": NO,
    "不同意": NO,
    "no": NO,
    "弃权": ABSTAIN,
    "abstain": ABSTAIN,
}


# ---------------------------------------------------------------- times


# ---------------------------------------------------------------- options of a ballot

# The key metrics a voter sees for an option (domain.metric_catalogue).
OPTION_KEY_METRICS = BALLOT_METRICS


@dataclass(frozen=True)
class OptionRuleAdvice:
    """The rule an option ballot takes by default, and why (DOMAIN.md R14a, §0.2)."""

    rule: str  # civil-code-special or civil-code-ordinary
    change_of_use: tuple[str, ...]  # options that lose green (change of use of common parts)
    reasons: tuple[tuple[str, str], ...]  # (option, reason code) from the options service


def check_options(session: Session, slug: str, names: Sequence[str]) -> list[str]:
    """The cleaned option names, each an option of this community (else one clear error)."""

    known = [o.name for o in list_options(session, slug)]
    clean = [n.strip() for n in names if n.strip()]
    unknown = [n for n in clean if n not in known]
    if unknown:
        raise InvalidInput(
            key="ballots.unknown_options" if known else "ballots.unknown_options_none_yet",
            names=", ".join(map(repr, unknown)),
            slug=slug,
            known=", ".join(known),
        )
    if len(set(clean)) != len(clean):
        raise InvalidInput(key="ballots.option_listed_twice", items=", ".join(clean))
    if not clean:
        raise InvalidInput(key="ballots.name_least_one_layout")
    return clean


def rule_for_options(session: Session, slug: str, names: Sequence[str]) -> OptionRuleAdvice:
    """civil-code-special when an option changes the use of common parts (it loses green, or
    adds an e-bike shed on common land), else civil-code-ordinary."""

    names = check_options(session, slug, names)
    cmp = compare_options(session, slug, names)["options"]
    reasons = tuple(
        (n, str(code)) for n in names for code in cmp[n].get("special_majority_reasons") or ()
    )
    special = any(cmp[n]["ballot_rule_default"] == "civil-code-special" for n in names)
    return OptionRuleAdvice(
        rule="civil-code-special" if special or reasons else "civil-code-ordinary",
        change_of_use=tuple(n for n in names if cmp[n].get("change_of_use")),
        reasons=reasons,
    )


@dataclass(frozen=True)
class OptionPreview:
    """What a voter sees behind "see the option": the map and key metrics against today."""

    name: str
    description: str
    metrics: dict[str, Any]  # option_metrics of the option
    today: dict[str, Any]  # option_metrics of today's plan
    map_data: Any  # services.options.OptionMapData

    def key_metrics(self) -> list[tuple[str, Any, Any]]:
        """(metric, today, option) for OPTION_KEY_METRICS; violations as counts."""
        out = []
        for key in OPTION_KEY_METRICS:
            before, after = self.today.get(key), self.metrics.get(key)
            if key == "violations":
                before, after = len(before or []), len(after or [])
            out.append((key, before, after))
        return out


def option_preview(session: Session, ballot_id: int, name: str) -> OptionPreview:
    """The linked option ``name`` of a ballot, as it stands now."""

    ballot = get_ballot(session, ballot_id)
    if name not in (ballot.options or []):
        raise InvalidInput(
            key="ballots.option_not_linked",
            ballot_id=ballot_id,
            name=name,
            linked=", ".join(ballot.options or []) or "-",
        )
    community = session.get(CommunityRow, ballot.community_id)
    assert community is not None
    infos = {o.name: o for o in list_options(session, community.slug)}
    if name not in infos:
        raise NotFound(key="ballots.option_was_deleted_after", name=name)
    cmp = compare_options(session, community.slug, [name])
    return OptionPreview(
        name=name,
        description=infos[name].description,
        metrics=cmp["options"][name],
        today=cmp["base"],
        map_data=option_map_data(session, community.slug, name),
    )


# ---------------------------------------------------------------- ballots


def status(ballot: BallotRow | BallotInfo, now: datetime | None = None) -> str:
    """``draft`` (not open yet), ``open`` or ``closed`` — derived from the timestamps."""
    now = now or utcnow()
    if ballot.closed_at is not None or (ballot.closes_at is not None and now >= ballot.closes_at):
        return "closed"
    if ballot.opens_at is None or now < ballot.opens_at:
        return "draft"
    return "open"


def get_ballot(session: Session, ballot_id: int) -> BallotRow:
    row = session.get(BallotRow, ballot_id)
    if row is None:
        raise NotFound(key="ballots.ballot_list_ballots_staff", ballot_id=ballot_id)
    return row


@dataclass(frozen=True)
class BallotInfo:
    """A ballot as pages read it: plain values, and its status when it was read."""

    id: int
    community_id: int
    title: str
    description: str
    kind: str
    rule: str
    matter_class: str
    choices: tuple[str, ...]
    options: tuple[str, ...]  # the layout options it decides on
    opens_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    show_running: bool
    e_voting_recognised: bool
    status: str  # draft | open | closed (see :func:`status`)


def ballot_info(row: BallotRow, now: datetime | None = None) -> BallotInfo:
    return BallotInfo(
        id=row.id,
        community_id=row.community_id,
        title=row.title,
        description=row.description or "",
        kind=row.kind,
        rule=row.rule,
        matter_class=row.matter_class,
        choices=tuple(row.choices or ()),
        options=tuple(row.options or ()),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        show_running=bool(row.show_running),
        e_voting_recognised=bool(row.e_voting_recognised),
        status=status(row, now),
    )


@dataclass(frozen=True)
class BallotsOverview:
    """What the ballots staff page lists: each ballot with its votes and open conflicts.
    ``read_only``: a district admin overseeing the community (no forms)."""

    read_only: bool
    ballots: list[BallotInfo]
    votes: dict[int, int]
    open_conflicts: dict[int, int]


def staff_overview(
    session: Session, who: StaffIdentity | None, slug: str, now: datetime | None = None
) -> BallotsOverview:
    """The ballots staff view, for the community's admins and planners or its district's admin."""
    community = repo.community_by_slug(session, slug)
    read_only = require_reader(who, community.id, community.district, EDITORS, action="ballots")
    ballots = ballot_infos(session, slug, now)
    return BallotsOverview(
        read_only=read_only,
        ballots=ballots,
        votes={b.id: vote_count(session, b.id) for b in ballots},
        open_conflicts={b.id: len(conflicts(session, b.id)) for b in ballots},
    )


def ballot_infos(session: Session, slug: str, now: datetime | None = None) -> list[BallotInfo]:
    """The community's ballots, newest first, as :class:`BallotInfo` (for pages)."""
    return [ballot_info(b, now) for b in list_ballots(session, slug)]


def household_ballot_infos(
    session: Session, household_id: int, now: datetime | None = None
) -> list[BallotInfo]:
    """:func:`ballots_for_household` as :class:`BallotInfo` (for pages)."""
    return [ballot_info(b, now) for b in ballots_for_household(session, household_id, now)]


def list_ballots(session: Session, slug: str) -> list[BallotRow]:
    community = repo.community_by_slug(session, slug)
    return list(
        session.scalars(
            select(BallotRow)
            .where(BallotRow.community_id == community.id)
            .order_by(BallotRow.id.desc())
        )
    )


def _in_electorate(ballot: BallotRow, h: HouseholdRow) -> bool:
    if h.community_id != ballot.community_id:
        return False
    buildings = ballot.electorate.get("buildings") or []
    units = ballot.electorate.get("units") or []
    if not buildings and not units:
        return True
    return h.building in buildings or [h.building, h.unit] in units


def electorate_rows(session: Session, ballot: BallotRow) -> list[HouseholdRow]:
    return [h for h in households_of(session, ballot.community_id) if _in_electorate(ballot, h)]


def _parse_units(units: Sequence[str]) -> list[list[str]]:
    out = []
    for u in units:
        parts = [clean_label(p) for p in u.replace("/", "-").split("-")]
        if len(parts) != 2 or not all(parts):
            raise InvalidInput(key="ballots.unit_given_building_unit", u=u)
        out.append(parts)
    return out


YES_NO_WORDS = (
    {"同意", "赞成", "yes", "agree", "for"},
    {"反对", "不同意", "no", "disagree", "against"},
    {"弃权", "abstain", "abstention"},
)


def is_yes_no(choices: Sequence[str]) -> bool:
    """True when the choices are yes and no (and abstain), in either language: such a ballot
    is a yes/no/abstain ballot, whose abstentions count as the rules say."""
    words = [unicodedata.normalize("NFKC", c).strip().lower() for c in choices if c.strip()]
    if len(words) not in (2, 3) or len(set(words)) != len(words):
        return False
    found = [next((i for i, group in enumerate(YES_NO_WORDS) if w in group), None) for w in words]
    return None not in found and sorted(found) in ([0, 1], [0, 1, 2])  # type: ignore[type-var]


def create_ballot(
    session: Session,
    slug: str,
    title: str,
    rule: str | None,
    params: dict[str, str] | None = None,
    choices: Sequence[str] = (),
    kind: str | None = None,
    options: Sequence[str] = (),
    advice: OptionRuleAdvice | None = None,
    buildings: Sequence[str] = (),
    units: Sequence[str] = (),
    matter_class: str | None = None,
    description: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    show_running: bool = True,
    e_voting_recognised: bool = False,
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
    tie_break: str = DEFAULT_TIE_BREAK,
) -> BallotRow:
    """A new ballot, open from ``opens_at`` (default: now).

    ``tie_break`` is how a tie (平票) will be settled, declared now and never changed: no
    winner and a second round (default), the larger area, or lots drawn in public.

    With ``options`` (layout options of the community) the choices are those options (kind
    choose-one by default; a yes-no ballot links exactly one option, "adopt option B?"). The
    rule may then be None: ``rule_for_options`` picks civil-code-special when an option changes
    the use of common parts, and the matter class becomes "special" so the statutory check is
    shown whatever the rule. ``advice`` passes a ``rule_for_options`` computed already."""
    now = now or utcnow()
    community = repo.community_by_slug(session, slug)
    actor = require_staff(who, community.id, action="ballot.create").actor
    if not title.strip():
        raise InvalidInput(key="ballots.ballot_needs_question_e")
    linked: list[str] = []
    if options:
        linked = check_options(session, slug, options)
        if any(c.strip() for c in choices):
            raise InvalidInput(key="ballots.give_either_choices_options")
        kind = kind or ("yes-no" if len(linked) == 1 else "choose-one")
        if kind == "yes-no" and len(linked) != 1:
            raise InvalidInput(key="ballots.yes_ballot_adopts_one", n_linked=len(linked))
        advice = advice or rule_for_options(session, slug, linked)
        rule = rule or advice.rule
        if matter_class is None and advice.rule == "civil-code-special":
            matter_class = "special"
        choices = [] if kind == "yes-no" else linked
    if rule is None:
        raise InvalidInput(key="ballots.choose_rule_only_ballot", items=", ".join(RULES))
    rule_obj = make_rule(rule, params or {})
    if tie_break not in TIE_BREAKS:
        raise InvalidInput(key="ballot.tie_break", value=tie_break, choices=", ".join(TIE_BREAKS))
    if kind in (None, "choose-one") and is_yes_no(choices):
        kind, choices = "yes-no", []  # 同意/反对/弃权 typed as choices is a yes/no/abstain ballot
    kind = kind or ("choose-one" if choices else "yes-no")
    if kind not in KINDS:
        raise InvalidInput(
            key="ballots.unknown_ballot_kind_choose", kind=kind, items=", ".join(KINDS)
        )
    clean_choices = [c.strip() for c in choices if c.strip()]
    prepared = list(make_kind(kind).prepare_choices(clean_choices))
    if matter_class is None:
        matter_class = {"civil-code-ordinary": "ordinary", "civil-code-special": "special"}.get(
            rule, "consultative"
        )
    if matter_class not in MATTER_CLASSES:
        raise InvalidInput(
            key="ballots.matter_class_must_one",
            items=", ".join(MATTER_CLASSES),
            matter_class=matter_class,
        )
    opens = opens_at or now
    if closes_at is not None and closes_at <= opens:
        raise InvalidInput(key="ballots.ballot_must_close_after", opens=china_time(opens))
    ballot = BallotRow(
        community_id=community.id,
        title=title.strip(),
        description=description.strip(),
        kind=kind,
        rule=rule_obj.name,
        rule_params=rule_obj.params(),
        choices=prepared,
        options=linked,
        electorate={
            "buildings": sorted({clean_label(b) for b in buildings if clean_label(b)}),
            "units": _parse_units(units),
        },
        matter_class=matter_class,
        opens_at=opens,
        closes_at=closes_at,
        closed_at=None,
        show_running=show_running,
        e_voting_recognised=e_voting_recognised,
        created_at=now,
        tie_break=tie_break,
    )
    session.add(ballot)
    session.flush()
    voters = electorate_rows(session, ballot)
    if not voters:
        known = sorted({h.building for h in households_of(session, community.id)})
        raise InvalidInput(
            key="ballots.empty_electorate" if known else "ballots.empty_electorate_no_register",
            buildings=", ".join(known),
            slug=slug,
        )
    record(
        session,
        community.id,
        actor,
        "ballot.create",
        {
            "ballot_id": ballot.id,
            "title": ballot.title,
            "kind": kind,
            "rule": ballot.rule,
            "rule_params": ballot.rule_params,
            "choices": prepared,
            "options": linked,
            "rule_from_options": [list(r) for r in advice.reasons] if linked and advice else [],
            "electorate": ballot.electorate,
            "electorate_households": len(voters),
            "matter_class": matter_class,
            "tie_break": tie_break,
        },
        now,
    )
    return ballot


def close_ballot(
    session: Session, ballot_id: int, *, who: StaffIdentity | None, now: datetime | None = None
) -> BallotResult:
    """Close now: later votes are refused; the result at closing goes into the audit log."""
    now = now or utcnow()
    ballot = get_ballot(session, ballot_id)
    actor = require_staff(who, ballot.community_id, action="ballot.close").actor
    lock_chain(session, ballot.community_id)
    session.refresh(ballot)
    if ballot.closed_at is not None:
        raise InvalidTransition(
            key="ballots.ballot_was_closed_already",
            ballot_id=ballot_id,
            closed_at=china_time(ballot.closed_at),
        )
    ballot.closed_at = (
        now if ballot.closes_at is None or now < ballot.closes_at else ballot.closes_at
    )
    session.flush()
    result = tally_ballot(session, ballot_id, now)
    r = result.result
    d = result.decision
    record(
        session,
        ballot.community_id,
        actor,
        "ballot.close",
        {
            "ballot_id": ballot.id,
            "outcome": d.outcome,
            "passed": d.passed,
            "winner": d.winner,
            "basis": d.basis,
            "local_outcome": d.local_outcome,
            "local_passed": d.local_passed,
            "tie": None if d.binding.tie is None else d.binding.tie.to_dict(),
            "participating_households": r.counts.participating_households,
            "participating_area_m2": str(r.counts.participating_area_m2),
        },
        now,
    )

    audit.checkpoint(
        session, ballot.community_id, chain_id_of(session, ballot.community_id), "close"
    )
    result.audit_head = audit_head(session, ballot.community_id)
    return result


# ---------------------------------------------------------------- votes


@dataclass(frozen=True)
class CastResult:
    status: str  # "recorded", "changed" or "conflict"
    ballot_id: int
    household_id: int
    choice: Any
    channel: str
    cast_at: datetime
    changeable_until: datetime | None


def _validate_choice(ballot: BallotRow, choice: Any) -> Any:
    if isinstance(choice, tuple):
        choice = list(choice)
    if isinstance(choice, str):
        choice = choice.strip()
        if ballot.kind == "yes-no":
            choice = PAPER_WORDS.get(choice.lower(), PAPER_WORDS.get(choice, choice))
        elif choice in PAPER_WORDS and PAPER_WORDS[choice] == ABSTAIN:
            choice = ABSTAIN
    kind = make_kind(ballot.kind)
    kind.normalise(Vote("check", choice), tuple(ballot.choices))  # raises InvalidInput
    return choice


def _open_or_raise(ballot: BallotRow, now: datetime) -> None:
    st = status(ballot, now)
    if st == "closed":
        when = ballot.closed_at or ballot.closes_at
        raise BallotClosed(
            key="ballots.ballot_closed_china_time",
            id=ballot.id,
            title=ballot.title,
            when=china_time(when),
        )
    if st == "draft":
        raise BallotClosed(
            key="ballots.not_open_yet_opens" if ballot.opens_at else "ballots.not_open_yet",
            id=ballot.id,
            title=ballot.title,
            opens=china_time(ballot.opens_at) if ballot.opens_at else "",
        )


# ---------------------------------------------------------------- paper ballot numbers


def clean_ballot_no(value: object) -> str | None:
    """A ballot number as typed or read from a file: full-width forms folded (NFKC), trimmed,
    upper-case, so "ｂ7－0001 " is B7-0001; None when empty."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().upper()
    return text or None


def issued_ballot_numbers(session: Session, ballot_id: int) -> dict[str, int]:
    """{ballot number: household id} of the paper ballots printed for a ballot."""
    rows = session.execute(
        select(PaperBallotNumberRow.ballot_no, PaperBallotNumberRow.household_id).where(
            PaperBallotNumberRow.ballot_id == ballot_id
        )
    ).all()
    return {no: hid for no, hid in rows}


def _ballot_no_error(
    session: Session, ballot: BallotRow, household: HouseholdRow, no: str, owner: int | None
) -> InvalidInput | None:
    """Why ``no`` is not a number issued to ``household`` (``owner``: whom it was issued to)."""
    if owner == household.id:
        return None
    if owner is not None:
        other = session.get(HouseholdRow, owner)
        return InvalidInput(
            key="ballots.ballot_no_other_household",
            no=no,
            other=other.label if other is not None else owner,
            household=household.label,
        )
    numbers = list(
        session.scalars(
            select(PaperBallotNumberRow.ballot_no)
            .where(PaperBallotNumberRow.ballot_id == ballot.id)
            .order_by(PaperBallotNumberRow.id)
        )
    )
    if not numbers:
        return InvalidInput(key="ballots.ballot_no_never_printed", no=no, id=ballot.id)
    return InvalidInput(
        key="ballots.ballot_no_not_issued",
        no=no,
        id=ballot.id,
        n=len(numbers),
        first=numbers[0],
        last=numbers[-1],
    )


def cast_vote(
    session: Session,
    ballot_id: int,
    household_id: int,
    choice: Any,
    channel: str = "online",
    ballot_no: str | None = None,
    now: datetime | None = None,
    who: StaffIdentity | None = None,
) -> CastResult:
    """Record one household's vote; the last one counts, every one is kept in the history.
    A ``ballot_no`` must have been issued to this household by the meeting pack.

    Online votes are the signed-in household's own (``who`` None); paper and assisted votes are
    entered by staff (``who``; a building chief for the households of their buildings)."""
    now = now or utcnow()
    if channel not in CHANNELS:
        raise InvalidInput(
            key="ballots.channel_must_one", items=", ".join(CHANNELS), channel=channel
        )
    ballot = get_ballot(session, ballot_id)
    _open_or_raise(ballot, now)
    household = session.get(HouseholdRow, household_id)
    if household is None or not _in_electorate(ballot, household):
        where = household.label if household is not None else f"id {household_id}"
        raise NotEligible(
            key="ballots.household_electorate_ballot_check",
            where=where,
            ballot_id=ballot_id,
            title=ballot.title,
        )
    value = _validate_choice(ballot, choice)
    ballot_no = clean_ballot_no(ballot_no)
    if ballot_no is not None:
        owner = session.scalar(
            select(PaperBallotNumberRow.household_id).where(
                PaperBallotNumberRow.ballot_id == ballot_id,
                PaperBallotNumberRow.ballot_no == ballot_no,
            )
        )
        problem = _ballot_no_error(session, ballot, household, ballot_no, owner)
        if problem is not None:
            raise problem
    if channel == "online" and who is None:
        actor = f"household:{household_id}"
    else:
        actor = require_staff(
            who, ballot.community_id, EVERY_STAFF, building=household.building, action="vote.paper"
        ).actor
    # What the chain append needs of the community, read before the first write (the re-read
    # below, under the lock, makes sure it still holds).
    audit.prepare_append(session, ballot.community_id)
    # The vote row first, the chain lock last (in ``record``): concurrent voters of a community
    # wait for each other only for the chain append and the commit (issue 16.4). Every writer
    # that touches vote rows takes them before the chain lock, so the order is one: no deadlock.
    casts = votes_repo.upsert_vote(
        session,
        ballot_id=ballot_id,
        household_id=household_id,
        choice=value,
        channel=channel,
        ballot_no=ballot_no,
        cast_at=now,
    )
    payload = {
        "ballot_id": ballot_id,
        "household_id": household_id,
        "household": household.label,
        "choice": value,
        "channel": channel,
        "ballot_no": ballot_no,
    }
    if casts is None:
        session.add(
            VoteConflictRow(
                ballot_id=ballot_id,
                household_id=household_id,
                choice=value,
                channel=channel,
                ballot_no=ballot_no,
                actor=actor,
                created_at=now,
            )
        )
        record(session, ballot.community_id, actor, "vote.conflict", payload, now)
        state = "conflict"
    else:
        session.add(
            VoteHistoryRow(
                ballot_id=ballot_id,
                household_id=household_id,
                choice=value,
                channel=channel,
                ballot_no=ballot_no,
                actor=actor,
                cast_at=now,
            )
        )
        record(session, ballot.community_id, actor, "vote.cast", payload, now)
        state = "recorded" if casts == 1 else "changed"
    # Re-read the closing time and the archive mark under the chain lock (taken by ``record``;
    # a close and an archive take it too): one that committed meanwhile wins, and this vote
    # with its entry is rolled back. Any close counts, whatever this vote's time: the close
    # has logged the result without this vote, which must not change it afterwards.
    closed_at, archived = votes_repo.closing_state(session, ballot_id)
    if archived is not None:
        raise PermissionDenied(key="imports.archived_read_only", name=archived)
    if closed_at is not None:
        raise BallotClosed(
            key="ballots.ballot_closed_china_time_2",
            ballot_id=ballot_id,
            title=ballot.title,
            closed_at=china_time(closed_at),
        )
    session.flush()
    return CastResult(state, ballot_id, household_id, value, channel, now, ballot.closes_at)


@dataclass(frozen=True)
class MyVote:
    choice: Any
    channel: str
    cast_at: datetime
    casts: int


def my_vote(session: Session, ballot_id: int, household_id: int) -> MyVote | None:
    row = session.scalar(
        select(VoteRow).where(VoteRow.ballot_id == ballot_id, VoteRow.household_id == household_id)
    )
    if row is None:
        return None
    return MyVote(row.choice, row.channel, row.cast_at, row.casts)


def ballots_for_household(
    session: Session, household_id: int, now: datetime | None = None
) -> list[BallotRow]:
    """Ballots this household may vote on or see, open ones first."""
    h = session.get(HouseholdRow, household_id)
    if h is None:
        raise NotFound(key="ballots.household_longer_exists_join", household_id=household_id)
    rows = session.scalars(
        select(BallotRow)
        .where(BallotRow.community_id == h.community_id)
        .order_by(BallotRow.id.desc())
    )
    mine = [b for b in rows if _in_electorate(b, h) and status(b, now) != "draft"]
    return sorted(mine, key=lambda b: status(b, now) != "open")


def history(session: Session, ballot_id: int, household_id: int) -> list[VoteHistoryRow]:
    return list(
        session.scalars(
            select(VoteHistoryRow)
            .where(
                VoteHistoryRow.ballot_id == ballot_id, VoteHistoryRow.household_id == household_id
            )
            .order_by(VoteHistoryRow.id)
        )
    )


def conflicts(session: Session, ballot_id: int, open_only: bool = True) -> list[VoteConflictRow]:
    stmt = select(VoteConflictRow).where(VoteConflictRow.ballot_id == ballot_id)
    if open_only:
        stmt = stmt.where(VoteConflictRow.resolved_at.is_(None))
    return list(session.scalars(stmt.order_by(VoteConflictRow.id)))


def resolve_conflict(
    session: Session,
    conflict_id: int,
    take_this: bool,
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> None:
    """Staff settle a conflict: keep the counted vote, or count this (paper) one instead."""
    now = now or utcnow()
    c = session.get(VoteConflictRow, conflict_id)
    if c is None:  # (or another community's: storage/scope.py)
        raise NotFound(key="ballots.conflict_does_exist_settled", conflict_id=conflict_id)
    if c.resolved_at is not None:
        raise InvalidTransition(key="ballots.conflict_does_exist_settled", conflict_id=conflict_id)
    ballot = get_ballot(session, c.ballot_id)
    actor = require_staff(who, ballot.community_id, action="vote.conflict").actor
    _open_or_raise(ballot, now)
    if take_this:  # the vote row before the chain lock (taken by ``record``), as cast_vote does
        session.execute(
            update(VoteRow)
            .where(VoteRow.ballot_id == c.ballot_id, VoteRow.household_id == c.household_id)
            .values(
                choice=c.choice,
                channel=c.channel,
                ballot_no=c.ballot_no,
                cast_at=now,
                casts=VoteRow.casts + 1,
            )
        )
        session.add(
            VoteHistoryRow(
                ballot_id=c.ballot_id,
                household_id=c.household_id,
                choice=c.choice,
                channel=c.channel,
                ballot_no=c.ballot_no,
                actor=actor,
                cast_at=now,
            )
        )
    c.resolved_at = now
    c.resolution = "took-this" if take_this else "kept-existing"
    session.flush()
    record(
        session,
        ballot.community_id,
        actor,
        "conflict.resolve",
        {
            "conflict_id": c.id,
            "ballot_id": c.ballot_id,
            "household_id": c.household_id,
            "resolution": c.resolution,
            "choice": c.choice,
            "channel": c.channel,
        },
        now,
    )


def _split_multi(text: str) -> list[str]:
    for sep in ("|", "；", ";", "、", "/"):
        text = text.replace(sep, "|")
    return [p.strip() for p in text.split("|") if p.strip()]


@dataclass
class PaperImport:
    recorded: int
    changed: int
    conflicts: int


def import_paper_votes(
    session: Session,
    ballot_id: int,
    path: Path,
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> PaperImport:
    """Paper ballots from CSV/XLSX (building, unit, room, choice[, ballot_no]); all or nothing.
    A ballot number, when given, must be the one the meeting pack issued to that household."""
    now = now or utcnow()
    ballot = get_ballot(session, ballot_id)
    require_staff(who, ballot.community_id, action="vote.import")
    _open_or_raise(ballot, now)
    rows = read_table(path)
    aliases = {
        "选择": "choice",
        "意见": "choice",
        "表决": "choice",
        "选票编号": "ballot_no",
        "票号": "ballot_no",
    }
    rows = [(ln, {aliases.get(k, k): v for k, v in r.items()}) for ln, r in rows]
    if not rows:
        raise ImportFormatError(key="ballots.header_but_rows", path_name=path.name)
    missing = [c for c in ("building", "unit", "room", "choice") if c not in rows[0][1]]
    if missing:
        raise ImportFormatError(
            key="ballots.lacks_column_s_expected", path_name=path.name, items=", ".join(missing)
        )
    by_room = {(h.building, h.unit, h.room): h for h in households_of(session, ballot.community_id)}
    issued = issued_ballot_numbers(session, ballot_id)
    errors: list[CocreateError] = []
    seen: dict[int, int] = {}
    planned: list[tuple[HouseholdRow, Any, str | None]] = []
    for line, r in rows:
        key = tuple(clean_label(r.get(k)) for k in ("building", "unit", "room"))
        h = by_room.get(key)  # type: ignore[arg-type]
        if h is None:
            errors.append(
                at_line(line, InvalidInput(key="ballots.no_such_household", room="-".join(key)))
            )
            continue
        if not _in_electorate(ballot, h):
            errors.append(
                at_line(line, InvalidInput(key="ballots.not_in_electorate", room=h.label))
            )
            continue
        if h.id in seen:
            errors.append(
                at_line(
                    line,
                    InvalidInput(key="ballots.household_again", room=h.label, first=seen[h.id]),
                )
            )
            continue
        raw = str(r.get("choice") or "").strip()
        choice: Any = _split_multi(raw) if ballot.kind in ("approval", "ranked") else raw
        if (
            ballot.kind in ("approval", "ranked")
            and raw in PAPER_WORDS
            and PAPER_WORDS[raw] == ABSTAIN
        ):
            choice = ABSTAIN
        try:
            choice = _validate_choice(ballot, choice)
        except InvalidInput as exc:
            errors.append(at_line(line, exc))
            continue
        no = clean_ballot_no(r.get("ballot_no"))
        if no is not None:
            problem = _ballot_no_error(session, ballot, h, no, issued.get(no))
            if problem is not None:
                errors.append(at_line(line, problem))
                continue
        seen[h.id] = line
        planned.append((h, choice, no))
    if errors:
        shown = first_errors(errors)
        raise InvalidInput(
            key="ballots.bad_line_s_vote", n_errors=len(errors), path_name=path.name, shown=shown
        )
    out = PaperImport(0, 0, 0)
    for h, choice, no in planned:
        res = cast_vote(session, ballot_id, h.id, choice, "paper", no, now, who=who)
        if res.status == "recorded":
            out.recorded += 1
        elif res.status == "changed":
            out.changed += 1
        else:
            out.conflicts += 1
    return out


# ---------------------------------------------------------------- tally


@dataclass(frozen=True)
class BuildingTurnout:
    building: str
    households: int
    voted: int
    area_m2: Fraction
    voted_area_m2: Fraction


@dataclass(frozen=True)
class RoundRow:
    choice: str
    votes: int
    status: str  # "eliminated", "elected" or ""


@dataclass(frozen=True)
class IrvRound:
    number: int
    rows: list[RoundRow]
    exhausted: int  # ballots with no continuing choice left


@dataclass
class BallotResult:
    ballot_id: int
    title: str
    kind: str
    status: str
    matter_class: str
    choices: list[str]
    opens_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    result: Result
    statutory: Result | None
    consultative: bool
    channels: dict[str, int]
    turnout: list[BuildingTurnout]
    register_changes: list[dict[str, Any]] = field(default_factory=list)
    open_conflicts: int = 0
    audit_head: str = audit_domain.GENESIS
    community_name: str = ""
    community_slug: str = ""
    options: list[str] = field(default_factory=list)  # linked layout options
    tie_break: str = DEFAULT_TIE_BREAK
    # owners of several units who voted on some only (warn staff before the close; issue 17.3):
    # {"owner", "voted": ["1-1-401"], "not_voted": [...], "area_m2"}
    partial_owners: list[dict[str, Any]] = field(default_factory=list)

    @property
    def decision(self) -> Decision:
        """The outcome that binds (the statutory one for a matter the law reserves)."""
        return decide(self.result, self.statutory)

    @property
    def passed(self) -> bool:
        return self.decision.passed

    def irv_rounds(self) -> list[IrvRound]:
        """The instant-runoff rounds of a ranked ballot (empty for other kinds)."""
        out = []
        for i, rec in enumerate(self.result.rounds, 1):
            elected = rec.get("_elected")
            keys = [str(k) for k in rec if not str(k).startswith("_")]
            gone = str(rec.get("_eliminated") or "")
            # several choices tied for last place go together ("C, D")
            eliminated = {k for k in keys if k == gone or k in gone.split(", ")} if gone else set()
            rows = [
                RoundRow(
                    str(k),
                    int(v or 0),
                    "eliminated" if k in eliminated else "elected" if k == elected else "",
                )
                for k, v in rec.items()
                if not str(k).startswith("_")
            ]
            out.append(IrvRound(i, rows, int(rec.get("_exhausted") or 0)))
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = self.result.to_dict()
        decision = self.decision
        d.update(
            {
                # the outcome that binds; the ballot's own rule's outcome has its own keys
                "passed": decision.passed,
                "outcome": decision.outcome,
                "winner": decision.winner,
                "local_passed": decision.local_passed,
                "local_outcome": decision.local_outcome,
                "decision": decision.to_dict(),
                "ballot": {
                    "id": self.ballot_id,
                    "title": self.title,
                    "status": self.status,
                    "matter_class": self.matter_class,
                    "choices": self.choices,
                    "options": self.options,
                    "opens_at": _iso(self.opens_at),
                    "closes_at": _iso(self.closes_at),
                    "closed_at": _iso(self.closed_at),
                    "community": self.community_slug,
                    "tie_break": self.tie_break,
                },
                "consultative": self.consultative,
                "statutory": None if self.statutory is None else self.statutory.to_dict(),
                "channels": self.channels,
                "turnout_by_building": [
                    {
                        "building": t.building,
                        "households": t.households,
                        "voted": t.voted,
                        "area_m2": str(t.area_m2),
                        "voted_area_m2": str(t.voted_area_m2),
                    }
                    for t in self.turnout
                ],
                "register_changes": self.register_changes,
                "partial_owners": self.partial_owners,
                "open_conflicts": self.open_conflicts,
                "audit_head": self.audit_head,
            }
        )
        out: dict[str, Any] = _decimal_areas(d)
        return out


def _decimal_areas(value: Any, key: str = "") -> Any:
    """'760553/100' → '7605.53' under every *area_m2 key (exact: register areas have 2 decimals)."""
    if isinstance(value, dict):
        return {k: _decimal_areas(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimal_areas(v, key) for v in value]
    if isinstance(value, str) and key.endswith("area_m2"):
        f = Fraction(value)
        if (f * 100).denominator == 1:
            return area_text(f)
    return value


def _iso(d: datetime | None) -> str | None:
    return None if d is None else d.isoformat(timespec="seconds")


def _building_key(b: str) -> tuple[int, str]:
    return (int(b), b) if b.isdigit() else (10**9, b)


def _sums(session: Session, ballot: BallotRow) -> tuple[VoteSums, tally_repo.BallotSums] | None:
    """The ballot's votes as SQL sums (storage/tally_repo.py), or None when only a count per
    household is exact: an owner with several units in the electorate (R2 at work), an area
    not stored as "digits.dd", a vote from outside the electorate, a content that is not text."""
    where = tally_repo.electorate_filter(
        ballot.community_id,
        ballot.electorate.get("buildings") or [],
        ballot.electorate.get("units") or [],
    )
    found = tally_repo.ballot_sums(session, ballot.id, where)
    if found.households == 0 or found.malformed_areas or found.multi_unit_owners:
        return None
    if found.votes_outside:
        return None
    by_choice: dict[str, ChoiceSums] = {}
    for row in found.by_choice:
        if not isinstance(row.choice, str):
            return None
        by_choice[row.choice] = ChoiceSums(row.households, Fraction(row.area_cents, 100))
    sums = VoteSums(found.households, Fraction(found.area_cents, 100), by_choice)
    return sums, found


def _by_household(session: Session, ballot: BallotRow, rules: Sequence[str]) -> tuple[
    list[Result], dict[str, int], list[BuildingTurnout]
]:  # fmt: skip
    """Every rule's result, channels and turnout, counted household by household."""
    voters = electorate_rows(session, ballot)
    electorate = Electorate(
        tuple(
            Household(str(h.id), h.building, h.unit, h.room, Fraction(h.area_m2), h.owner_id)
            for h in voters
        )
    )
    vote_rows = list(
        session.scalars(select(VoteRow).where(VoteRow.ballot_id == ballot.id).order_by(VoteRow.id))
    )
    votes = [Vote(str(v.household_id), v.choice) for v in vote_rows]
    choices = ballot.choices if ballot.kind != "yes-no" else ()
    tie_break = ballot.tie_break or DEFAULT_TIE_BREAK
    results = [
        tally(ballot.kind, make_rule(name, ballot.rule_params if i == 0 else None), electorate,
              votes, choices, tie_break=tie_break)
        for i, name in enumerate(rules)
    ]  # fmt: skip
    channels: dict[str, int] = {}
    for v in vote_rows:
        channels[v.channel] = channels.get(v.channel, 0) + 1
    voted = {v.household_id for v in vote_rows}
    per: dict[str, list[int | Fraction]] = {}
    for h in voters:
        row = per.setdefault(h.building, [0, 0, Fraction(0), Fraction(0)])
        row[0] += 1
        row[2] += Fraction(h.area_m2)
        if h.id in voted:
            row[1] += 1
            row[3] += Fraction(h.area_m2)
    turnout = [
        BuildingTurnout(b, int(r[0]), int(r[1]), Fraction(r[2]), Fraction(r[3]))
        for b, r in sorted(per.items(), key=lambda kv: _building_key(kv[0]))
    ]
    return results, channels, turnout


def _from_sums(session: Session, ballot: BallotRow, rules: Sequence[str]) -> tuple[
    list[Result], dict[str, int], list[BuildingTurnout]
] | None:  # fmt: skip
    """The same from GROUP BY sums, or None (then count household by household)."""
    found = _sums(session, ballot)
    if found is None:
        return None
    sums, summed = found
    choices = ballot.choices if ballot.kind != "yes-no" else ()
    results = []
    for i, name in enumerate(rules):
        r = tally_sums(
            ballot.kind, make_rule(name, ballot.rule_params if i == 0 else None), sums, choices,
            tie_break=ballot.tie_break or DEFAULT_TIE_BREAK,
        )  # fmt: skip
        if r is None:
            return None
        results.append(r)
    turnout = [
        BuildingTurnout(
            t.building, t.households, t.voted, Fraction(t.area_cents, 100),
            Fraction(t.voted_area_cents, 100),
        )
        for t in sorted(summed.turnout, key=lambda t: _building_key(t.building))
    ]  # fmt: skip
    return results, summed.channels, turnout


def tally_ballot(session: Session, ballot_id: int, now: datetime | None = None) -> BallotResult:
    """The exact result now, straight from the database (never cached): from SQL sums when
    they decide it alone, else household by household — the same result either way."""
    now = now or utcnow()
    ballot = get_ballot(session, ballot_id)
    community = session.get(CommunityRow, ballot.community_id)
    assert community is not None
    rules = [ballot.rule]
    stat_name = STATUTORY_RULE_FOR_CLASS.get(ballot.matter_class)
    if stat_name is not None and stat_name != ballot.rule:
        rules.append(stat_name)
    counted = _from_sums(session, ballot, rules) or _by_household(session, ballot, rules)
    results, channels, turnout = counted
    result = results[0]
    statutory = results[1] if len(results) > 1 else None
    tie_break = ballot.tie_break or DEFAULT_TIE_BREAK
    online = channels.get("online", 0) + channels.get("assisted", 0)
    owners_in_part = (statutory or result).partial_owners
    unit_label = (
        {str(h.id): f"{h.building}-{h.unit}-{h.room}" for h in electorate_rows(session, ballot)}
        if owners_in_part
        else {}
    )
    partial = [
        {
            "owner": p.owner,
            "voted": [unit_label[i] for i in p.voted],
            "not_voted": [unit_label[i] for i in p.not_voted],
            "area_m2": area_text(p.area_m2),
        }
        for p in owners_in_part
    ]
    return BallotResult(
        ballot_id=ballot.id,
        title=ballot.title,
        kind=ballot.kind,
        status=status(ballot, now),
        matter_class=ballot.matter_class,
        choices=list(ballot.choices),
        opens_at=ballot.opens_at,
        closes_at=ballot.closes_at,
        closed_at=ballot.closed_at,
        result=result,
        statutory=statutory,
        consultative=not ballot.e_voting_recognised and online > 0,
        channels=channels,
        turnout=turnout,
        register_changes=register_changes_during(session, ballot, now),
        open_conflicts=len(conflicts(session, ballot_id)),
        audit_head=audit_head(session, ballot.community_id),
        community_name=community.name,
        community_slug=community.slug,
        options=list(ballot.options or []),
        tie_break=tie_break,
        partial_owners=partial,
    )


def register_changes_during(
    session: Session, ballot: BallotRow, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Register changes logged while this ballot was open (shown with its result). An entry
    names the ballots open when it was made (``open_ballots``): that list decides, so a change
    made before a ballot existed is not one "during" it even if the ballot was back-dated (the
    demo's is); entries without the list fall back to the ballot's dates."""
    rows = session.scalars(
        select(AuditRow)
        .where(AuditRow.community_id == ballot.community_id, AuditRow.action == "register.change")
        .order_by(AuditRow.seq)
    )
    start = ballot.opens_at.isoformat(timespec="microseconds") if ballot.opens_at else ""
    end_dt = ballot.closed_at or ballot.closes_at
    end = end_dt.isoformat(timespec="microseconds") if end_dt else "9999"
    out = []
    for r in rows:
        listed = r.payload.get("open_ballots")
        if (ballot.id in listed) if isinstance(listed, list) else (start <= r.at < end):
            out.append({"at": r.at, "actor": r.actor, "seq": r.seq, **r.payload})
    return out


# ---------------------------------------------------------------- audit


def notice_anchor(session: Session, ballot_id: int, actor: str = "staff") -> Any:
    """Before a notice is printed: log it (``notice.publish``) and sign the head that the
    notice will show with the public key's fingerprint (services/audit ``Checkpoint``)."""

    ballot = get_ballot(session, ballot_id)
    record(session, ballot.community_id, actor, "notice.publish", {"ballot_id": ballot_id})
    return audit.checkpoint(
        session, ballot.community_id, chain_id_of(session, ballot.community_id), "notice"
    )


def rule_names() -> list[str]:
    return list(RULES)


def vote_count(session: Session, ballot_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(VoteRow).where(VoteRow.ballot_id == ballot_id)
        )
        or 0
    )
