"""The storage layer confines a transaction to one community (issue 15.1; storage/scope.py), on
SQLite and PostgreSQL.

Two demo communities, A and B, in one database. Every service use case that takes an id (a mark,
ballot, vote conflict, household, work, ledger entry, volunteer record, convention, import,
element, photo, sign-in token or household code) is called inside A's scope with B's id, by an
admin of *every* community (``local_admin``), so the role check lets it through and only the
scope stands between A and B. Each call must end in "not found" (or the scope's own refusal),
load no row of B into the session, and leave B's rows as they were.

A completeness check lists every public use case of ``cocreate_map.services`` that takes a
session and an id: each is in the table below or in ``TAKES_RESOLVED`` with its reason, so a new
use case cannot skip this test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import cocreate_map.services as services_pkg
from cocreate_map import services
from cocreate_map.errors import CocreateError, NotFound, PermissionDenied
from cocreate_map.services import audit as AU
from cocreate_map.services import ballots as B
from cocreate_map.services import conventions as C
from cocreate_map.services import evaluation as E
from cocreate_map.services import funds as F
from cocreate_map.services import households as H
from cocreate_map.services import imports as I
from cocreate_map.services import marks as M
from cocreate_map.services import meeting as MT
from cocreate_map.services import options as O
from cocreate_map.services import sessions as SS
from cocreate_map.services import story as ST
from cocreate_map.services import works as W
from cocreate_map.services.access import local_admin
from cocreate_map.services.demo import register as DR
from cocreate_map.storage import repositories as repo
from cocreate_map.storage import scope
from cocreate_map.storage.ballot_tables import VoteConflictRow
from cocreate_map.storage.db import transaction
from cocreate_map.storage.mark_tables import MarkCommentRow, MarkPhotoRow, MarkRow
from cocreate_map.storage.options_tables import OptionChangeRow
from cocreate_map.storage.schema import metadata
from cocreate_map.storage.tables import ElementRow, ImportRow, utcnow
from cocreate_map.storage.work_tables import WorkPhotoRow
from tests.conftest import module_database, shared_data_dir

A, B_SLUG = services.DEMO_SLUG, "second-estate"
ADMIN = local_admin()
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


# one data folder (audit key and signed heads) for the module's shared databases
_module_data, _data_dir = shared_data_dir("scope-data")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, _module_data: Path) -> Iterator[tuple[Any, dict]]:
    """Communities A and B (the demo twice) and the ids of B's things, built once per database."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COCREATE_DATA_DIR", str(_module_data))
    with module_database(request.param, _module_data) as engine:
        yield from _two_communities(engine)
    mp.undo()


