"""Queries of the funds ledger and volunteer labour. Functions take a Session and never commit.

The totals come from one grouped query (:func:`ledger_buckets`): the database folds the entries
by what decides their effect, and ``domain.funds.totals_of_buckets`` applies the rule.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session, aliased

from cocreate_map.domain import funds as dom
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.funds_tables import (
    FundAccountRow,
    FundApprovalRow,
    FundEntryRow,
    FundPhotoRow,
    LabourEntryRow,
    LabourVerificationRow,
    VolunteerTeamRow,
)
from cocreate_map.storage.tables import CommunitySettingRow

# ---------------------------------------------------------------- accounts


def accounts_of(session: Session, community_id: int) -> list[FundAccountRow]:
    return list(
        session.scalars(
            select(FundAccountRow)
            .where(FundAccountRow.community_id == community_id)
            .order_by(FundAccountRow.id)
        )
    )


def add_account(session: Session, community_id: int, name: str, kind: str) -> FundAccountRow:
    row = FundAccountRow(community_id=community_id, name=name, kind=kind)
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- entries


def entry(session: Session, entry_id: int) -> FundEntryRow | None:
    return session.get(FundEntryRow, entry_id)


def add_entry(session: Session, **values: Any) -> FundEntryRow:
    row = FundEntryRow(**values)
    session.add(row)
    session.flush()
    return row


def add_approval(session: Session, entry_id: int, by: str, at: datetime) -> FundApprovalRow:
    row = FundApprovalRow(entry_id=entry_id, approved_by=by, approved_at=at)
    session.add(row)
    session.flush()
    return row


def approval_of(session: Session, entry_id: int) -> FundApprovalRow | None:
    return session.scalar(select(FundApprovalRow).where(FundApprovalRow.entry_id == entry_id))


def reversal_of(session: Session, entry_id: int) -> FundEntryRow | None:
    return session.scalar(select(FundEntryRow).where(FundEntryRow.reverses_id == entry_id))


def ledger_rows(session: Session, community_id: int) -> list[dom.LedgerEntry]:
    """Every entry of the community as the rules see it (for checks on one account)."""
    stmt = (
        select(
            FundEntryRow.id,
            FundAccountRow.name,
            FundEntryRow.kind,
            FundEntryRow.amount_fen,
            FundEntryRow.recorded_by,
            FundApprovalRow.approved_by,
            FundEntryRow.reverses_id,
            FundEntryRow.work_id,
        )
        .join(FundAccountRow, FundAccountRow.id == FundEntryRow.account_id)
        .outerjoin(FundApprovalRow, FundApprovalRow.entry_id == FundEntryRow.id)
        .where(FundEntryRow.community_id == community_id)
        .order_by(FundEntryRow.id)
    )
    return [
        dom.LedgerEntry(r[0], r[1], dom.Kind(r[2]), int(r[3]), r[4], r[5], r[6], r[7])
        for r in session.execute(stmt)
    ]


def ledger_buckets(session: Session, community_id: int) -> list[dom.Bucket]:
    """The community's entries folded by account, kind, work, reversal, approval (one query)."""
    orig = aliased(FundEntryRow)
    rev = aliased(FundEntryRow)
    kind = func.coalesce(orig.kind, FundEntryRow.kind)
    work = case((orig.id.is_(None), FundEntryRow.work_id), else_=orig.work_id)
    account = func.coalesce(orig.account_id, FundEntryRow.account_id)
    is_rev = case((FundEntryRow.reverses_id.is_(None), literal(0)), else_=literal(1))
    approved = case((FundApprovalRow.id.is_(None), literal(0)), else_=literal(1))
    reversed_ = case((rev.id.is_(None), literal(0)), else_=literal(1))
    stmt = (
        select(
            account,
            kind,
            work,
            is_rev,
            approved,
            reversed_,
            func.count(),
            func.sum(FundEntryRow.amount_fen),
        )
        .select_from(FundEntryRow)
        .outerjoin(orig, orig.id == FundEntryRow.reverses_id)
        .outerjoin(
            FundApprovalRow,
            FundApprovalRow.entry_id == func.coalesce(FundEntryRow.reverses_id, FundEntryRow.id),
        )
        .outerjoin(rev, rev.reverses_id == FundEntryRow.id)
        .where(FundEntryRow.community_id == community_id)
        .group_by(account, kind, work, is_rev, approved, reversed_)
    )
    names = {a.id: a.name for a in accounts_of(session, community_id)}
    return [
        dom.Bucket(
            names[r[0]],
            dom.Kind(r[1]),
            r[2],
            bool(r[3]),
            bool(r[4]),
            bool(r[5]),
            int(r[6]),
            int(r[7] or 0),
        )
        for r in session.execute(stmt)
    ]


