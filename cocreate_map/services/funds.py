"""Use cases of the community funds ledger and volunteer labour (issue 13; DOMAIN.md §3, R10, R21).

Every write starts with ``access.require_staff`` (treasurer = an admin or planner) — except a
household entering its own volunteer hours with its code — then takes the community's audit-chain
lock, checks the rules of ``domain.funds`` against the ledger as it stands, writes the row and
appends the same facts to the hash-chained audit log, all in the caller's transaction. Rows are
never updated or deleted: approvals and verifications are rows of their own, mistakes get a
reversing entry. :func:`reconcile` compares the ledger tables with the log, so a row edited in the
database behind the application's back is found by ``cocreate audit verify``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from cocreate_map.domain import audit as audit_domain
from cocreate_map.domain import funds as dom
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.china_time import to_china
from cocreate_map.domain.households import clean_label
from cocreate_map.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from cocreate_map.services import audit
from cocreate_map.services import works as works_service
from cocreate_map.services.access import EDITORS, EVERY_STAFF, require_reader, require_staff
from cocreate_map.services.audit import audit_entries, audit_head, lock_chain, record
from cocreate_map.services.ballots import tally_ballot
from cocreate_map.services.staff import StaffIdentity, staff_identity
from cocreate_map.storage import funds_repo as repo
from cocreate_map.storage import repositories as community_repo
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.funds_tables import FundEntryRow, LabourEntryRow
from cocreate_map.storage.tables import CommunityRow, utcnow

TREASURERS = EDITORS  # who records, approves and reverses money: admins and planners

#: the accounts every community starts with: (name, kind)
DEFAULT_ACCOUNTS = (
    ("自治公益金", dom.AccountKind.SELF_GOVERNED),
    ("维修资金", dom.AccountKind.MAINTENANCE),
)
LABOUR_RATE_KEY = "funds.labour_rate"
SHARING_KEY = "funds.cost_sharing"
SETTABLE = ("labour_rate_yuan_per_hour", "cost_sharing", "defect_window_days", "contest_threshold")
MAX_WINDOW_DAYS = 3650
MAX_TEXT = 200
MAX_NOTE = 1000


# ---------------------------------------------------------------- what pages and commands get


@dataclass(frozen=True)
class AccountInfo:
    id: int
    name: str
    kind: dom.AccountKind
    income_fen: int
    expense_fen: int
    interest_fen: int
    balance_fen: int
    pending: int


@dataclass(frozen=True)
class WorkMoney:
    """A work's money for the works page: budget, approved spending, verified in-kind labour."""

    work_id: int
    title: str
    budget_fen: int
    spent_fen: int
    pending_fen: int
    in_kind_fen: int
    verified_quarters: int
    progress_pct: int
    status: str


@dataclass(frozen=True)
class EntryInfo:
    """One ledger entry as a page shows it. ``source`` is public-safe: a consented name, else
    "" (shown as 居民 / 未公开); ``donor_private`` is the name for staff only."""

    id: int
    account: str
    kind: dom.Kind
    amount_fen: int
    method: str
    donor_type: str
    source: str
    donor_private: str
    consent: bool
    work_id: int | None
    work_title: str
    payee: str
    receipt_no: str
    note: str
    occurred_on: date | None
    recorded_by: str
    recorded_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    reverses_id: int | None
    reversed_by_id: int | None
    photo_ids: tuple[int, ...]

    @property
    def status(self) -> str:
        """counted | pending | reversed | reversal"""
        if self.reverses_id is not None:
            return "reversal"
        if self.reversed_by_id is not None:
            return "reversed"
        if self.kind is dom.Kind.EXPENSE and self.approved_by is None:
            return "pending"
        return "counted"


@dataclass(frozen=True)
class LabourInfo:
    id: int
    work_id: int
    work_title: str
    who: str  # public-safe: a consented name or household label, else ""
    who_private: str
    team: str
    worked_on: date
    task: str
    quarter_hours: int
    show_name: bool
    entered_by: str
    verified_by: str | None
    photo_ids: tuple[int, ...]


@dataclass(frozen=True)
class ThanksLine:
    name: str
    team: str
    quarter_hours: int


@dataclass(frozen=True)
class FundsSummary:
    slug: str
    community_name: str
    totals: dom.Totals
    accounts: tuple[AccountInfo, ...]
    works: tuple[WorkMoney, ...]
    donors: dom.PublicDonors
    income_by_source: tuple[
        tuple[str, int], ...
    ]  # (source key, fen), e.g. ("donation.household", …)
    in_kind_fen: int
    verified_quarters: int
    pending_labour: int
    labour_rate_fen: int | None
    sharing_formula: str
    sharing_ballot: int | None
    entries: int
    audit_head: str = audit_domain.GENESIS
    first_day: date | None = None
    last_day: date | None = None
    thanks: tuple[ThanksLine, ...] = field(default_factory=tuple)
    teams: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        """The keys of ``cocreate funds summary --json`` (issue 13 §6); money as yuan strings."""
        y = dom.yuan_plain
        return {
            "income": y(self.totals.income),
            "expense": y(self.totals.expense),
            "balance": y(self.totals.balance),
            "in_kind": y(self.in_kind_fen),
            "pending": self.totals.pending,
            "accounts": [
                {
                    "name": a.name,
                    "income": y(a.income_fen),
                    "expense": y(a.expense_fen),
                    "balance": y(a.balance_fen),
                }
                for a in self.accounts
            ],
            "works": [
                {
                    "id": w.work_id,
                    "title": w.title,
                    "budget": y(w.budget_fen),
                    "spent": y(w.spent_fen),
                    "in_kind": y(w.in_kind_fen),
                    "progress": w.progress_pct,
                }
                for w in self.works
            ],
            "donors": {
                "households": self.donors.households,
                "named": self.donors.named_donors,
                "anonymous": self.donors.anonymous,
            },
        }


