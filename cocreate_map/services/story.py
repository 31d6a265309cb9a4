"""The decision story (成果共享, issue 14.3): one adopted decision from the first mark to the last
receipt, for the story page, the projector's story panel and the notice-board PDF.

:func:`work_story` reads everything in one transaction (the caller's session) and returns a
frozen :class:`Story` of plain values — the residents' marks that led to the work with their
"me too" counts, the layout options the ballot decided between with their metrics, the ballot's
binding result with both measures (households and area), the work with its milestones, the money
(budget, approved spending, in-kind labour and every receipt line) and the households' ratings.
Nothing here writes; every figure is exact (fen integers, ``Fraction``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy.orm import Session

from cocreate_map.domain.annotations import PUBLIC, Category
from cocreate_map.domain.annotations import Status as MarkStatus
from cocreate_map.domain.metric_catalogue import MEETING_METRICS
from cocreate_map.domain.voting import ChoiceTally, Counts, Decision
from cocreate_map.services import ballots as ballot_service
from cocreate_map.services import evaluation as evaluation_service
from cocreate_map.services import funds as funds_service
from cocreate_map.services import marks as marks_service
from cocreate_map.services import options as option_service
from cocreate_map.services import works as works_service
from cocreate_map.services.evaluation import WorkRatings
from cocreate_map.services.works import MilestoneInfo, WorkInfo
from cocreate_map.storage import repositories as repo

#: the option metrics a story shows: the projector's options panel's
OPTION_METRICS = MEETING_METRICS


@dataclass(frozen=True)
class StoryMark:
    """A resident's public mark that the work answers."""

    id: int
    category: Category
    text: str
    status: MarkStatus
    building: str | None
    supports: int  # "me too" (我也是)
    submitted_at: datetime


@dataclass(frozen=True)
class StoryMetric:
    key: str
    value: float | None
    before: float | None  # today's plan


@dataclass(frozen=True)
class StoryOption:
    name: str
    description: str
    adopted: bool
    metrics: tuple[StoryMetric, ...]


@dataclass(frozen=True)
class StoryBallot:
    """The ballot's result as the results page shows it: the binding outcome first."""

    id: int
    title: str
    kind: str
    opens_at: datetime | None
    closed_at: datetime | None
    decision: Decision
    counts: Counts  # of the binding result
    choices: tuple[ChoiceTally, ...]
    channels: tuple[tuple[str, int], ...]  # ("online", n), ("paper", n), ("assisted", n)
    adopted: str | None  # the option or choice the work carries out

    @property
    def participation_households(self) -> Fraction:
        return self.decision.binding.participation_households_ratio

    @property
    def participation_area(self) -> Fraction:
        return self.decision.binding.participation_area_ratio

    @property
    def approval_households(self) -> Fraction:
        return self.decision.binding.approval_households_ratio

    @property
    def approval_area(self) -> Fraction:
        return self.decision.binding.approval_area_ratio


@dataclass(frozen=True)
class Receipt:
    """One ledger line booked on the work (public-safe: payee, number, amount, state)."""

    entry_id: int
    occurred_on: date | None
    payee: str
    receipt_no: str
    amount_fen: int
    status: str  # counted | pending | reversed | reversal
    note: str
    photo_ids: tuple[int, ...]


@dataclass(frozen=True)
class StoryMoney:
    budget_fen: int
    spent_fen: int  # approved expenses, reversals netted
    pending_fen: int  # awaiting the second signature
    in_kind_fen: int  # verified volunteer labour at the community's rate
    verified_quarters: int
    receipts: tuple[Receipt, ...]

    @property
    def spent_share(self) -> Fraction | None:
        return None if not self.budget_fen else Fraction(self.spent_fen, self.budget_fen)


@dataclass(frozen=True)
class Story:
    slug: str
    community_name: str
    work: WorkInfo
    marks: tuple[StoryMark, ...]
    options: tuple[StoryOption, ...]
    ballot: StoryBallot | None
    milestones: tuple[MilestoneInfo, ...]
    photos: int
    money: StoryMoney
    ratings: WorkRatings

    @property
    def supports(self) -> int:
        return sum(m.supports for m in self.marks)