def _two_communities(engine: Any) -> Iterator[tuple[Any, dict]]:
    with transaction(engine) as s:
        services.load_demo(s)
    with transaction(engine) as s:
        services.load_demo(s, B_SLUG)
    with transaction(engine) as s:
        a, b = repo.community_by_slug(s, A), repo.community_by_slug(s, B_SLUG)
        b_household = H.list_households(s, B_SLUG)[0]
        b_ballots = B.ballot_infos(s, B_SLUG)
        b_open = next(x for x in b_ballots if x.status == "open")
        b_mark = next(m for m in M.list_marks(s, B_SLUG, staff=ADMIN))
        b_work = W.list_works(s, B_SLUG)[0]
        photo = MarkPhotoRow(mark_id=b_mark.id, mime="image/png", width=1, height=1, data=PNG)
        rating_photo = WorkPhotoRow(
            work_id=b_work.id,
            mime="image/png",
            width=1,
            height=1,
            data=PNG,
            meta={E.RATING_PHOTO: b_household.id},
        )
        conflict = VoteConflictRow(
            ballot_id=b_open.id,
            household_id=b_household.id,
            choice="yes",
            channel="paper",
            actor="test",
            created_at=utcnow(),
        )
        s.add_all([photo, rating_photo, conflict])
        s.flush()
        b_element = s.scalars(select(ElementRow.id).where(ElementRow.community_id == b.id)).first()
        ids: dict[str, Any] = {
            "a": a.id,
            "b": b.id,
            "a_household": H.list_households(s, A)[0].id,
            "a_work": W.list_works(s, A)[0].id,
            "a_option": O.list_options(s, A)[0].name,
            "a_point": a.boundary.representative_point(),
            "b_household": b_household.id,
            "b_household_label": b_household.label,
            "b_ballot": b_open.id,
            "b_closed_ballot": next(x.id for x in b_ballots if x.status != "open"),
            "b_conflict": conflict.id,
            "b_mark": b_mark.id,
            "b_mark_photo": photo.id,
            "b_comment": s.scalars(
                select(MarkCommentRow.id).join(MarkRow).where(MarkRow.community_id == b.id)
            ).first(),
            "b_work": b_work.id,
            "b_work_photo": s.scalars(
                select(WorkPhotoRow.id).where(
                    WorkPhotoRow.work_id == b_work.id, WorkPhotoRow.id != rating_photo.id
                )
            ).first()
            or rating_photo.id,
            "b_rating_photo": rating_photo.id,
            "b_entry": F.list_entries(s, B_SLUG)[0].id,
            "b_fund_photo": next((p for e in F.list_entries(s, B_SLUG) for p in e.photo_ids), None),
            "b_labour": F.list_labour(s, B_SLUG)[0].id,
            "b_convention": C.list_conventions(s, B_SLUG)[0].id,
            "b_import": s.scalars(select(ImportRow.id).where(ImportRow.community_id == b.id)).one(),
            "b_element": b_element,
            "b_change_element": s.scalars(
                select(OptionChangeRow.ref_element_id).where(
                    OptionChangeRow.ref_element_id.is_not(None)
                )
            ).first(),
        }
        ids["b_token"] = SS.open_household_session(s, b_household.id)
        ids["b_code"] = H.regenerate_codes(
            s, B_SLUG, [b_household.id], who=ADMIN, confirm_open_ballots=True
        )[0][1]
    yield engine, ids


