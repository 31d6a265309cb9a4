"""Use cases of meeting mode (issue 6): the projector's live snapshot of a ballot, the join link
shown as a QR code, the options panel (all read-only) and the printed meeting pack, which records
the paper ballot numbers it prints (``paper_households``).

``projector_snapshot`` is what the projector reads every 2 s while hundreds of phones vote: it
only SELECTs (electorate, counted votes) and writes nothing, so on SQLite (WAL) and PostgreSQL it
never waits for or blocks a vote. It skips the audit/conflict/register look-ups of
``tally_ballot``, which the results page and the notice need but the hall does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from cocreate_map.domain.voting import (
    DEFAULT_TIE_BREAK,
    STATUTORY_RULE_FOR_CLASS,
    Decision,
    Electorate,
    Household,
    Reason,
    Vote,
    decide,
    make_rule,
    percent,
    tally,
)
from cocreate_map.errors import InvalidInput
from cocreate_map.services import ballots as ballot_service
from cocreate_map.services import options as option_service
from cocreate_map.services import works as work_service
from cocreate_map.services.access import require_staff
from cocreate_map.services.audit import lock_chain, record
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage import votes_repo
from cocreate_map.storage.ballot_tables import BallotRow, PaperBallotNumberRow
from cocreate_map.storage.tables import utcnow

PANELS = ("map", "options", "ballot", "result", "works", "story", "convention")
MAX_OPTIONS = 3


def join_link(public_url: str, slug: str) -> str:
    """The address the QR code on the projector encodes: the vote page of the community (the
    household then types its code, as on the vote page)."""
    return f"{public_url.rstrip('/')}/vote?{urlencode({'community': slug})}"


@dataclass(frozen=True)
class Measure:
    """Participation on one measure: exact ``numerator / denominator`` against ``threshold``."""

    code: str  # "households" or "area"
    numerator: Fraction
    denominator: Fraction
    threshold: Fraction | None  # None when the rule sets no participation quorum
    inclusive: bool

    @property
    def ratio(self) -> Fraction:
        return Fraction(0) if self.denominator == 0 else self.numerator / self.denominator

    @property
    def percent(self) -> str:
        return percent(self.ratio)

    @property
    def threshold_percent(self) -> str | None:
        return None if self.threshold is None else percent(self.threshold)

    @property
    def met(self) -> bool:
        if self.threshold is None:
            return self.denominator > 0
        if self.denominator == 0:
            return False
        return self.ratio >= self.threshold if self.inclusive else self.ratio > self.threshold


@dataclass(frozen=True)
class ChoiceCount:
    choice: str
    households: int
    area_m2: Fraction


@dataclass(frozen=True)
class CheckLine:
    code: str
    ratio: Fraction
    threshold: Fraction
    inclusive: bool
    met: bool


@dataclass(frozen=True)
class ProjectorSnapshot:
    ballot_id: int
    title: str
    kind: str
    status: str  # draft, open, closed
    show_running: bool
    community_slug: str
    households: Measure
    area: Measure
    voted: int
    electorate: int
    choices: tuple[ChoiceCount, ...] | None  # None while hidden (open and not show_running)
    outcome: str | None  # passed/rejected/invalid once closed, else None
    leader: str | None
    winner: str | None
    checks: tuple[CheckLine, ...]
    reasons: tuple[Reason, ...]
    decision: Decision | None = None  # the outcome that binds, once closed

    @property
    def revealed(self) -> bool:
        return self.status == "closed"


def _threshold(checks: Sequence[Any], measures: Sequence[str]) -> tuple[Fraction | None, bool]:
    for m in measures:
        for ch in checks:
            if ch.stage == "participation" and ch.measure == m:
                return ch.threshold, ch.inclusive
    return None, True


def projector_snapshot(
    session: Session, ballot_id: int, now: datetime | None = None
) -> ProjectorSnapshot:
    """Participation on both measures as exact fractions, the running choices if the ballot
    shows them, and at close the outcome with its reasons. Reads only."""
    now = now or utcnow()
    ballot = ballot_service.get_ballot(session, ballot_id)
    community = repo.community_by_id(session, ballot.community_id)
    voters = ballot_service.electorate_rows(session, ballot)
    electorate = Electorate(
        tuple(
            Household(str(h.id), h.building, h.unit, h.room, Fraction(h.area_m2), h.owner_id)
            for h in voters
        )
    )
    rows = votes_repo.choices_in_order(session, ballot_id)
    votes = [Vote(str(h), c) for h, c in rows]
    choices = ballot.choices if ballot.kind != "yes-no" else ()
    tie_break = ballot.tie_break or DEFAULT_TIE_BREAK
    result = tally(
        ballot.kind,
        make_rule(ballot.rule, ballot.rule_params),
        electorate,
        votes,
        choices,
        tie_break=tie_break,
    )
    statutory = None
    stat_name = STATUTORY_RULE_FOR_CLASS.get(ballot.matter_class)
    if stat_name is not None and stat_name != ballot.rule:
        statutory = tally(
            ballot.kind, make_rule(stat_name), electorate, votes, choices, tie_break=tie_break
        )
    decision = decide(result, statutory)
    c = result.counts
    state = ballot_service.status(ballot, now)
    h_thr, h_inc = _threshold(result.checks, ("households", "heads"))
    a_thr, a_inc = _threshold(result.checks, ("area",))
    visible = state == "closed" or ballot.show_running
    closed = state == "closed"
    return ProjectorSnapshot(
        ballot_id=ballot.id,
        title=ballot.title,
        kind=ballot.kind,
        status=state,
        show_running=ballot.show_running,
        community_slug=community.slug,
        households=Measure(
            "households",
            Fraction(c.participating_households),
            Fraction(c.households),
            h_thr,
            h_inc,
        ),
        area=Measure("area", c.participating_area_m2, c.area_m2, a_thr, a_inc),
        voted=c.participating_households,
        electorate=c.households,
        choices=(
            tuple(ChoiceCount(x.choice, x.households, x.area_m2) for x in result.choices)
            if visible
            else None
        ),
        outcome=decision.outcome if closed else None,
        leader=result.leader if visible else None,
        winner=decision.winner if closed else None,
        checks=tuple(
            CheckLine(ch.code, ch.ratio, ch.threshold, ch.inclusive, ch.met) for ch in result.checks
        )
        if closed
        else (),
        reasons=result.details if closed else (),
        decision=decision if closed else None,
    )


@dataclass(frozen=True)
class BallotChoice:
    id: int
    title: str
    status: str


def meeting_ballots(session: Session, slug: str, now: datetime | None = None) -> list[BallotChoice]:
    """The ballots a meeting can show (not drafts): open ones first, newest first."""
    rows = ballot_service.list_ballots(session, slug)
    out = [BallotChoice(b.id, b.title, ballot_service.status(b, now)) for b in rows]
    out = [b for b in out if b.status != "draft"]
    return sorted(out, key=lambda b: (b.status != "open", -b.id))


@dataclass
class OptionPanel:
    name: str
    description: str
    metrics: dict[str, Any]
    layers: list[tuple[str, Any, str]]  # (kind, metric geometry, same|added|removed)


def option_panels(
    session: Session, slug: str, names: Sequence[str] | None = None
) -> tuple[Any, dict[str, Any], list[OptionPanel]]:
    """Boundary (metric CRS), today's metrics and up to three options with metrics and layers
    for static maps. Names default to the community's first three options."""
    infos = option_service.list_options(session, slug)
    by_name = {i.name: i for i in infos}
    chosen = list(names) if names else [i.name for i in infos[:MAX_OPTIONS]]
    if not chosen:
        return None, {}, []
    unknown = [n for n in chosen if n not in by_name]
    if unknown:
        raise InvalidInput(
            key="meeting.option_options",
            unknown=unknown[0],
            slug=slug,
            value=", ".join(by_name) or "—",
        )
    chosen = chosen[:MAX_OPTIONS]
    cmp = option_service.compare_options(session, slug, chosen)
    boundary, layers = option_service.sheet_layers(session, slug, chosen)
    panels = [OptionPanel(n, by_name[n].description, cmp["options"][n], layers[n]) for n in chosen]
    return boundary, cmp["base"], panels


