"""The community funds ledger and volunteer labour (pure; DOMAIN.md §3, R10, R21).

Money is integer **fen** (0.01 yuan) everywhere; amounts typed as yuan are parsed with
``Decimal`` and refused when negative, zero or finer than a fen. Entries are never edited or
deleted: a mistake is corrected by a *reversing* entry whose effect is the exact opposite of the
original's. Income (donations, contributions, interest) counts when recorded; an expense counts
only once a staff account *other than the one that recorded it* approves it. Volunteer labour is
counted in quarter hours, only after staff verify it, and is valued as in-kind co-funding — never
part of the cash balance.

Per-household cost shares follow R10 by default (pro rata to exclusive area, Civil Code art. 283):
exact fractions, rounded to fen with the largest-remainder method so the shares always add up to
the total.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

from cocreate_map.errors import InvalidInput, InvalidTransition, PermissionDenied

FEN_PER_YUAN = 100
#: the largest single amount accepted (¥100 million): a typo guard, not a policy
MAX_AMOUNT_FEN = 100_000_000 * FEN_PER_YUAN
#: at most this many hours in one labour entry (one person, one day)
MAX_HOURS_PER_ENTRY = 24
QUARTERS_PER_HOUR = 4

K = TypeVar("K", bound=Hashable)


class Kind(StrEnum):
    DONATION = "donation"  # a resident, a named person or an anonymous giver
    CONTRIBUTION = "contribution"  # government or a co-construction unit (共建单位)
    INTEREST = "interest"  # bank interest (增值收益, 165号令 第三十条)
    EXPENSE = "expense"  # paid for a work; counts once another account approves it


INCOME_KINDS = (Kind.DONATION, Kind.CONTRIBUTION, Kind.INTEREST)


class DonorType(StrEnum):
    HOUSEHOLD = "household"  # a household of the register
    NAMED = "named"  # a named person or organisation outside the register
    ANONYMOUS = "anonymous"
    GOVERNMENT = "government"  # contributions
    UNIT = "unit"  # 共建单位 / 原产权单位 / 管线单位 (contributions)


class Method(StrEnum):
    CASH = "cash"
    TRANSFER = "transfer"
    WECHAT = "wechat"


class AccountKind(StrEnum):
    SELF_GOVERNED = "self_governed"  # 自治公益金: donations and contributions
    MAINTENANCE = "maintenance"  # 住宅专项维修资金: kept apart (165号令)


# ---------------------------------------------------------------- amounts


def parse_yuan(text: str | int | Decimal) -> int:
    """Yuan as typed (``"3000.00"``, ``"15000"``, ``"0.5"``) → fen, exactly.

    >>> parse_yuan("3000.00")
    300000
    >>> parse_yuan("0.05")
    5
    >>> parse_yuan("1.005")
    Traceback (most recent call last):
    ...
    cocreate_map.errors.InvalidInput: amount 1.005 has more than two decimals; money is kept to the fen (0.01 yuan), e.g. 1.01
    """
    raw = str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(key="funds.amount_not_number", amount=str(text)) from None
    if not value.is_finite():
        raise InvalidInput(key="funds.amount_not_number", amount=str(text))
    if value <= 0:
        raise InvalidInput(key="funds.amount_not_positive", amount=str(text))
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidInput(key="funds.amount_precision", amount=str(text))
    n = int(fen)
    if n > MAX_AMOUNT_FEN:
        raise InvalidInput(key="funds.amount_too_large", amount=str(text))
    return n


def yuan_text(fen: int) -> str:
    """Fen → ``"73,000.00"`` (thousands separated, two decimals, sign kept).

    >>> yuan_text(7300000)
    '73,000.00'
    >>> yuan_text(-5)
    '-0.05'
    """
    sign = "-" if fen < 0 else ""
    n = abs(fen)
    return f"{sign}{n // FEN_PER_YUAN:,}.{n % FEN_PER_YUAN:02d}"


def yuan_plain(fen: int) -> str:
    """Fen → ``"73000.00"`` (for JSON and files: no separators).

    >>> yuan_plain(150)
    '1.50'
    """
    sign = "-" if fen < 0 else ""
    n = abs(fen)
    return f"{sign}{n // FEN_PER_YUAN}.{n % FEN_PER_YUAN:02d}"


def parse_hours(text: str | int | Decimal) -> int:
    """Hours as typed (``"2.5"``, ``"0.25"``, ``"3"``) → quarter hours, exactly.

    >>> parse_hours("2.5")
    10
    >>> parse_hours("0.1")
    Traceback (most recent call last):
    ...
    cocreate_map.errors.InvalidInput: 0.1 hours is not a whole number of quarter hours; round to 0.25, 0.5 or 0.75, e.g. 2.5
    """
    raw = str(text).strip().replace("，", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(key="labour.hours_not_number", hours=str(text)) from None
    if not value.is_finite():
        raise InvalidInput(key="labour.hours_not_number", hours=str(text))
    if value <= 0 or value > MAX_HOURS_PER_ENTRY:
        raise InvalidInput(key="labour.hours_range", hours=str(text), most=MAX_HOURS_PER_ENTRY)
    quarters = value * QUARTERS_PER_HOUR
    if quarters != quarters.to_integral_value():
        raise InvalidInput(key="labour.hours_quarter", hours=str(text))
    return int(quarters)


def hours_text(quarters: int) -> str:
    """Quarter hours → ``"2.5"`` / ``"3"`` / ``"0.75"``.

    >>> hours_text(10), hours_text(12), hours_text(3)
    ('2.5', '3', '0.75')
    """
    whole, part = divmod(quarters, QUARTERS_PER_HOUR)
    return str(whole) if part == 0 else f"{whole}.{('25', '5', '75')[part - 1]}"


def round_half_up(value: Fraction) -> int:
    """The nearest integer, halves away from zero (the way a cashier rounds).

    >>> round_half_up(Fraction(5, 2)), round_half_up(Fraction(-5, 2)), round_half_up(Fraction(7, 3))
    (3, -3, 2)
    """
    sign = -1 if value < 0 else 1
    a = abs(value)
    return sign * int((a * 2 + 1) // 2)


def labour_value_fen(quarters: int, rate_fen_per_hour: int) -> int:
    """In-kind value of verified hours at the community's rate, rounded half up to the fen.

    >>> labour_value_fen(10, 2500)  # 2.5 h at ¥25/h
    6250
    """
    return round_half_up(Fraction(quarters * rate_fen_per_hour, QUARTERS_PER_HOUR))


# ---------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class LedgerEntry:
    """What the rules need of one entry. ``reverses`` names the entry this one cancels."""

    id: int
    account: str
    kind: Kind
    amount_fen: int  # always > 0; the sign comes from the kind and from being a reversal
    recorded_by: str
    approved_by: str | None = None
    reverses: int | None = None
    work_id: int | None = None


def _by_id(entries: Iterable[LedgerEntry]) -> dict[int, LedgerEntry]:
    return {e.id: e for e in entries}


def original_of(entry: LedgerEntry, by_id: Mapping[int, LedgerEntry]) -> LedgerEntry:
    """The entry a reversal cancels (itself when it is not a reversal)."""
    if entry.reverses is None:
        return entry
    return by_id[entry.reverses]


def counts(entry: LedgerEntry, by_id: Mapping[int, LedgerEntry]) -> bool:
    """Income counts at once; an expense once approved; a reversal exactly when its original
    counts (so an entry and its reversal always net to zero)."""
    orig = original_of(entry, by_id)
    return orig.kind in INCOME_KINDS or orig.approved_by is not None


def effect_fen(entry: LedgerEntry, by_id: Mapping[int, LedgerEntry]) -> int:
    """The entry's effect on its account's cash balance: + income, − expense, 0 while pending;
    a reversal has the opposite effect of its original."""
    if not counts(entry, by_id):
        return 0
    orig = original_of(entry, by_id)
    sign = 1 if orig.kind in INCOME_KINDS else -1
    return sign * entry.amount_fen if entry.reverses is None else -sign * orig.amount_fen


@dataclass(frozen=True)
class Totals:
    """Cash totals in fen. ``income``/``expense`` are net of reversals; ``interest`` is the part
    of ``income`` that is bank interest; ``pending`` counts expenses awaiting approval."""

    income: int = 0
    expense: int = 0
    interest: int = 0
    pending: int = 0
    pending_fen: int = 0

    @property
    def balance(self) -> int:
        return self.income - self.expense


def reversed_ids(entries: Iterable[LedgerEntry]) -> set[int]:
    return {e.reverses for e in entries if e.reverses is not None}


def totals(entries: Sequence[LedgerEntry], account: str | None = None) -> Totals:
    """Totals of the whole ledger, or of one account."""
    by_id = _by_id(entries)
    gone = reversed_ids(entries)
    income = expense = interest = pending = pending_fen = 0
    for e in entries:
        if account is not None and e.account != account:
            continue
        orig = original_of(e, by_id)
        eff = effect_fen(e, by_id)
        if orig.kind in INCOME_KINDS:
            income += eff
            if orig.kind is Kind.INTEREST:
                interest += eff
        else:
            expense -= eff
            if e.reverses is None and e.approved_by is None and e.id not in gone:
                pending += 1
                pending_fen += e.amount_fen
    return Totals(income, expense, interest, pending, pending_fen)


def balance(entries: Sequence[LedgerEntry], account: str | None = None) -> int:
    return totals(entries, account).balance


def spent_on_work(entries: Sequence[LedgerEntry], work_id: int) -> int:
    """Approved expenses of a work, net of reversals, in fen."""
    by_id = _by_id(entries)
    return -sum(
        effect_fen(e, by_id)
        for e in entries
        if original_of(e, by_id).kind is Kind.EXPENSE and original_of(e, by_id).work_id == work_id
    )


@dataclass(frozen=True)
class Bucket:
    """Entries folded by what decides their effect (what a ``GROUP BY`` gives back): the
    original's account, kind and work; whether the entry is a reversal; whether the original
    is approved; whether the entry has been reversed."""

    account: str
    kind: Kind  # of the original
    work_id: int | None  # of the original
    is_reversal: bool
    approved: bool  # the original (expenses)
    reversed: bool  # this entry has a reversal (originals only)
    count: int
    amount_fen: int


def buckets_of(entries: Sequence[LedgerEntry]) -> list[Bucket]:
    """The buckets of a ledger (what the database computes in one query)."""
    by_id = _by_id(entries)
    gone = reversed_ids(entries)
    folded: dict[tuple[str, Kind, int | None, bool, bool, bool], list[int]] = {}
    for e in entries:
        o = original_of(e, by_id)
        key = (
            o.account,
            o.kind,
            o.work_id,
            e.reverses is not None,
            o.approved_by is not None,
            e.reverses is None and e.id in gone,
        )
        acc = folded.setdefault(key, [0, 0])
        acc[0] += 1
        acc[1] += e.amount_fen
    return [Bucket(*k, count=v[0], amount_fen=v[1]) for k, v in folded.items()]


def bucket_effect(b: Bucket) -> int:
    """The cash effect of a bucket, by the same rule as :func:`effect_fen`."""
    if b.kind in INCOME_KINDS:
        sign = 1
    elif b.approved:
        sign = -1
    else:
        return 0
    return -sign * b.amount_fen if b.is_reversal else sign * b.amount_fen


def totals_of_buckets(buckets: Iterable[Bucket], account: str | None = None) -> Totals:
    income = expense = interest = pending = pending_fen = 0
    for b in buckets:
        if account is not None and b.account != account:
            continue
        eff = bucket_effect(b)
        if b.kind in INCOME_KINDS:
            income += eff
            if b.kind is Kind.INTEREST:
                interest += eff
        else:
            expense -= eff
            if not b.is_reversal and not b.approved and not b.reversed:
                pending += b.count
                pending_fen += b.amount_fen
    return Totals(income, expense, interest, pending, pending_fen)


def spent_by_work(buckets: Iterable[Bucket]) -> dict[int, int]:
    """Approved expenses per work, net of reversals, in fen."""
    out: dict[int, int] = {}
    for b in buckets:
        if b.kind is Kind.EXPENSE and b.work_id is not None:
            out[b.work_id] = out.get(b.work_id, 0) - bucket_effect(b)
    return out


def income_by_kind(buckets: Iterable[Bucket]) -> dict[Kind, int]:
    out: dict[Kind, int] = {}
    for b in buckets:
        if b.kind in INCOME_KINDS:
            out[b.kind] = out.get(b.kind, 0) + bucket_effect(b)
    return out


# ---------------------------------------------------------------- what may be done


def check_new_entry(kind: Kind, work_id: int | None, donor_type: DonorType) -> None:
    """An expense names a work; donors and contributors fit the kind."""
    if kind is Kind.EXPENSE and work_id is None:
        raise InvalidInput(key="funds.expense_needs_work")
    if kind is Kind.DONATION and donor_type not in (
        DonorType.HOUSEHOLD,
        DonorType.NAMED,
        DonorType.ANONYMOUS,
    ):
        raise InvalidInput(key="funds.donor_type", kind=kind.value, donor=donor_type.value)
    if kind is Kind.CONTRIBUTION and donor_type not in (DonorType.GOVERNMENT, DonorType.UNIT):
        raise InvalidInput(key="funds.donor_type", kind=kind.value, donor=donor_type.value)


def check_approve(entry: LedgerEntry, approver: str, entries: Sequence[LedgerEntry]) -> None:
    """Only a pending, unreversed expense; never by the account that recorded it; never beyond
    the money its account holds."""
    if entry.kind is not Kind.EXPENSE or entry.reverses is not None:
        raise InvalidTransition(key="funds.approve_not_expense", entry=entry.id)
    if entry.approved_by is not None:
        raise InvalidTransition(key="funds.approved_twice", entry=entry.id, by=entry.approved_by)
    if entry.id in reversed_ids(entries):
        raise InvalidTransition(key="funds.approve_reversed", entry=entry.id)
    if entry.recorded_by == approver:
        raise PermissionDenied(key="funds.self_approval", entry=entry.id, user=approver)
    available = balance(entries, entry.account)
    if entry.amount_fen > available:
        raise InvalidTransition(
            key="funds.approve_overdraw",
            entry=entry.id,
            amount=yuan_text(entry.amount_fen),
            account=entry.account,
            balance=yuan_text(available),
        )


def check_reverse(entry: LedgerEntry, entries: Sequence[LedgerEntry]) -> None:
    """A reversal cannot be reversed (record the entry again instead); an entry is reversed once;
    reversing income may not leave its account below zero."""
    if entry.reverses is not None:
        raise InvalidTransition(key="funds.reverse_reversal", entry=entry.id, of=entry.reverses)
    if entry.id in reversed_ids(entries):
        raise InvalidTransition(key="funds.reversed_twice", entry=entry.id)
    by_id = _by_id(entries)
    if (
        entry.kind in INCOME_KINDS
        and balance(entries, entry.account) - effect_fen(entry, by_id) < 0
    ):
        raise InvalidTransition(
            key="funds.reverse_overdraw",
            entry=entry.id,
            account=entry.account,
            balance=yuan_text(balance(entries, entry.account)),
        )


# ---------------------------------------------------------------- donors in public


@dataclass(frozen=True)
class Donation:
    """One donation as the public may see it: ``shown`` is the consented name (a household
    label or a donor name), else ``None``."""

    id: int
    donor_type: DonorType
    donor_key: str  # household id or donor name ("" for anonymous): who gave, for counting
    amount_fen: int
    consent: bool
    label: str  # household label or donor name
    count: int = 1  # gifts folded into this one (a grouped query)


@dataclass(frozen=True)
class PublicDonors:
    """The donors list the public sees (Civil Code art. 281 vs personal information)."""

    named: tuple[
        tuple[str, int], ...
    ]  # (label, fen) of donors who agreed to be named, largest first
    hidden_households: int  # households who gave without consent
    hidden_households_fen: int
    other_hidden: int  # anonymous gifts and named donors without consent
    other_hidden_fen: int
    households: int  # distinct households who gave
    named_donors: int  # distinct named donors (outside the register)
    anonymous: int  # anonymous gifts


def public_donors(donations: Iterable[Donation]) -> PublicDonors:
    """Consented donors by name with their total; the rest only as counts and sums.

    A donor who agreed once is named with everything they gave; consent is per donor key.
    """
    totals_by: dict[tuple[DonorType, str], int] = {}
    labels: dict[tuple[DonorType, str], str] = {}
    consent: dict[tuple[DonorType, str], bool] = {}
    anonymous = anonymous_fen = 0
    for d in donations:
        if d.donor_type is DonorType.ANONYMOUS:
            anonymous += d.count
            anonymous_fen += d.amount_fen
            continue
        key = (d.donor_type, d.donor_key)
        totals_by[key] = totals_by.get(key, 0) + d.amount_fen
        labels[key] = d.label
        consent[key] = consent.get(key, False) or d.consent
    named = sorted(
        ((labels[k], v) for k, v in totals_by.items() if consent[k]), key=lambda p: (-p[1], p[0])
    )
    hidden_h = [v for k, v in totals_by.items() if not consent[k] and k[0] is DonorType.HOUSEHOLD]
    hidden_o = [
        v for k, v in totals_by.items() if not consent[k] and k[0] is not DonorType.HOUSEHOLD
    ]
    return PublicDonors(
        named=tuple(named),
        hidden_households=len(hidden_h),
        hidden_households_fen=sum(hidden_h),
        other_hidden=len(hidden_o) + anonymous,
        other_hidden_fen=sum(hidden_o) + anonymous_fen,
        households=sum(1 for k in totals_by if k[0] is DonorType.HOUSEHOLD),
        named_donors=sum(1 for k in totals_by if k[0] is not DonorType.HOUSEHOLD),
        anonymous=anonymous,
    )


# ---------------------------------------------------------------- cost shares (R10)


def largest_remainder(total_fen: int, weights: Mapping[K, Fraction]) -> dict[K, int]:
    """Split ``total_fen`` pro rata to ``weights``: each share is the floor of its exact part,
    and the fen left over go one each to the largest remainders (ties: the order of
    ``weights``). The shares add up to the total exactly.

    >>> largest_remainder(100, {"a": Fraction(1), "b": Fraction(1), "c": Fraction(1)})
    {'a': 34, 'b': 33, 'c': 33}
    """
    if total_fen < 0:
        raise InvalidInput(key="funds.share_negative", amount=yuan_text(total_fen))
    if any(w < 0 for w in weights.values()):
        raise InvalidInput(key="funds.share_weight")
    weight_sum = sum(weights.values(), Fraction(0))
    if not weights or weight_sum == 0:
        raise InvalidInput(key="funds.share_weight")
    exact = {k: Fraction(total_fen) * w / weight_sum for k, w in weights.items()}
    shares = {k: int(v) for k, v in exact.items()}  # floor: all parts are ≥ 0
    left = total_fen - sum(shares.values())
    keys = list(exact)
    remainders = [exact[k] - shares[k] for k in keys]
    order = sorted(range(len(keys)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        shares[keys[i]] += 1
    return shares


def shares_by_area(total_fen: int, areas_m2: Mapping[K, Fraction | Decimal | str]) -> dict[K, int]:
    """R10: shares pro rata to exclusive area (art. 283).

    >>> shares_by_area(9_600_000, {"1-1-101": "64", "rest": "9536"})["1-1-101"]  # ¥640
    64000
    """
    return largest_remainder(total_fen, {k: Fraction(str(a)) for k, a in areas_m2.items()})


def shares_equal(total_fen: int, keys: Sequence[K]) -> dict[K, int]:
    """Equal shares per household (a formula a ballot may adopt instead of R10)."""
    return largest_remainder(total_fen, {k: Fraction(1) for k in keys})


SHARING_FORMULAS = ("area", "equal")


def shares(
    formula: str, total_fen: int, areas_m2: Mapping[K, Fraction | Decimal | str]
) -> dict[K, int]:
    if formula == "area":
        return shares_by_area(total_fen, areas_m2)
    if formula == "equal":
        return shares_equal(total_fen, list(areas_m2))
    raise InvalidInput(key="funds.share_formula", formula=formula, known="area, equal")