def _b_counts(engine: Any, b: int) -> dict[str, int]:
    """Rows of community B per confined table."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in scope.UNCONFINED:
                continue
            where = scope.belongs(table, b)
            out[table.name] = conn.execute(
                select(func.count()).select_from(table).where(where)
            ).scalar_one()
    return out


def _b_objects(session: Session, b: int) -> list[str]:
    """Rows of community B the session holds (a read that got through)."""
    found = []
    for obj in list(session.identity_map.values()):
        table = obj.__table__
        if table.name in scope.UNCONFINED:
            continue
        pk = table.primary_key.columns.values()[0]
        hit = session.connection().execute(
            select(pk).where(pk == getattr(obj, pk.key), scope.belongs(table, b))
        )
        if hit.first() is not None:
            found.append(f"{table.name} {getattr(obj, pk.key)}")
    return found


# use case → a call, inside A's scope, aimed at B's things. ``ids`` come from ``world``.
Call = Callable[[Session, dict[str, Any], Path], Any]
SOON = timedelta(days=1)

BY_ID: dict[str, Call] = {
    # 决策共谋: ballots and votes
    "ballots.ballots_for_household": lambda s, i, _p: B.ballots_for_household(s, i["b_household"]),
    "ballots.cast_vote": lambda s, i, _p: B.cast_vote(s, i["b_ballot"], i["b_household"], "yes"),
    "ballots.close_ballot": lambda s, i, _p: B.close_ballot(s, i["b_ballot"], who=ADMIN),
    "ballots.conflicts": lambda s, i, _p: B.conflicts(s, i["b_ballot"]),
    "ballots.get_ballot": lambda s, i, _p: B.get_ballot(s, i["b_ballot"]),
    "ballots.history": lambda s, i, _p: B.history(s, i["b_ballot"], i["b_household"]),
    "ballots.household_ballot_infos": lambda s, i, _p: B.household_ballot_infos(
        s, i["b_household"]
    ),
    "ballots.import_paper_votes": lambda s, i, p: B.import_paper_votes(
        s, i["b_ballot"], _paper_votes(p, i), who=ADMIN
    ),
    "ballots.issued_ballot_numbers": lambda s, i, _p: B.issued_ballot_numbers(s, i["b_ballot"]),
    "ballots.my_vote": lambda s, i, _p: B.my_vote(s, i["b_ballot"], i["b_household"]),
    "ballots.notice_anchor": lambda s, i, _p: B.notice_anchor(s, i["b_closed_ballot"]),
    "ballots.option_preview": lambda s, i, _p: B.option_preview(s, i["b_ballot"], "方案A"),
    "ballots.resolve_conflict": lambda s, i, _p: B.resolve_conflict(
        s, i["b_conflict"], True, who=ADMIN
    ),
    "ballots.tally_ballot": lambda s, i, _p: B.tally_ballot(s, i["b_ballot"]),
    "ballots.vote_count": lambda s, i, _p: B.vote_count(s, i["b_ballot"]),
    "meeting.meeting_pack": lambda s, i, p: MT.meeting_pack(
        s, i["b_ballot"], p / "pack.pdf", "http://x", who=ADMIN
    ),
    "meeting.projector_snapshot": lambda s, i, _p: MT.projector_snapshot(s, i["b_ballot"]),
    # the register and households' sign-in
    "households.household_info": lambda s, i, _p: H.household_info(s, i["b_household"]),
    "households.household_info_or_none": lambda s, i, _p: _none_is_not_found(
        H.household_info_or_none(s, i["b_household"])
    ),
    "households.join_with_code": lambda s, i, _p: _none_is_not_found(
        H.join_with_code(s, A, i["b_code"]).household
    ),
    "households.preview_household_change": lambda s, i, _p: H.preview_household_change(
        s, i["b_household"], residents=9
    ),
    "households.regenerate_codes": lambda s, i, _p: H.regenerate_codes(
        s, A, [i["b_household"]], who=ADMIN
    ),
    "households.update_household": lambda s, i, _p: H.update_household(
        s, i["b_household"], residents=9, who=ADMIN
    ),
    "sessions.household_of": lambda s, i, _p: _none_is_not_found(
        SS.household_of(s, A, i["b_token"])
    ),
    "sessions.open_household_session": lambda s, i, _p: SS.open_household_session(
        s, i["b_household"]
    ),
    # marks
    "marks.add_comment": lambda s, i, _p: M.add_comment(
        s, i["b_mark"], "我也看到了", household_id=i["a_household"]
    ),
    "marks.add_comment (reply to B)": lambda s, i, _p: M.add_comment(
        s, i["b_mark"], "回复", staff=ADMIN, parent_id=i["b_comment"]
    ),
    "marks.apply_action": lambda s, i, _p: M.apply_action(
        s, i["b_mark"], "hide", ADMIN, reason="x"
    ),
    "marks.bulk_action": lambda s, i, _p: M.bulk_action(
        s, [i["b_mark"]], "hide", ADMIN, reason="x"
    ),
    "marks.edit_mark": lambda s, i, _p: M.edit_mark(s, i["b_mark"], i["b_household"], text="改"),
    "marks.get_mark": lambda s, i, _p: M.get_mark(s, i["b_mark"]),
    "marks.list_marks": lambda s, i, _p: _empty_is_not_found(
        M.list_marks(s, A, mine_household_id=i["b_household"], staff=ADMIN)
    ),
    "marks.mark_detail": lambda s, i, _p: M.mark_detail(s, i["b_mark"], staff=ADMIN),
    "marks.photo": lambda s, i, _p: M.photo(s, i["b_mark_photo"]),
    "marks.rate_mark": lambda s, i, _p: M.rate_mark(s, i["b_mark"], i["b_household"], 5),
    "marks.submit_mark": lambda s, i, _p: M.submit_mark(
        s, A, i["b_household"], "lighting", "路灯不亮", i["a_point"], check_similar=False
    ),
    "marks.support_mark": lambda s, i, _p: M.support_mark(s, i["b_mark"], i["a_household"]),
    "marks.withdraw_mark": lambda s, i, _p: M.withdraw_mark(s, i["b_mark"], i["b_household"]),
    "works.work_for_mark": lambda s, i, _p: _none_is_not_found(W.work_for_mark(s, i["b_mark"])),
    # options
    "options.remove_element": lambda s, i, _p: O.remove_element(
        s, A, i["a_option"], i["b_element"], who=ADMIN
    ),
    "imports.undo_import": lambda s, i, _p: I.undo_import(s, i["b_import"], who=ADMIN),
    # 共建·共管: works
    "works.apply_action": lambda s, i, _p: W.apply_action(s, i["b_work"], "suspend", who=ADMIN),
    "works.create_work": lambda s, i, _p: W.create_work(
        s, A, "借来的表决", who=ADMIN, ballot_id=i["b_closed_ballot"]
    ),
    "works.create_work (B's marks)": lambda s, i, _p: W.create_work(
        s, A, "借来的意见", who=ADMIN, mark_ids=[i["b_mark"]]
    ),
    "works.enter_supervisor": lambda s, i, _p: W.enter_supervisor(
        s, i["b_work"], i["b_household_label"], who=ADMIN
    ),
    "works.get_work": lambda s, i, _p: W.get_work(s, i["b_work"]),
    "works.link_marks": lambda s, i, _p: W.link_marks(s, i["a_work"], [i["b_mark"]], who=ADMIN),
    "works.photo": lambda s, i, _p: W.photo(s, i["b_work_photo"]),
    "works.post_milestone": lambda s, i, _p: W.post_milestone(
        s, i["b_work"], "脚手架", 70, who=ADMIN
    ),
    "works.update_work": lambda s, i, _p: W.update_work(s, i["b_work"], who=ADMIN, title="改名"),
    "works.volunteer": lambda s, i, _p: W.volunteer(s, i["b_work"], i["b_household"]),
    "works.work_detail": lambda s, i, _p: W.work_detail(s, i["b_work"]),
    "story.work_story": lambda s, i, _p: ST.work_story(s, i["b_work"]),
    # funds and labour
    "funds.add_entry": lambda s, i, _p: F.add_entry(
        s, ADMIN, A, "expense", "10.00", work_id=i["b_work"], payee="某公司"
    ),
    "funds.add_labour": lambda s, i, _p: F.add_labour(
        s, None, A, i["a_work"], "2", as_household_id=i["b_household"], task="搬砖"
    ),
    "funds.add_labour (B's work)": lambda s, i, _p: F.add_labour(
        s, ADMIN, A, i["b_work"], "2", person="老王", task="搬砖"
    ),
    "funds.approve_entry": lambda s, i, _p: F.approve_entry(s, ADMIN, i["b_entry"]),
    "funds.get_entry": lambda s, i, _p: F.get_entry(s, i["b_entry"], staff=True),
    "funds.photo": lambda s, i, _p: F.photo(s, i["b_fund_photo"]),
    "funds.reverse_entry": lambda s, i, _p: F.reverse_entry(s, ADMIN, i["b_entry"], "写错了"),
    "funds.set_setting": lambda s, i, _p: F.set_setting(
        s, ADMIN, A, "cost_sharing", "equal", ballot_id=i["b_closed_ballot"]
    ),
    "funds.verify_labour": lambda s, i, _p: F.verify_labour(s, ADMIN, i["b_labour"]),
    "funds.work_money": lambda s, i, _p: F.work_money(s, i["b_work"]),
    # 共评·共享
    "conventions.get_convention": lambda s, i, _p: C.get_convention(s, i["b_convention"]),
    "conventions.has_signed": lambda s, i, _p: C.has_signed(s, i["b_convention"], i["b_household"]),
    "conventions.progress": lambda s, i, _p: C.progress(s, i["b_convention"]),
    "conventions.progress_shapes": lambda s, i, _p: C.progress_shapes(s, i["b_convention"]),
    "conventions.revise_convention": lambda s, i, _p: C.revise_convention(
        s, i["b_convention"], "改", "一条", who=ADMIN
    ),
    "conventions.rooms_by_building": lambda s, i, _p: C.rooms_by_building(s, i["b_convention"]),
    "conventions.sign": lambda s, i, _p: C.sign(s, i["b_convention"], i["a_household"]),
    "conventions.signature_sheet_pdf": lambda s, i, p: C.signature_sheet_pdf(
        s, i["b_convention"], p / "sheet.pdf"
    ),
    "conventions.unsigned": lambda s, i, _p: C.unsigned(s, i["b_convention"], who=ADMIN),
    "conventions.withdraw": lambda s, i, _p: C.withdraw(s, i["b_convention"], i["b_household"]),
    "evaluation.contest_work": lambda s, i, _p: E.contest_work(
        s, i["b_work"], i["a_household"], "墙又裂了"
    ),
    "evaluation.has_contested": lambda s, i, _p: E.has_contested(s, i["b_work"], i["b_household"]),
    "evaluation.my_rating": lambda s, i, _p: E.my_rating(s, i["b_work"], i["b_household"]),
    "evaluation.rate_work": lambda s, i, _p: E.rate_work(s, i["b_work"], i["a_household"], 5),
    "evaluation.rating_photo": lambda s, i, _p: E.rating_photo(s, i["b_rating_photo"]),
    "evaluation.ratings_form_pdf": lambda s, i, p: E.ratings_form_pdf(
        s, i["b_work"], p / "form.pdf"
    ),
    "evaluation.work_ratings": lambda s, i, _p: E.work_ratings(s, i["b_work"]),
}


def _paper_votes(folder: Path, ids: dict[str, Any]) -> Path:
    path = folder / "paper.csv"
    path.write_text(f"household,choice\n{ids['b_household_label']},yes\n", encoding="utf-8")
    return path


def _nothing(value: Any) -> bool:
    """An answer holding nothing: no vote, no history, a count of 0, an empty list."""
    return (
        value is None
        or value is False
        or value == 0
        or (hasattr(value, "__len__") and not len(value))
    )


def _none_is_not_found(value: Any) -> Any:
    """A lookup that answers None for "nobody": inside A's scope B's household is nobody."""
    if value is None or value is False:
        raise NotFound("nothing")
    return value


def _empty_is_not_found(value: Any) -> Any:
    if not value:
        raise NotFound("nothing")
    return value


#: use cases that say "not found" in their own words
NOT_FOUND_AS = {"funds.set_setting": "settings.ballot_not_passed"}

#: use cases taking an id that is not a link's or a form's: the caller resolved the row (or the
#: community) in the same transaction, so the same scope already confined it
TAKES_RESOLVED = {
    "audit.after_append": "the audit row its caller just wrote",
    "audit.checkpoint": "the community its caller's use case resolved",
    "audit.chain_id_of": "a community id its caller resolved (the id its chain is hashed under)",
    "audit.prepare_append": "a community id its caller resolved (its chain id, its archive mark)",
    "audit.verify_anchors": "rows of the chain being verified",
    "marks.check_marks": "rows of the chain being verified",
    "audit_checks.check_register": "rows of the chain being verified",
    "audit_checks.check_votes": "rows of the chain being verified",
    "ballots.electorate_rows": "a ballot row its caller loaded",
    "ballots.register_changes_during": "a ballot row its caller loaded",
    "imports.recompute_boundary": "the community row of an import",
    "evaluation.concerned": "a work row its caller loaded",
    "evaluation.contest_threshold": "a community id: see test_community_id_helpers_see_nothing",
    "evaluation.window_days": "a community id: see test_community_id_helpers_see_nothing",
    "funds.ensure_accounts": "a community id its caller resolved (creates accounts there)",
    "funds.labour_rate_fen": "a community id: see test_community_id_helpers_see_nothing",
    "funds.reconcile": "a community id: see test_community_id_helpers_see_nothing",
    "funds.sharing_formula": "a community id: see test_community_id_helpers_see_nothing",
    "households.add_register_rows": "the community row of a register import",
    "audit.audit_entries": "a community id: see test_community_id_helpers_see_nothing",
    "audit.audit_head": "a community id: see test_community_id_helpers_see_nothing",
    "demo.register.demo_buildings": "a community id: see test_community_id_helpers_see_nothing",
    "households.household_by_room": "a community id: see test_community_id_helpers_see_nothing",
    "households.households_of": "a community id: see test_community_id_helpers_see_nothing",
    "audit.lock_chain": "a community id its caller resolved (a row lock, nothing read)",
    "households.new_codes": "a community id its caller resolved (codes not yet stored)",
    "households.open_ballots": "a community id: see test_community_id_helpers_see_nothing",
    "audit.record": "a community id its caller resolved (the append is checked on flush)",
    "households.register_stats": "a community id: see test_community_id_helpers_see_nothing",
    "imports.earlier_imports": "a community id: see test_community_id_helpers_see_nothing",
    "imports.remove_import": "an import row its caller loaded",
    "marks.building_points": "a community id: see test_community_id_helpers_see_nothing",
    "meeting.paper_households": "a ballot row its caller loaded",
    "sessions.end_session": "signs a token out; sign-in sessions are not community data",
    "sessions.staff_of": "staff accounts are not community data (access.require_staff)",
    "story.work_slug": "a work row its caller loaded",
}

ID_NAMES = ("ballot", "work", "community", "row", "token", "code")


def _use_cases_taking_ids() -> set[str]:
    out = set()
    prefix = "cocreate_map.services."
    for module in pkgutil.walk_packages(services_pkg.__path__, prefix):
        mod = importlib.import_module(module.name)
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if not params or params[0] != "session":
                continue
            if any(p.endswith(("_id", "_ids")) or p in ID_NAMES for p in params[1:]):
                out.add(f"{module.name.removeprefix(prefix)}.{name}")
    return out


def test_every_use_case_taking_an_id_is_tried_across_communities():
    tried = {name.split(" ")[0] for name in BY_ID}
    missing = _use_cases_taking_ids() - tried - set(TAKES_RESOLVED)
    assert not missing, f"add these use cases to BY_ID (or TAKES_RESOLVED with a reason): {missing}"
    stale = (tried | set(TAKES_RESOLVED)) - _use_cases_taking_ids()
    assert not stale, f"no such use case any more: {stale}"


def _attempt(engine: Any, ids: dict[str, Any], call: Call, folder: Path) -> tuple[Any, list[str]]:
    """Run ``call`` in a transaction confined to A; always rolled back. Returns the error (or the
    result) and the rows of B the session held at the end."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        scope.confine(session, ids["a"])
        try:
            try:
                outcome: Any = call(session, ids, folder)
                session.flush()
            except CocreateError as exc:
                outcome = exc
            held = _b_objects(session, ids["b"]) if session.is_active else []
        finally:
            session.rollback()
    return outcome, held