# ---------------------------------------------------------------- printed pack


@dataclass(frozen=True)
class PaperHousehold:
    ballot_no: str
    building: str
    unit: str
    room: str
    issued_now: bool = False  # numbered by this print (False when a reprint reuses the number)


def _room_key(b: str) -> tuple[int, str]:
    return (int(b), b) if b.isdigit() else (10**9, b)


def _number_of(no: str, prefix: str) -> int:
    rest = no[len(prefix) :] if no.startswith(prefix) else ""
    return int(rest) if rest.isdigit() else 0


def paper_households(
    session: Session, ballot: BallotRow, *, who: StaffIdentity | None, now: datetime | None = None
) -> list[PaperHousehold]:
    """Every eligible household in building/unit/room order with its paper ballot number, stored
    in ``paper_ballot_numbers`` so the paper vote import can check it. The first print numbers
    them ``B{ballot}-{n:04d}`` in that order; a reprint reuses each household's number, and a
    household added to the register since gets the next unused one. Newly issued numbers go to
    the audit log."""
    actor = require_staff(who, ballot.community_id, action="ballot.paper_numbers").actor
    now = now or utcnow()
    voters = sorted(
        ballot_service.electorate_rows(session, ballot),
        key=lambda h: (_room_key(h.building), _room_key(h.unit), _room_key(h.room)),
    )
    # Two packs printed at once must not issue one number twice: serialise with the chain.
    lock_chain(session, ballot.community_id)
    issued = ballot_service.issued_ballot_numbers(session, ballot.id)
    number = {hid: no for no, hid in issued.items()}
    prefix = f"B{ballot.id}-"
    last = max((_number_of(no, prefix) for no in issued), default=0)
    new: list[str] = []
    for h in voters:
        if h.id in number:
            continue
        last += 1
        number[h.id] = f"{prefix}{last:04d}"
        new.append(number[h.id])
        session.add(
            PaperBallotNumberRow(
                ballot_id=ballot.id, household_id=h.id, ballot_no=number[h.id], issued_at=now
            )
        )
    if new:
        session.flush()
        record(
            session,
            ballot.community_id,
            actor,
            "ballot.paper_numbers",
            {"ballot_id": ballot.id, "issued": len(new), "first": new[0], "last": new[-1]},
            now,
        )
    fresh = set(new)
    return [
        PaperHousehold(number[h.id], h.building, h.unit, h.room, number[h.id] in fresh)
        for h in voters
    ]