def donations_grouped(session: Session, community_id: int) -> list[dom.Donation]:
    """Donations that stand (not reversed), folded per donor, with consent if any gift had it."""
    rev = aliased(FundEntryRow)
    key = case(
        (FundEntryRow.donor_type == dom.DonorType.HOUSEHOLD.value, FundEntryRow.household_label),
        else_=FundEntryRow.donor_name,
    )
    stmt = (
        select(
            FundEntryRow.donor_type,
            key,
            func.max(case((FundEntryRow.consent, literal(1)), else_=literal(0))),
            func.count(),
            func.sum(FundEntryRow.amount_fen),
        )
        .outerjoin(rev, rev.reverses_id == FundEntryRow.id)
        .where(
            FundEntryRow.community_id == community_id,
            FundEntryRow.kind == dom.Kind.DONATION.value,
            FundEntryRow.reverses_id.is_(None),
            rev.id.is_(None),
        )
        .group_by(FundEntryRow.donor_type, key)
    )
    return [
        dom.Donation(
            0, dom.DonorType(r[0]), r[1] or "", int(r[4] or 0), bool(r[2]), r[1] or "", int(r[3])
        )
        for r in session.execute(stmt)
    ]


def entry_page(
    session: Session, community_id: int, limit: int, offset: int = 0
) -> list[tuple[FundEntryRow, FundAccountRow, FundApprovalRow | None, int | None]]:
    """Entries newest first with their account, approval and the id of their reversal."""
    rev = aliased(FundEntryRow)
    stmt = (
        select(FundEntryRow, FundAccountRow, FundApprovalRow, rev.id)
        .join(FundAccountRow, FundAccountRow.id == FundEntryRow.account_id)
        .outerjoin(FundApprovalRow, FundApprovalRow.entry_id == FundEntryRow.id)
        .outerjoin(rev, rev.reverses_id == FundEntryRow.id)
        .where(FundEntryRow.community_id == community_id)
        .order_by(FundEntryRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(stmt)]


def count_entries(session: Session, community_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(FundEntryRow)
            .where(FundEntryRow.community_id == community_id)
        )
        or 0
    )


def all_entries(
    session: Session, community_id: int
) -> list[tuple[FundEntryRow, FundAccountRow, FundApprovalRow | None, int | None]]:
    return entry_page(session, community_id, limit=10**9)


def approvals_of(session: Session, community_id: int) -> list[FundApprovalRow]:
    return list(
        session.scalars(
            select(FundApprovalRow)
            .join(FundEntryRow, FundEntryRow.id == FundApprovalRow.entry_id)
            .where(FundEntryRow.community_id == community_id)
        )
    )


def expenses_by_work(session: Session, community_id: int) -> dict[int, list[FundEntryRow]]:
    rows = session.scalars(
        select(FundEntryRow).where(
            FundEntryRow.community_id == community_id,
            FundEntryRow.kind == dom.Kind.EXPENSE.value,
            FundEntryRow.work_id.is_not(None),
        )
    )
    out: dict[int, list[FundEntryRow]] = {}
    for r in rows:
        assert r.work_id is not None
        out.setdefault(r.work_id, []).append(r)
    return out


# ---------------------------------------------------------------- photos


def add_photo(session: Session, **values: Any) -> FundPhotoRow:
    row = FundPhotoRow(**values)
    session.add(row)
    session.flush()
    return row


def photo(session: Session, photo_id: int) -> FundPhotoRow | None:
    return session.get(FundPhotoRow, photo_id)