@pytest.mark.parametrize("name", list(BY_ID))
def test_community_a_cannot_reach_b(world, name, tmp_path):
    engine, ids = world
    if ids.get("b_fund_photo") is None and name == "funds.photo":
        pytest.fail("the demo has no photo in B's ledger any more: give this case one")
    before = _b_counts(engine, ids["b"])
    outcome, held = _attempt(engine, ids, BY_ID[name], tmp_path)
    refused = isinstance(outcome, NotFound | PermissionDenied) or (
        isinstance(outcome, CocreateError) and outcome.key == NOT_FOUND_AS.get(name)
    )
    assert refused or _nothing(outcome), (
        f"{name} inside A's scope with B's id did not end in 'not found': {outcome!r}"
    )
    if isinstance(outcome, PermissionDenied):
        # the community checks of the scope or of the use case, never the role (ADMIN has all)
        assert outcome.key not in ("access.role", "access.sign_in"), (name, outcome.message)
    assert held == [], f"{name} loaded B's rows: {held}"
    assert _b_counts(engine, ids["b"]) == before


# Each call above, inside B's own scope, gets past the lookup: the refusals come from the scope,
# not from a call that cannot work.
CONTROLS = [
    "ballots.get_ballot",
    "ballots.tally_ballot",
    "ballots.cast_vote",
    "households.household_info",
    "households.join_with_code",
    "marks.get_mark",
    "marks.photo",
    "marks.support_mark",
    "works.work_detail",
    "works.photo",
    "funds.get_entry",
    "funds.reverse_entry",
    "funds.verify_labour",
    "conventions.progress",
    "evaluation.rating_photo",
    "evaluation.work_ratings",
]