@dataclass(frozen=True)
class MeetingPack:
    pages: int
    paper_ballots: int  # households with a paper ballot in the pack
    newly_issued: int  # of which numbered for the first time (0 on a reprint)


def meeting_pack(
    session: Session,
    ballot_id: int,
    out: Path,
    public_url: str,
    option_names: Sequence[str] | None = None,
    lang: str = "zh",
    *,
    who: StaffIdentity | None,
    now: datetime | None = None,
) -> MeetingPack:
    """Write the printed meeting pack of a ballot and record its paper ballot numbers (in the
    caller's transaction: if the PDF cannot be written, no number is issued)."""
    from cocreate_map.io.reports_meeting import PackBallot, write_meeting_pack

    ballot = ballot_service.get_ballot(session, ballot_id)
    require_staff(who, ballot.community_id, action="ballot.paper_numbers")
    community = repo.community_by_id(session, ballot.community_id)
    boundary, base, panels = option_panels(session, community.slug, option_names)
    pack = PackBallot(
        id=ballot.id,
        title=ballot.title,
        description=ballot.description,
        kind=ballot.kind,
        choices=list(ballot.choices),
        rule=ballot.rule,
        opens_at=ballot.opens_at,
        closes_at=ballot.closes_at,
        community_name=community.name,
        join_link=join_link(public_url, community.slug),
    )
    households = paper_households(session, ballot, who=who, now=now)
    pages = write_meeting_pack(
        Path(out),
        ballot=pack,
        boundary=boundary,
        base=base,
        options=panels,
        households=households,
        lang=lang,
    )
    return MeetingPack(pages, len(households), sum(h.issued_now for h in households))


# ---------------------------------------------------------------- works and funds (issue 13)


@dataclass(frozen=True)
class WorksPanel:
    """The projector's "works and funds" panel: every work with its progress and budget (the
    funds ledger adds its figures beside them)."""

    works: list[Any]  # services.works.WorkInfo
    budget_fen: int


def works_panel(session: Session, slug: str) -> WorksPanel:

    works = work_service.list_works(session, slug)
    return WorksPanel(works, sum(w.budget_fen for w in works))