def photo_ids(session: Session, community_id: int) -> dict[tuple[str, int], list[int]]:
    """{("entry", id) | ("labour", id): [photo ids]} without loading the pictures."""
    out: dict[tuple[str, int], list[int]] = {}
    stmt = select(FundPhotoRow.id, FundPhotoRow.entry_id, FundPhotoRow.labour_id).where(
        FundPhotoRow.community_id == community_id
    )
    for pid, eid, lid in session.execute(stmt.order_by(FundPhotoRow.id)):
        key = ("entry", eid) if eid is not None else ("labour", lid)
        out.setdefault(key, []).append(pid)
    return out


# ---------------------------------------------------------------- households


def household_by_label(
    session: Session, community_id: int, building: str, unit: str, room: str
) -> HouseholdRow | None:
    return session.scalar(
        select(HouseholdRow).where(
            HouseholdRow.community_id == community_id,
            HouseholdRow.building == building,
            HouseholdRow.unit == unit,
            HouseholdRow.room == room,
        )
    )


def household_areas(session: Session, community_id: int) -> dict[str, str]:
    """{"1-1-101": "65.37"} of the register, in register order."""
    rows = session.execute(
        select(HouseholdRow.building, HouseholdRow.unit, HouseholdRow.room, HouseholdRow.area_m2)
        .where(HouseholdRow.community_id == community_id)
        .order_by(HouseholdRow.id)
    )
    return {f"{b}-{u}-{r}": a for b, u, r, a in rows}


# ---------------------------------------------------------------- labour


def team_by_name(session: Session, community_id: int, name: str) -> VolunteerTeamRow | None:
    return session.scalar(
        select(VolunteerTeamRow).where(
            VolunteerTeamRow.community_id == community_id, VolunteerTeamRow.name == name
        )
    )


def teams_of(session: Session, community_id: int) -> list[VolunteerTeamRow]:
    return list(
        session.scalars(
            select(VolunteerTeamRow)
            .where(VolunteerTeamRow.community_id == community_id)
            .order_by(VolunteerTeamRow.id)
        )
    )


def add_team(session: Session, community_id: int, name: str, by: str) -> VolunteerTeamRow:
    row = VolunteerTeamRow(community_id=community_id, name=name, created_by=by)
    session.add(row)
    session.flush()
    return row


def add_labour(session: Session, **values: Any) -> LabourEntryRow:
    row = LabourEntryRow(**values)
    session.add(row)
    session.flush()
    return row


def labour(session: Session, labour_id: int) -> LabourEntryRow | None:
    return session.get(LabourEntryRow, labour_id)


def verification_of(session: Session, labour_id: int) -> LabourVerificationRow | None:
    return session.scalar(
        select(LabourVerificationRow).where(LabourVerificationRow.labour_id == labour_id)
    )


def add_verification(
    session: Session, labour_id: int, by: str, at: datetime
) -> LabourVerificationRow:
    row = LabourVerificationRow(labour_id=labour_id, verified_by=by, verified_at=at)
    session.add(row)
    session.flush()
    return row


def labour_rows(
    session: Session, community_id: int
) -> list[tuple[LabourEntryRow, LabourVerificationRow | None, str]]:
    """Labour entries newest first with their verification and team name."""
    stmt = (
        select(LabourEntryRow, LabourVerificationRow, VolunteerTeamRow.name)
        .outerjoin(LabourVerificationRow, LabourVerificationRow.labour_id == LabourEntryRow.id)
        .outerjoin(VolunteerTeamRow, VolunteerTeamRow.id == LabourEntryRow.team_id)
        .where(LabourEntryRow.community_id == community_id)
        .order_by(LabourEntryRow.id.desc())
    )
    return [(r[0], r[1], r[2] or "") for r in session.execute(stmt)]


def verified_quarters_by_work(session: Session, community_id: int) -> dict[int, int]:
    stmt = (
        select(LabourEntryRow.work_id, func.sum(LabourEntryRow.quarter_hours))
        .join(LabourVerificationRow, LabourVerificationRow.labour_id == LabourEntryRow.id)
        .where(LabourEntryRow.community_id == community_id)
        .group_by(LabourEntryRow.work_id)
    )
    return {w: int(q or 0) for w, q in session.execute(stmt)}