@dataclass(frozen=True)
class PhotoData:
    mime: str
    data: bytes


# ---------------------------------------------------------------- helpers


def _community(session: Session, slug: str) -> CommunityRow:
    return community_repo.community_by_slug(session, slug)


def _community_of(session: Session, community_id: int) -> CommunityRow:
    row = community_repo.community_or_none(session, community_id)
    if row is None:  # pragma: no cover - rows always have their community
        raise NotFound(key="funds.community", community_id=community_id)
    return row


def _text(value: str | None, what: str, most: int = MAX_TEXT) -> str:
    text = clean_label(value or "") if most <= MAX_TEXT else (value or "").strip()
    if len(text) > most:
        raise InvalidInput(key="funds.text_too_long", what=what, length=len(text), most=most)
    return text


def ensure_accounts(session: Session, community_id: int) -> list[repo.FundAccountRow]:
    rows = repo.accounts_of(session, community_id)
    if not rows:
        rows = [repo.add_account(session, community_id, n, k.value) for n, k in DEFAULT_ACCOUNTS]
    return rows


def _account(session: Session, community: CommunityRow, name: str | None) -> repo.FundAccountRow:
    rows = ensure_accounts(session, community.id)
    if not name:
        return rows[0]
    for r in rows:
        if r.name == name.strip():
            return r
    raise NotFound(
        key="funds.unknown_account",
        community=community.slug,
        account=name,
        known=", ".join(r.name for r in rows),
    )


def _household(session: Session, community: CommunityRow, label: str) -> Any:
    parts = [p.strip() for p in label.strip().split("-")]
    if len(parts) != 3 or not all(parts):
        raise InvalidInput(key="funds.household_form", household=label)
    row = repo.household_by_label(session, community.id, *parts)
    if row is None:
        raise NotFound(key="funds.unknown_household", household=label, community=community.slug)
    return row


def _work(session: Session, community: CommunityRow, work_id: int) -> Any:

    try:
        work = works_service.get_work(session, work_id)
    except NotFound:
        work = None
    if work is None or work.community_id != community.id:
        raise NotFound(key="funds.unknown_work", community=community.slug, work=work_id)
    return work


def _photo(
    session: Session, community_id: int, data: bytes, *, entry_id: int | None = None,
    labour_id: int | None = None,
) -> str:  # fmt: skip
    from cocreate_map.io.photos import clean_photo

    clean = clean_photo(data)
    digest = hashlib.sha256(clean.data).hexdigest()
    repo.add_photo(
        session,
        community_id=community_id,
        entry_id=entry_id,
        labour_id=labour_id,
        mime=clean.mime,
        width=clean.width,
        height=clean.height,
        sha256=digest,
        data=clean.data,
    )
    return digest


def _entry_payload(row: FundEntryRow, account: str, photos: Sequence[str]) -> dict[str, Any]:
    """Everything of an entry that must never change: the audit log keeps it, reconcile
    compares it."""
    return {
        "entry_id": row.id,
        "account": account,
        "kind": row.kind,
        "amount_fen": int(row.amount_fen),
        "method": row.method,
        "donor_type": row.donor_type,
        "household_label": row.household_label,
        "donor_name": row.donor_name,
        "consent": bool(row.consent),
        "work_id": row.work_id,
        "payee": row.payee,
        "receipt_no": row.receipt_no,
        "note": row.note,
        "occurred_on": row.occurred_on.isoformat() if row.occurred_on else None,
        "reverses_id": row.reverses_id,
        "recorded_by": row.recorded_by,
        "photos": list(photos),
    }


def _labour_payload(row: LabourEntryRow, photos: Sequence[str]) -> dict[str, Any]:
    return {
        "labour_id": row.id,
        "work_id": row.work_id,
        "household_label": row.household_label,
        "person_name": row.person_name,
        "team_id": row.team_id,
        "worked_on": row.worked_on.isoformat(),
        "task": row.task,
        "quarter_hours": int(row.quarter_hours),
        "show_name": bool(row.show_name),
        "entered_by": row.entered_by,
        "photos": list(photos),
    }


def _parse_day(value: date | str | None, now: datetime) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(key="labour.date", date=value) from None
    if day > to_china(now).date():  # not later than today in China
        raise InvalidInput(key="labour.date", date=str(value))
    return day


# ---------------------------------------------------------------- ledger writes


