"""Co-evaluation (效果共评) and conventions (公约): the rules, pure.

Ratings. When a work is completed, the households it concerns (its buildings, or the whole
community) rate it 1–5 stars, online or on a paper self-evaluation form (自评表) that staff
enter. One rating per household and work; a household may change it while the evaluation is open
(the community's defect window after completion, default 30 days). The results are exact:

- ``average`` — mean stars, a Fraction, shown with two decimals (half up);
- ``satisfaction`` — the share of 4–5 stars among the households that rated;
- ``response`` — households that rated among those concerned.

Contests ("not done / not right"). Within the same window a concerned household may contest the
work once; when the contests reach the community's threshold (default 1/10 of the concerned
households — reaching it exactly counts) the work goes back to "in progress" with a reason
residents see.

Conventions. A convention has numbered articles and a scope (the community, or some buildings).
Changing its text makes a new version; signatures belong to one version, so a new version
needs signing again while the old signatures stay on record. A signature can be withdrawn.

>>> s = summarise({"1": 3, "2": 2}, [Rating(1, 5, "1"), Rating(2, 4, "1"), Rating(3, 2, "2")])
>>> (s.rated, s.households, str(s.average), s.average_text, str(s.satisfaction))
(3, 5, '11/3', '3.67', '2/3')
>>> reopens(contests=1, concerned=10)
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from cocreate_map.errors import InvalidInput

STARS = range(1, 6)
SATISFIED_FROM = 4
DEFAULT_WINDOW_DAYS = 30
DEFAULT_CONTEST_THRESHOLD = Fraction(1, 10)
COMMENT_MAX_CHARS = 500
REASON_MAX_CHARS = 300
ARTICLE_MAX_CHARS = 500
MAX_ARTICLES = 50


def check_stars(value: object) -> int:
    """Stars as an integer 1–5, or InvalidInput saying so."""
    try:
        stars = int(str(value).strip())
    except ValueError:
        raise InvalidInput(key="evaluation.stars", value=str(value)[:10]) from None
    if stars not in STARS or str(value).strip() not in {str(s) for s in STARS}:
        raise InvalidInput(key="evaluation.stars", value=str(value)[:10])
    return stars


@dataclass(frozen=True)
class Rating:
    household_id: int
    stars: int
    building: str
    vote: str | None = None  # how the household voted on the ballot the work came from


@dataclass(frozen=True)
class Group:
    """Ratings of one building, or of one way of voting."""

    key: str
    households: int | None  # concerned households (None for groups by vote)
    rated: int
    star_sum: int
    satisfied: int

    @property
    def average(self) -> Fraction | None:
        return None if self.rated == 0 else Fraction(self.star_sum, self.rated)

    @property
    def average_text(self) -> str | None:
        return None if self.average is None else two_places(self.average)


@dataclass(frozen=True)
class RatingSummary:
    households: int  # concerned
    rated: int
    star_sum: int
    satisfied: int
    by_building: tuple[Group, ...]
    by_vote: tuple[Group, ...]

    @property
    def average(self) -> Fraction | None:
        return None if self.rated == 0 else Fraction(self.star_sum, self.rated)

    @property
    def average_text(self) -> str | None:
        return None if self.average is None else two_places(self.average)

    @property
    def satisfaction(self) -> Fraction | None:
        return None if self.rated == 0 else Fraction(self.satisfied, self.rated)

    @property
    def response(self) -> Fraction | None:
        return None if self.households == 0 else Fraction(self.rated, self.households)


def two_places(value: Fraction) -> str:
    """``Fraction(11, 3)`` → ``"3.67"`` (half up, exact)."""
    quantised = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return f"{quantised:.2f}"


def percent_text(value: Fraction | None) -> str | None:
    """One decimal place, half up: ``Fraction(7, 9)`` → ``"77.8"``."""
    if value is None:
        return None
    q = (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{q:.1f}"


def building_key(label: str) -> tuple[int, str]:
    """Buildings in the order people count them: 2 before 10."""
    return (int(label), "") if label.isdigit() else (10**9, label)


_building_key = building_key


def summarise(concerned: Mapping[str, int], ratings: Iterable[Rating]) -> RatingSummary:
    """``concerned``: building → households the work concerns; ``ratings``: one per household
    (the last one counts — the caller passes each household once)."""
    seen: set[int] = set()
    per_building: dict[str, list[int]] = {b: [] for b in concerned}
    per_vote: dict[str, list[int]] = {}
    all_stars: list[int] = []
    for r in ratings:
        if r.household_id in seen:
            raise ValueError(f"household {r.household_id} rated twice")
        seen.add(r.household_id)
        check_stars(r.stars)
        all_stars.append(r.stars)
        per_building.setdefault(r.building, []).append(r.stars)
        if r.vote is not None:
            per_vote.setdefault(r.vote, []).append(r.stars)

    def group(key: str, stars: Sequence[int], households: int | None) -> Group:
        return Group(
            key, households, len(stars), sum(stars), sum(s >= SATISFIED_FROM for s in stars)
        )

    return RatingSummary(
        households=sum(concerned.values()),
        rated=len(all_stars),
        star_sum=sum(all_stars),
        satisfied=sum(s >= SATISFIED_FROM for s in all_stars),
        by_building=tuple(
            group(b, per_building[b], concerned.get(b, 0))
            for b in sorted(per_building, key=_building_key)
        ),
        by_vote=tuple(group(v, per_vote[v], None) for v in sorted(per_vote)),
    )


def in_window(completed_at: datetime | None, now: datetime, days: int) -> bool:
    """Whether ratings and contests are still open: from completion for ``days`` days."""
    return completed_at is not None and completed_at <= now < completed_at + timedelta(days=days)


def reopens(contests: int, concerned: int, threshold: Fraction = DEFAULT_CONTEST_THRESHOLD) -> bool:
    """Whether ``contests`` among ``concerned`` households reach the threshold (reaching it
    exactly counts: 1 of 10 at 1/10 reopens)."""
    if concerned <= 0:
        return False
    return Fraction(contests, concerned) >= threshold


def parse_threshold(value: object) -> Fraction:
    """A contest threshold such as "1/10" or "0.1": strictly between 0 and 1."""
    try:
        f = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(key="evaluation.threshold", value=str(value)[:20]) from None
    if not 0 < f <= 1:
        raise InvalidInput(key="evaluation.threshold", value=str(value)[:20])
    return f


def clean_text(value: str | None, max_chars: int, *, required: bool, what: str) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise InvalidInput(key=f"evaluation.{what}_empty")
    if len(text) > max_chars:
        raise InvalidInput(key=f"evaluation.{what}_long", length=len(text), max=max_chars)
    return text


def parse_articles(text: str) -> list[str]:
    """Numbered articles from plain text: one article a paragraph (blank lines between) or a
    line; leading numbers like "1." "一、" "第一条" are dropped (we number them)."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    if len(blocks) <= 1:
        blocks = [line for line in text.splitlines() if line.strip()]
    numbering = re.compile(
        r"^\s*(第[一二三四五六七八九十百\d]+条|[\d一二三四五六七八九十]+[.、．)）])\s*"
    )
    out = [" ".join(numbering.sub("", b).split()) for b in blocks]
    out = [a for a in out if a]
    if not out:
        raise InvalidInput(key="evaluation.articles_empty")
    if len(out) > MAX_ARTICLES:
        raise InvalidInput(key="evaluation.articles_many", n=len(out), max=MAX_ARTICLES)
    for i, a in enumerate(out, 1):
        if len(a) > ARTICLE_MAX_CHARS:
            raise InvalidInput(key="evaluation.article_long", n=i, max=ARTICLE_MAX_CHARS)
    return out


@dataclass(frozen=True)
class BuildingProgress:
    building: str
    households: int
    signed: int

    @property
    def share(self) -> Fraction | None:
        return None if self.households == 0 else Fraction(self.signed, self.households)


def signing_progress(
    concerned: Mapping[str, int], signed_buildings: Iterable[str]
) -> tuple[BuildingProgress, ...]:
    """Signed / all households per building of the convention's scope."""
    signed: dict[str, int] = {}
    for b in signed_buildings:
        signed[b] = signed.get(b, 0) + 1
    return tuple(
        BuildingProgress(b, concerned[b], signed.get(b, 0))
        for b in sorted(concerned, key=_building_key)
    )