def verified_quarters_of_work(session: Session, work_id: int) -> int:
    return int(
        session.scalar(
            select(func.sum(LabourEntryRow.quarter_hours))
            .join(LabourVerificationRow, LabourVerificationRow.labour_id == LabourEntryRow.id)
            .where(LabourEntryRow.work_id == work_id)
        )
        or 0
    )


def pending_labour_count(session: Session, community_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LabourEntryRow)
            .outerjoin(LabourVerificationRow, LabourVerificationRow.labour_id == LabourEntryRow.id)
            .where(LabourEntryRow.community_id == community_id, LabourVerificationRow.id.is_(None))
        )
        or 0
    )


def labour_verifications_of(session: Session, community_id: int) -> list[LabourVerificationRow]:
    return list(
        session.scalars(
            select(LabourVerificationRow)
            .join(LabourEntryRow, LabourEntryRow.id == LabourVerificationRow.labour_id)
            .where(LabourEntryRow.community_id == community_id)
        )
    )


# ---------------------------------------------------------------- settings


def setting(session: Session, community_id: int, key: str) -> dict[str, Any] | None:
    row = session.scalar(
        select(CommunitySettingRow).where(
            CommunitySettingRow.community_id == community_id, CommunitySettingRow.key == key
        )
    )
    return None if row is None else dict(row.value)


def set_setting(session: Session, community_id: int, key: str, value: dict[str, Any]) -> None:
    row = session.scalar(
        select(CommunitySettingRow).where(
            CommunitySettingRow.community_id == community_id, CommunitySettingRow.key == key
        )
    )
    if row is None:
        session.add(CommunitySettingRow(community_id=community_id, key=key, value=value))
    else:
        row.value = value
    session.flush()


def income_by_source(session: Session, community_id: int) -> list[tuple[str, int]]:
    """[("donation.household", fen), ("contribution.government", fen), …]: income that stands
    (neither a reversal nor reversed), by kind and donor type, largest first."""
    rev = aliased(FundEntryRow)
    stmt = (
        select(FundEntryRow.kind, FundEntryRow.donor_type, func.sum(FundEntryRow.amount_fen))
        .outerjoin(rev, rev.reverses_id == FundEntryRow.id)
        .where(
            FundEntryRow.community_id == community_id,
            FundEntryRow.kind != dom.Kind.EXPENSE.value,
            FundEntryRow.reverses_id.is_(None),
            rev.id.is_(None),
        )
        .group_by(FundEntryRow.kind, FundEntryRow.donor_type)
    )
    out = []
    for kind, donor_type, fen in session.execute(stmt):
        key = kind if kind == dom.Kind.INTEREST.value else f"{kind}.{donor_type}"
        out.append((key, int(fen or 0)))
    return sorted(out, key=lambda p: (-p[1], p[0]))


def first_last_day(session: Session, community_id: int) -> tuple[date | None, date | None]:
    row = session.execute(
        select(func.min(FundEntryRow.occurred_on), func.max(FundEntryRow.occurred_on)).where(
            FundEntryRow.community_id == community_id
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def thanks_rows(session: Session, community_id: int) -> list[tuple[str, str, int]]:
    """(name, team, verified quarter hours) of volunteers who agreed to be shown, grouped."""
    name = case(
        (LabourEntryRow.person_name != "", LabourEntryRow.person_name),
        else_=LabourEntryRow.household_label,
    )
    stmt = (
        select(
            name, func.coalesce(VolunteerTeamRow.name, ""), func.sum(LabourEntryRow.quarter_hours)
        )
        .join(LabourVerificationRow, LabourVerificationRow.labour_id == LabourEntryRow.id)
        .outerjoin(VolunteerTeamRow, VolunteerTeamRow.id == LabourEntryRow.team_id)
        .where(LabourEntryRow.community_id == community_id, LabourEntryRow.show_name.is_(True))
        .group_by(name, VolunteerTeamRow.name)
    )
    return [(n or "", t or "", int(q or 0)) for n, t, q in session.execute(stmt)]