def add_entry(
    session: Session,
    who: StaffIdentity | None,
    slug: str,
    kind: str,
    amount: str,
    *,
    account: str | None = None,
    household: str | None = None,
    donor: str | None = None,
    source: str | None = None,
    method: str = "cash",
    work_id: int | None = None,
    payee: str = "",
    receipt_no: str = "",
    consent: bool = False,
    note: str = "",
    occurred_on: date | str | None = None,
    photo: bytes | None = None,
    now: datetime | None = None,
) -> EntryInfo:
    """Record a donation, contribution, interest or expense; an expense waits for approval."""
    community = _community(session, slug)
    staff = require_staff(who, community.id, TREASURERS, action="funds.add")
    now = now or utcnow()
    try:
        k = dom.Kind(kind.strip().lower())
    except ValueError:
        raise InvalidInput(key="funds.kind", kind=kind) from None
    fen = dom.parse_yuan(amount)
    try:
        m = dom.Method(method.strip().lower()) if method else dom.Method.CASH
    except ValueError:
        raise InvalidInput(key="funds.method", method=method) from None
    household_row = None
    donor_name = _text(donor, "donor")
    if k is dom.Kind.DONATION:
        if household and donor_name:
            raise InvalidInput(key="funds.donor_both")
        if household:
            household_row = _household(session, community, household)
            donor_type = dom.DonorType.HOUSEHOLD
        elif donor_name:
            donor_type = dom.DonorType.NAMED
        else:
            donor_type = dom.DonorType.ANONYMOUS
            consent = False
    elif k is dom.Kind.CONTRIBUTION:
        try:
            donor_type = dom.DonorType((source or "unit").strip().lower())
        except ValueError:
            raise InvalidInput(key="funds.source", source=source) from None
        if not donor_name:
            raise InvalidInput(key="funds.donor_missing")
        consent = True  # government and units are public bodies: always named
    else:
        donor_type = dom.DonorType.ANONYMOUS
        donor_name = ""
        consent = False
    if k is not dom.Kind.EXPENSE:
        work_id = None if k is dom.Kind.INTEREST else work_id
    dom.check_new_entry(k, work_id, donor_type)
    if work_id is not None:
        _work(session, community, work_id)
    acct = _account(session, community, account)
    day = _parse_day(occurred_on, now) or now.date()
    lock_chain(session, community.id)
    row = repo.add_entry(
        session,
        community_id=community.id,
        account_id=acct.id,
        kind=k.value,
        amount_fen=fen,
        method=m.value,
        donor_type=donor_type.value,
        household_id=household_row.id if household_row is not None else None,
        household_label=household_row.label if household_row is not None else "",
        donor_name=donor_name,
        consent=bool(consent),
        work_id=work_id,
        payee=_text(payee, "payee"),
        receipt_no=_text(receipt_no, "receipt", 64),
        note=_text(note, "note", MAX_NOTE),
        occurred_on=day,
        reverses_id=None,
        recorded_by=staff.username,
        recorded_at=now,
    )
    photos = [_photo(session, community.id, photo, entry_id=row.id)] if photo else []
    record(
        session,
        community.id,
        staff.actor,
        "funds.entry",
        _entry_payload(row, acct.name, photos),
        now,
    )
    return get_entry(session, row.id, staff=True)


def approve_entry(
    session: Session, who: StaffIdentity | None, entry_id: int, now: datetime | None = None
) -> EntryInfo:
    """Another treasurer approves an expense; from then on it counts."""
    row = _entry_row(session, entry_id)
    staff = require_staff(who, row.community_id, TREASURERS, action="funds.approve")
    now = now or utcnow()
    lock_chain(session, row.community_id)
    ledger = repo.ledger_rows(session, row.community_id)
    [me] = [e for e in ledger if e.id == row.id]
    dom.check_approve(me, staff.username, ledger)
    repo.add_approval(session, row.id, staff.username, now)
    record(
        session, row.community_id, staff.actor, "funds.approve",
        {"entry_id": row.id, "approved_by": staff.username, "amount_fen": int(row.amount_fen)},
        now,
    )  # fmt: skip
    return get_entry(session, row.id, staff=True)


def reverse_entry(
    session: Session,
    who: StaffIdentity | None,
    entry_id: int,
    reason: str,
    now: datetime | None = None,
) -> EntryInfo:
    """Correct a mistake: a new entry with the opposite effect (the original stays as it was)."""
    row = _entry_row(session, entry_id)
    staff = require_staff(who, row.community_id, TREASURERS, action="funds.reverse")
    why = _text(reason, "reason", MAX_NOTE)
    if not why:
        raise InvalidInput(key="funds.reason_missing")
    now = now or utcnow()
    lock_chain(session, row.community_id)
    ledger = repo.ledger_rows(session, row.community_id)
    [me] = [e for e in ledger if e.id == row.id]
    dom.check_reverse(me, ledger)
    account = next(
        a.name for a in repo.accounts_of(session, row.community_id) if a.id == row.account_id
    )
    rev = repo.add_entry(
        session,
        community_id=row.community_id,
        account_id=row.account_id,
        kind=row.kind,
        amount_fen=row.amount_fen,
        method=row.method,
        donor_type=row.donor_type,
        household_id=row.household_id,
        household_label=row.household_label,
        donor_name=row.donor_name,
        consent=row.consent,
        work_id=row.work_id,
        payee=row.payee,
        receipt_no=row.receipt_no,
        note=why,
        occurred_on=now.date(),
        reverses_id=row.id,
        recorded_by=staff.username,
        recorded_at=now,
    )
    record(
        session,
        row.community_id,
        staff.actor,
        "funds.reverse",
        _entry_payload(rev, account, []),
        now,
    )
    return get_entry(session, rev.id, staff=True)