def _adopted(ballot: ballot_service.BallotResult, option_name: str | None) -> str | None:
    if option_name:
        return option_name
    winner = ballot.decision.winner
    if winner == "yes" and len(ballot.options) == 1:
        return ballot.options[0]
    return winner


def _ballot(session: Session, work: WorkInfo) -> StoryBallot | None:
    if work.ballot_id is None:
        return None
    res = ballot_service.tally_ballot(session, work.ballot_id)
    binding = res.decision.binding
    return StoryBallot(
        id=res.ballot_id,
        title=res.title,
        kind=res.kind,
        opens_at=res.opens_at,
        closed_at=res.closed_at or res.closes_at,
        decision=res.decision,
        counts=binding.counts,
        choices=tuple(binding.choices),
        channels=tuple((k, int(res.channels.get(k, 0))) for k in ("online", "paper", "assisted")),
        adopted=_adopted(res, work.option_name),
    )


def _options(
    session: Session, slug: str, names: list[str], adopted: str | None
) -> tuple[StoryOption, ...]:
    if not names:
        return ()
    infos = {o.name: o for o in option_service.list_options(session, slug)}
    known = [n for n in names if n in infos]  # an option deleted since the ballot is skipped
    if not known:
        return ()
    cmp = option_service.compare_options(session, slug, known)
    base = cmp["base"]
    out = []
    for name in known:
        m = cmp["options"][name]
        out.append(
            StoryOption(
                name,
                infos[name].description or "",
                name == adopted,
                tuple(
                    StoryMetric(k, _number(m.get(k)), _number(base.get(k))) for k in OPTION_METRICS
                ),
            )
        )
    return tuple(out)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _marks(session: Session, detail: works_service.WorkDetail) -> tuple[StoryMark, ...]:
    out = []
    for row in detail.marks:
        m = marks_service.get_mark(session, row.id)
        if m.status not in PUBLIC or m.hidden_reason:
            continue  # a mark withdrawn or hidden by moderation is not retold
        out.append(
            StoryMark(m.id, m.category, m.text, m.status, m.building, m.supports, m.submitted_at)
        )
    return tuple(out)


def _money(session: Session, work: WorkInfo) -> StoryMoney:
    money = funds_service.work_money(session, work.id)
    entries = funds_service.list_entries(session, work_slug(session, work), limit=10**9)
    receipts = tuple(
        Receipt(
            e.id,
            e.occurred_on,
            e.payee,
            e.receipt_no,
            e.amount_fen,
            e.status,
            e.note,
            e.photo_ids,
        )  # fmt: skip
        for e in sorted(
            (e for e in entries if e.work_id == work.id and e.kind.value == "expense"),
            key=lambda e: (e.occurred_on or date.min, e.id),
        )
    )
    return StoryMoney(
        money.budget_fen, money.spent_fen, money.pending_fen, money.in_kind_fen,
        money.verified_quarters, receipts,
    )  # fmt: skip


def work_slug(session: Session, work: WorkInfo) -> str:
    return str(repo.community_by_id(session, work.community_id).slug)


def work_story(session: Session, work_id: int) -> Story:
    """The whole story of one work (raises ``NotFound`` for an unknown id)."""
    detail = works_service.work_detail(session, work_id)
    work = detail.work
    community = repo.community_by_id(session, work.community_id)
    ballot = _ballot(session, work)
    linked = []
    if ballot is not None:
        linked = list(ballot_service.get_ballot(session, ballot.id).options or [])
    return Story(
        slug=community.slug,
        community_name=community.name,
        work=work,
        marks=_marks(session, detail),
        options=_options(
            session, community.slug, linked, None if ballot is None else ballot.adopted
        ),
        ballot=ballot,
        milestones=detail.milestones,
        photos=sum(len(m.photo_ids) for m in detail.milestones),
        money=_money(session, work),
        ratings=evaluation_service.work_ratings(session, work_id),
    )


def story_work_ids(session: Session, slug: str) -> list[int]:
    """The community's works in the order a story picker lists them: finished works first (the
    ones with a whole story), then the others, newest first within each."""
    works = works_service.list_works(session, slug)
    done = {"completed", "accepted"}
    return [
        w.id
        for w in sorted(
            works, key=lambda w: (w.status.value not in done, -w.created_at.timestamp())
        )
    ]