@pytest.mark.parametrize("name", CONTROLS)
def test_the_same_calls_work_inside_b(world, name, tmp_path):
    engine, ids = world
    inside_b = {
        **ids,
        "a": ids["b"],
        "a_household": ids["b_household"],
    }
    if name == "households.join_with_code":
        call: Call = lambda s, i, _p: H.join_with_code(s, B_SLUG, i["b_code"])  # noqa: E731
    else:
        call = BY_ID[name]
    outcome, _held = _attempt(engine, inside_b, call, tmp_path)
    assert not isinstance(outcome, NotFound), (name, outcome)
    if isinstance(outcome, PermissionDenied):
        assert outcome.key != "access.other_scope", (name, outcome.message)


HELPERS: dict[str, Callable[[Session, int], Any]] = {
    "evaluation.contest_threshold": lambda s, c: E.contest_threshold(s, c),
    "evaluation.window_days": lambda s, c: E.window_days(s, c),
    "funds.labour_rate_fen": lambda s, c: F.labour_rate_fen(s, c),
    "funds.reconcile": lambda s, c: F.reconcile(s, c),
    "funds.sharing_formula": lambda s, c: F.sharing_formula(s, c),
    "audit.audit_entries": lambda s, c: AU.audit_entries(s, c),
    "audit.audit_head": lambda s, c: AU.audit_head(s, c),
    "demo.register.demo_buildings": lambda s, c: DR.demo_buildings(s, c),
    "households.household_by_room": lambda s, c: H.household_by_room(s, c, "1", "1", "101"),
    "households.households_of": lambda s, c: H.households_of(s, c),
    "households.open_ballots": lambda s, c: H.open_ballots(s, c),
    "households.register_stats": lambda s, c: H.register_stats(s, c),
    "imports.earlier_imports": lambda s, c: I.earlier_imports(s, c, "0" * 64),
    "marks.building_points": lambda s, c: M.building_points(s, c),
}