def _entry_row(session: Session, entry_id: int) -> FundEntryRow:
    row = repo.entry(session, int(entry_id))
    if row is None:
        raise NotFound(key="funds.unknown_entry", entry=entry_id)
    return row


# ---------------------------------------------------------------- labour writes


def add_team(session: Session, who: StaffIdentity | None, slug: str, name: str) -> int:
    community = _community(session, slug)
    staff = require_staff(who, community.id, EVERY_STAFF, action="labour.team")
    team = _text(name, "team", 100)
    if not team:
        raise InvalidInput(key="labour.unknown_team", team=name)
    existing = repo.team_by_name(session, community.id, team)
    if existing is not None:
        return existing.id
    lock_chain(session, community.id)
    row = repo.add_team(session, community.id, team, staff.username)
    record(session, community.id, staff.actor, "labour.team", {"team_id": row.id, "name": team})
    return row.id


def add_labour(
    session: Session,
    who: StaffIdentity | None,
    slug: str,
    work_id: int,
    hours: str,
    *,
    household: str | None = None,
    person: str | None = None,
    as_household_id: int | None = None,
    task: str = "",
    worked_on: date | str | None = None,
    team: str | None = None,
    show_name: bool = False,
    photo: bytes | None = None,
    now: datetime | None = None,
) -> LabourInfo:
    """Hours entered by staff (``who``), or by a household for itself (``as_household_id``, the
    household the page signed in with its code). They count only once staff verify them."""
    community = _community(session, slug)
    now = now or utcnow()
    household_row = None
    if as_household_id is not None and who is None:
        household_row = community_repo.household_or_none(session, as_household_id)
        if household_row is None or household_row.community_id != community.id:
            raise PermissionDenied(key="labour.code")
        entered_by = f"household:{household_row.id}"
        actor = entered_by
    else:
        staff = require_staff(who, community.id, EVERY_STAFF, action="labour.add")
        entered_by = staff.username
        actor = staff.actor
        if household:
            household_row = _household(session, community, household)
    name = _text(person, "person", 100)
    if household_row is None and not name:
        raise InvalidInput(key="labour.who")
    quarters = dom.parse_hours(hours)
    what = _text(task, "task")
    if not what:
        raise InvalidInput(key="labour.task_missing")
    _work(session, community, work_id)
    day = _parse_day(worked_on, now) or now.date()
    team_id = None
    if team:
        t = repo.team_by_name(session, community.id, team.strip())
        if t is None:
            raise NotFound(key="labour.unknown_team", team=team)
        team_id = t.id
    lock_chain(session, community.id)
    row = repo.add_labour(
        session,
        community_id=community.id,
        work_id=work_id,
        household_id=household_row.id if household_row is not None else None,
        household_label=household_row.label if household_row is not None else "",
        person_name=name,
        team_id=team_id,
        worked_on=day,
        task=what,
        quarter_hours=quarters,
        show_name=bool(show_name),
        entered_by=entered_by,
        entered_at=now,
    )
    photos = [_photo(session, community.id, photo, labour_id=row.id)] if photo else []
    record(session, community.id, actor, "labour.add", _labour_payload(row, photos), now)
    return _labour_info(session, row.id)


def verify_labour(
    session: Session, who: StaffIdentity | None, labour_id: int, now: datetime | None = None
) -> LabourInfo:
    row = repo.labour(session, int(labour_id))
    if row is None:
        raise NotFound(key="labour.unknown_entry", entry=labour_id)
    staff = require_staff(who, row.community_id, EVERY_STAFF, action="labour.verify")
    now = now or utcnow()
    lock_chain(session, row.community_id)
    done = repo.verification_of(session, row.id)
    if done is not None:
        raise InvalidTransition(key="labour.verified_twice", entry=row.id, by=done.verified_by)
    if row.entered_by == staff.username:
        raise PermissionDenied(key="labour.self_verify", entry=row.id, user=staff.username)
    repo.add_verification(session, row.id, staff.username, now)
    record(
        session, row.community_id, staff.actor, "labour.verify",
        {"labour_id": row.id, "verified_by": staff.username}, now,
    )  # fmt: skip
    return _labour_info(session, row.id)


# ---------------------------------------------------------------- settings


def labour_rate_fen(session: Session, community_id: int) -> int | None:
    value = repo.setting(session, community_id, LABOUR_RATE_KEY)
    return None if value is None else int(value["fen_per_hour"])


def sharing_formula(session: Session, community_id: int) -> tuple[str, int | None]:
    value = repo.setting(session, community_id, SHARING_KEY)
    if value is None:
        return "area", None
    return str(value["formula"]), value.get("ballot_id")


def set_setting(
    session: Session,
    who: StaffIdentity | None,
    slug: str,
    key: str,
    value: str,
    *,
    ballot_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """``labour_rate_yuan_per_hour 25`` or ``cost_sharing area|equal`` (``equal`` needs the
    passed ballot that adopted it). Returns the value as stored, for the confirmation line."""
    community = _community(session, slug)
    staff = require_staff(who, community.id, TREASURERS, action="settings.set")
    name = key.strip().lower()
    if name not in SETTABLE:
        raise InvalidInput(key="settings.unknown", name=key, known=", ".join(SETTABLE))
    lock_chain(session, community.id)
    if name in ("defect_window_days", "contest_threshold"):
        return _set_evaluation_setting(session, community.id, staff.actor, name, value, now)
    if name == "labour_rate_yuan_per_hour":
        try:
            fen = dom.parse_yuan(value)
        except InvalidInput:
            raise InvalidInput(key="settings.rate", value=value) from None
        repo.set_setting(session, community.id, LABOUR_RATE_KEY, {"fen_per_hour": fen})
        record(
            session,
            community.id,
            staff.actor,
            "funds.setting",
            {"key": name, "fen_per_hour": fen},
            now,
        )
        return dom.yuan_plain(fen)
    formula = value.strip().lower()
    if formula not in dom.SHARING_FORMULAS:
        raise InvalidInput(
            key="funds.share_formula", formula=value, known=", ".join(dom.SHARING_FORMULAS)
        )
    if formula != "area":
        if ballot_id is None:
            raise InvalidInput(key="settings.formula_ballot", formula=formula)

        try:
            res = tally_ballot(session, ballot_id)
        except NotFound:
            raise InvalidInput(key="settings.ballot_not_passed", ballot=ballot_id) from None
        if res.community_slug != community.slug or not res.decision.passed:
            raise InvalidInput(key="settings.ballot_not_passed", ballot=ballot_id)
    repo.set_setting(
        session, community.id, SHARING_KEY, {"formula": formula, "ballot_id": ballot_id}
    )
    record(
        session, community.id, staff.actor, "funds.setting",
        {"key": name, "formula": formula, "ballot_id": ballot_id}, now,
    )  # fmt: skip
    return formula


def _set_evaluation_setting(
    session: Session, community_id: int, actor: str, name: str, value: str, now: datetime | None
) -> str:
    """The co-evaluation settings (services.evaluation reads them): the defect window in whole
    days (1–3650) and the contest threshold as a fraction in (0, 1] such as 1/10."""
    from cocreate_map.domain.evaluation import parse_threshold

    if name == "defect_window_days":
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_WINDOW_DAYS:
            raise InvalidInput(key="settings.window_days", value=text[:20], max=MAX_WINDOW_DAYS)
        stored: dict[str, Any] = {"days": int(text)}
        shown = str(int(text))
    else:
        fraction = parse_threshold(value)
        stored = {"fraction": str(fraction)}
        shown = str(fraction)
    repo.set_setting(session, community_id, name, stored)
    record(session, community_id, actor, "evaluation.setting", {"key": name, **stored}, now)
    return shown


# ---------------------------------------------------------------- reads


def _work_titles(session: Session, community: CommunityRow) -> dict[int, Any]:

    return {w.id: w for w in works_service.list_works(session, community.slug)}


def _entry_info(
    row: FundEntryRow,
    account: str,
    approval: Any,
    reversed_by: int | None,
    works: dict[int, Any],
    photos: dict[tuple[str, int], list[int]],
) -> EntryInfo:
    if row.donor_type == dom.DonorType.HOUSEHOLD.value:
        private = row.household_label
    else:
        private = row.donor_name
    return EntryInfo(
        id=row.id,
        account=account,
        kind=dom.Kind(row.kind),
        amount_fen=int(row.amount_fen),
        method=row.method,
        donor_type=row.donor_type,
        source=private if row.consent else "",
        donor_private=private,
        consent=bool(row.consent),
        work_id=row.work_id,
        work_title=works[row.work_id].title if row.work_id in works else "",
        payee=row.payee,
        receipt_no=row.receipt_no,
        note=row.note,
        occurred_on=row.occurred_on,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        approved_by=approval.approved_by if approval is not None else None,
        approved_at=approval.approved_at if approval is not None else None,
        reverses_id=row.reverses_id,
        reversed_by_id=reversed_by,
        photo_ids=tuple(photos.get(("entry", row.id), ())),
    )


def get_entry(session: Session, entry_id: int, staff: bool = False) -> EntryInfo:
    row = _entry_row(session, entry_id)
    community = _community_of(session, row.community_id)
    account = next(
        a.name for a in repo.accounts_of(session, row.community_id) if a.id == row.account_id
    )
    rev = repo.reversal_of(session, row.id)
    info = _entry_info(
        row,
        account,
        repo.approval_of(session, row.id),
        rev.id if rev is not None else None,
        _work_titles(session, community),
        repo.photo_ids(session, row.community_id),
    )
    return info


def list_entries(session: Session, slug: str, limit: int = 200, offset: int = 0) -> list[EntryInfo]:
    """Entries newest first (``source`` public-safe; staff pages may show ``donor_private``)."""
    community = _community(session, slug)
    works = _work_titles(session, community)
    photos = repo.photo_ids(session, community.id)
    return [
        _entry_info(r, a.name, ap, rid, works, photos)
        for r, a, ap, rid in repo.entry_page(session, community.id, limit, offset)
    ]


@dataclass(frozen=True)
class StaffLedger:
    """What the funds staff page shows: the ledger with donors' names, the expenses waiting for
    a second account, and the volunteer hours. ``read_only``: a district admin overseeing the
    community (no forms; every writing use case refuses it anyway)."""

    read_only: bool
    summary: FundsSummary
    pending: list[EntryInfo]
    recent: list[EntryInfo]
    labour: list[LabourInfo]


def staff_ledger(
    session: Session, who: StaffIdentity | None, slug: str, recent: int = 100
) -> StaffLedger:
    """The staff view of the money, for the community's staff or its district's admin."""
    community = _community(session, slug)
    read_only = require_reader(
        who, community.id, community.district, EVERY_STAFF, action="funds.staff_view"
    )
    entries = list_entries(session, slug, limit=10**9)
    return StaffLedger(
        read_only=read_only,
        summary=summary(session, slug, with_labour=False),
        pending=[e for e in entries if e.status == "pending"],
        recent=entries[:recent],
        labour=list_labour(session, slug),
    )


def pending_expenses(session: Session, slug: str) -> list[EntryInfo]:
    return [e for e in list_entries(session, slug, limit=10**9) if e.status == "pending"]


def _labour_info_of(
    row: LabourEntryRow, verification: Any, team: str, works: dict[int, Any],
    photos: dict[tuple[str, int], list[int]],
) -> LabourInfo:  # fmt: skip
    private = row.person_name or row.household_label
    return LabourInfo(
        id=row.id,
        work_id=row.work_id,
        work_title=works[row.work_id].title if row.work_id in works else "",
        who=private if row.show_name else "",
        who_private=private,
        team=team,
        worked_on=row.worked_on,
        task=row.task,
        quarter_hours=int(row.quarter_hours),
        show_name=bool(row.show_name),
        entered_by=row.entered_by,
        verified_by=verification.verified_by if verification is not None else None,
        photo_ids=tuple(photos.get(("labour", row.id), ())),
    )


def _labour_info(session: Session, labour_id: int) -> LabourInfo:
    row = repo.labour(session, labour_id)
    assert row is not None
    [info] = [
        i
        for i in list_labour(session, _community_of(session, row.community_id).slug)
        if i.id == labour_id
    ]
    return info


def list_labour(session: Session, slug: str) -> list[LabourInfo]:
    community = _community(session, slug)
    works = _work_titles(session, community)
    photos = repo.photo_ids(session, community.id)
    return [
        _labour_info_of(r, v, team, works, photos)
        for r, v, team in repo.labour_rows(session, community.id)
    ]


def thanks_board(labour: Sequence[LabourInfo]) -> tuple[ThanksLine, ...]:
    """Verified volunteers who agreed to be shown, most hours first."""
    hours: dict[tuple[str, str], int] = {}
    for item in labour:
        if item.verified_by is not None and item.show_name and item.who:
            key = (item.who, item.team)
            hours[key] = hours.get(key, 0) + item.quarter_hours
    return tuple(
        ThanksLine(n, t, q) for (n, t), q in sorted(hours.items(), key=lambda p: (-p[1], p[0]))
    )


def summary(session: Session, slug: str, with_labour: bool = True) -> FundsSummary:  # noqa: ARG001 - the thanks board is one grouped query now
    """Totals by account and source, spending against budget per work, donors as consented,
    in-kind labour, and the audit head the notice prints."""
    community = _community(session, slug)
    accounts: list[Any] = repo.accounts_of(session, community.id) or [
        repo.FundAccountRow(id=0, name=n, kind=k.value) for n, k in DEFAULT_ACCOUNTS
    ]
    buckets = repo.ledger_buckets(session, community.id)
    rate = labour_rate_fen(session, community.id)
    quarters_by_work = repo.verified_quarters_by_work(session, community.id)
    spent = dom.spent_by_work(buckets)
    pending_by_work: dict[int, int] = {}
    for b in buckets:
        if b.kind is dom.Kind.EXPENSE and not b.approved and not b.is_reversal and not b.reversed:
            if b.work_id is not None:
                pending_by_work[b.work_id] = pending_by_work.get(b.work_id, 0) + b.amount_fen
    works = []
    for w in _work_titles(session, community).values():
        q = quarters_by_work.get(w.id, 0)
        works.append(
            WorkMoney(
                w.id, w.title, int(w.budget_fen), spent.get(w.id, 0), pending_by_work.get(w.id, 0),
                dom.labour_value_fen(q, rate) if rate else 0, q, int(w.progress_pct),
                str(getattr(w.status, "value", w.status)),
            )
        )  # fmt: skip
    account_infos = []
    for a in accounts:
        t = dom.totals_of_buckets(buckets, a.name)
        account_infos.append(
            AccountInfo(
                a.id, a.name, dom.AccountKind(a.kind), t.income, t.expense, t.interest,
                t.balance, t.pending,
            )
        )  # fmt: skip
    total_quarters = sum(quarters_by_work.values())
    formula, ballot = sharing_formula(session, community.id)
    days = repo.first_last_day(session, community.id)
    return FundsSummary(
        slug=community.slug,
        community_name=community.name,
        totals=dom.totals_of_buckets(buckets),
        accounts=tuple(account_infos),
        works=tuple(works),
        donors=dom.public_donors(repo.donations_grouped(session, community.id)),
        income_by_source=tuple(repo.income_by_source(session, community.id)),
        in_kind_fen=dom.labour_value_fen(total_quarters, rate) if rate else 0,
        verified_quarters=total_quarters,
        pending_labour=repo.pending_labour_count(session, community.id),
        labour_rate_fen=rate,
        sharing_formula=formula,
        sharing_ballot=ballot,
        entries=repo.count_entries(session, community.id),
        audit_head=audit_head(session, community.id),
        first_day=days[0],
        last_day=days[1],
        thanks=tuple(
            ThanksLine(n, team, q)
            for n, team, q in sorted(
                repo.thanks_rows(session, community.id), key=lambda r: (-r[2], r[0], r[1])
            )
            if n
        ),
        teams=tuple(t.name for t in repo.teams_of(session, community.id)),
    )


def work_money(session: Session, work_id: int) -> WorkMoney:
    """Budget, approved spending, pending spending and verified in-kind labour of one work (for
    the works page)."""

    w = works_service.get_work(session, work_id)
    ledger = repo.ledger_rows(session, w.community_id)
    gone = dom.reversed_ids(ledger)
    pending = sum(
        e.amount_fen
        for e in ledger
        if e.work_id == w.id and e.kind is dom.Kind.EXPENSE and e.reverses is None
        and e.approved_by is None and e.id not in gone
    )  # fmt: skip
    rate = labour_rate_fen(session, w.community_id)
    q = repo.verified_quarters_of_work(session, w.id)
    return WorkMoney(
        w.id, w.title, int(w.budget_fen), dom.spent_on_work(ledger, w.id), pending,
        dom.labour_value_fen(q, rate) if rate else 0, q, int(w.progress_pct),
        str(getattr(w.status, "value", w.status)),
    )  # fmt: skip


def cost_shares(session: Session, slug: str, total_fen: int) -> dict[str, int]:
    """Per-household shares of ``total_fen``: R10 (exclusive area) unless a ballot adopted
    another formula."""
    community = _community(session, slug)
    formula, _ballot = sharing_formula(session, community.id)
    areas = repo.household_areas(session, community.id)
    return dom.shares(formula, total_fen, areas)


def photo(session: Session, photo_id: int) -> PhotoData:
    row = repo.photo(session, photo_id)
    if row is None:
        raise NotFound(key="funds.receipt_photo", photo_id=photo_id)
    return PhotoData(row.mime, bytes(row.data))


def staff_by_name(session: Session, username: str) -> StaffIdentity:
    """The CLI's ``--by USER``: an existing, enabled staff account."""

    return staff_identity(session, username)


# ---------------------------------------------------------------- reconciliation with the log


def reconcile(session: Session, community_id: int) -> list[str]:
    """Ledger and labour rows that differ from what the audit log recorded: an edited amount,
    a row inserted behind the application's back, a deleted row or approval."""
    problems: list[str] = []
    logged_entries: dict[int, dict[str, Any]] = {}
    logged_approvals: dict[int, str] = {}
    logged_labour: dict[int, dict[str, Any]] = {}
    logged_verified: dict[int, str] = {}
    for r in audit_entries(session, community_id):
        p = r.payload
        if r.action == "community.moved":  # ids were given anew by the target database
            logged_entries, logged_approvals, logged_labour, logged_verified = _moved(
                p.get("id_maps", {}), logged_entries, logged_approvals, logged_labour,
                logged_verified,
            )  # fmt: skip
            continue
        if r.action in ("funds.entry", "funds.reverse"):
            logged_entries[int(p["entry_id"])] = dict(p)
        elif r.action == "funds.approve":
            logged_approvals[int(p["entry_id"])] = p["approved_by"]
        elif r.action == "labour.add":
            logged_labour[int(p["labour_id"])] = dict(p)
        elif r.action == "labour.verify":
            logged_verified[int(p["labour_id"])] = p["verified_by"]
    names = {a.id: a.name for a in repo.accounts_of(session, community_id)}
    seen: set[int] = set()
    for row, acct, _approval, _rid in repo.all_entries(session, community_id):
        seen.add(row.id)
        logged = logged_entries.get(row.id)
        if logged is None:
            problems.append(f"ledger entry {row.id} is not in the audit log (inserted directly)")
            continue
        now = _entry_payload(row, names.get(row.account_id, acct.name), logged.get("photos", []))
        diff = sorted(k for k in now if now[k] != logged.get(k))
        if diff:
            problems.append(
                f"ledger entry {row.id} differs from the audit log in {', '.join(diff)} (edited)"
            )
    for missing in sorted(logged_entries.keys() - seen):
        problems.append(
            f"ledger entry {missing} is in the audit log but not in the ledger (deleted)"
        )
    approvals = {a.entry_id: a.approved_by for a in repo.approvals_of(session, community_id)}
    for eid, by in approvals.items():
        if logged_approvals.get(eid) != by:
            problems.append(f"approval of ledger entry {eid} by {by} is not in the audit log")
    for eid in sorted(logged_approvals.keys() - approvals.keys()):
        problems.append(f"approval of ledger entry {eid} was deleted")
    seen_labour: set[int] = set()
    for lrow, _v, _team in repo.labour_rows(session, community_id):
        seen_labour.add(lrow.id)
        logged = logged_labour.get(lrow.id)
        if logged is None:
            problems.append(f"labour entry {lrow.id} is not in the audit log (inserted directly)")
            continue
        now = _labour_payload(lrow, logged.get("photos", []))
        diff = sorted(k for k in now if now[k] != logged.get(k))
        if diff:
            problems.append(
                f"labour entry {lrow.id} differs from the audit log in {', '.join(diff)}"
            )
    for missing in sorted(logged_labour.keys() - seen_labour):
        problems.append(f"labour entry {missing} was deleted")
    verified = {
        v.labour_id: v.verified_by for v in repo.labour_verifications_of(session, community_id)
    }
    for lid, by in verified.items():
        if logged_verified.get(lid) != by:
            problems.append(f"verification of labour entry {lid} by {by} is not in the audit log")
    return problems


def _moved(
    id_maps: dict[str, list[list[int]]],
    entries: dict[int, dict[str, Any]],
    approvals: dict[int, str],
    labour: dict[int, dict[str, Any]],
    verified: dict[int, str],
) -> tuple[dict[int, dict[str, Any]], dict[int, str], dict[int, dict[str, Any]], dict[int, str]]:
    """The logged facts with the ids a ``community.moved`` entry maps old → new."""
    from cocreate_map.storage.transfer import from_runs

    e_map = from_runs(id_maps.get("fund_entries", []))
    w_map = from_runs(id_maps.get("works", []))
    l_map = from_runs(id_maps.get("labour_entries", []))
    t_map = from_runs(id_maps.get("volunteer_teams", []))

    def m(table: dict[int, int], value: Any) -> Any:
        return table.get(value, value) if isinstance(value, int) else value

    new_entries = {}
    for k, p in entries.items():
        q = dict(p)
        q["entry_id"] = m(e_map, q.get("entry_id"))
        q["reverses_id"] = m(e_map, q.get("reverses_id"))
        q["work_id"] = m(w_map, q.get("work_id"))
        new_entries[m(e_map, k)] = q
    new_labour = {}
    for k, p in labour.items():
        q = dict(p)
        q["labour_id"] = m(l_map, q.get("labour_id"))
        q["work_id"] = m(w_map, q.get("work_id"))
        q["team_id"] = m(t_map, q.get("team_id"))
        new_labour[m(l_map, k)] = q
    return (
        new_entries,
        {m(e_map, k): v for k, v in approvals.items()},
        new_labour,
        {m(l_map, k): v for k, v in verified.items()},
    )


def is_staff_role(who: StaffIdentity | None) -> bool:
    return who is not None and who.role in (Role.ADMIN, Role.PLANNER)


# ---------------------------------------------------------------- notice and export


@dataclass(frozen=True)
class WorkSharing:
    """How a work's approved spending falls on households: the formula and, for R10, the
    rate per m² of exclusive area."""

    work_id: int
    title: str
    spent_fen: int
    formula: str  # area | equal
    households: int
    area_m2: str  # total exclusive area, exact text
    per_m2_fen: str  # exact rate, e.g. "31.25" fen per m² (area) or per household (equal)


@dataclass(frozen=True)
class NoticeData:
    summary: FundsSummary
    entries: tuple[EntryInfo, ...]  # oldest first, public-safe ``source``
    sharing: tuple[WorkSharing, ...]


def notice_data(session: Session, slug: str) -> NoticeData:
    """Everything the 公示 prints (165号令 第三十条): the summary, the ledger and the sharing."""
    from fractions import Fraction

    s = summary(session, slug)
    community = _community(session, slug)
    entries = tuple(reversed(list_entries(session, slug, limit=10**9)))
    areas = repo.household_areas(session, community.id)
    total_area = sum((Fraction(a) for a in areas.values()), Fraction(0))
    sharing = []
    for w in s.works:
        if w.spent_fen <= 0:
            continue
        if s.sharing_formula == "area" and total_area > 0:
            rate = Fraction(w.spent_fen) / total_area
        elif areas:
            rate = Fraction(w.spent_fen, len(areas))
        else:
            rate = Fraction(0)
        sharing.append(
            WorkSharing(
                w.work_id, w.title, w.spent_fen, s.sharing_formula, len(areas),
                _decimal_text(total_area, 2), _decimal_text(rate, 2),
            )
        )  # fmt: skip
    return NoticeData(s, entries, tuple(sharing))


def _decimal_text(value: Any, places: int) -> str:
    """A fraction as decimal text, rounded half up to ``places``."""
    from fractions import Fraction

    scaled = dom.round_half_up(Fraction(value) * 10**places)
    sign = "-" if scaled < 0 else ""
    n = abs(scaled)
    return f"{sign}{n // 10**places}.{n % 10**places:0{places}d}"


def _check_ledger(session: Session, community_id: int, _rows: Sequence[AuditRow]) -> list[str]:
    """The ledger against the log, for ``cocreate audit verify`` (services.audit.CHECKS)."""
    return reconcile(session, community_id)


audit.register_check("funds", _check_ledger)