@pytest.mark.parametrize("name", list(HELPERS))
def test_community_id_helpers_see_nothing_of_b(world, name, tmp_path):
    """Helpers taking a community id, given B's inside A's scope, load no row of B."""
    engine, ids = world
    outcome, held = _attempt(engine, ids, lambda s, i, _p: HELPERS[name](s, i["b"]), tmp_path)
    assert held == [], f"{name} loaded B's rows: {held}"
    assert not isinstance(outcome, Exception) or isinstance(outcome, CocreateError), outcome


def test_a_new_community_cannot_be_made_inside_a_scope(world):
    engine, ids = world
    with pytest.raises(PermissionDenied) as caught, transaction(engine, community=ids["a"]) as s:
        services.create_community(s, "third", "第三小区", who=ADMIN)
    assert caught.value.key == "access.other_scope"
    assert "另一个社区" in caught.value.render("zh")


def test_lists_under_a_scope_hold_only_its_rows(world):
    engine, ids = world
    with transaction(engine, community=ids["a"]) as s:
        # B's own listing, asked inside A's scope, is empty: the slug does not open B
        assert M.list_marks(s, B_SLUG, staff=ADMIN) == []
        assert H.list_households(s, B_SLUG) == []
        assert F.list_entries(s, B_SLUG) == []
        assert W.list_works(s, B_SLUG) == []
        assert len(H.list_households(s, A)) == 300
    with scope.within(ids["b"]), transaction(engine) as s:  # the context's scope
        assert len(H.list_households(s, B_SLUG)) == 300
        assert H.list_households(s, A) == []
