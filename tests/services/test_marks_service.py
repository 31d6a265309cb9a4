"""Residents' marks on the demo community, on SQLite and on PostgreSQL/PostGIS.

Submit, visibility, duplicates, "me too", comments, staff transitions and their audit, edit and
withdraw, building chiefs, bulk actions, ratings, paper imports, exports, photos, staff accounts.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from fractions import Fraction

import pytest
from PIL import Image
from shapely.geometry import LineString, MultiPoint, Point, shape
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.domain import audit as audit_domain
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.households import RegisterRow
from cocreate_map.errors import (
    AlreadyExists,
    ImportFormatError,
    InvalidGeometry,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    TooLarge,
)
from cocreate_map.services import audit
from cocreate_map.services import households as H
from cocreate_map.services import mark_files as MF
from cocreate_map.services import marks as M
from cocreate_map.services import staff as ST
from cocreate_map.services.access import local_admin
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction
from cocreate_map.storage.mark_tables import (
    MarkCommentRow,
    MarkPhotoRow,
    MarkRatingRow,
    MarkSupportRow,
    StaffUserRow,
)
from cocreate_map.storage.tables import utcnow
from tests.services.mark_factories import (
    B1,
    B2,
    SLUG,
    act,
    audit_actions,
    chief,
    jpeg_with_gps,
    load_demo,
    n_marks,
    offset,
    planner,
    png_bytes,
    published,
    status,
    submit,
)


@pytest.fixture
def demo(engine):
    return load_demo(engine)


def count(engine, table, **where):
    with transaction(engine) as s:
        stmt = select(func.count()).select_from(table)
        for k, v in where.items():
            stmt = stmt.where(getattr(table, k) == v)
        return s.scalar(stmt)


def listed(engine, **kw):
    with transaction(engine) as s:
        return [m.id for m in M.list_marks(s, SLUG, **kw)]


# ---------------------------------------------------------------- submit and visibility


def test_a_submitted_mark_is_seen_only_by_its_author_and_staff(engine, demo):
    a, b = demo.hh("1-1-101"), demo.hh("2-1-101")
    mark_id = submit(engine, a, "3单元门口路灯不亮", "路灯", offset(B1, 5, 5))
    with transaction(engine) as s:
        info = M.get_mark(s, mark_id)
    assert info.status.value == "submitted" and info.building == "1" and info.source == "online"
    assert info.household_id == a and info.renovation_class.value == "improvement"
    assert listed(engine, viewer_household_id=a) == [mark_id]
    assert listed(engine, viewer_household_id=b) == []
    assert listed(engine) == []
    assert listed(engine, staff=planner(demo)) == [mark_id]
    assert listed(engine, staff=planner(None)) == [mark_id]  # district-wide account
    with transaction(engine) as s:
        with pytest.raises(NotFound, match="not public"):
            M.mark_detail(s, mark_id, viewer_household_id=b)
        assert M.mark_detail(s, mark_id, viewer_household_id=a).can_edit
    act(engine, mark_id, "publish")
    assert listed(engine, viewer_household_id=b) == [mark_id] == listed(engine)
    with transaction(engine) as s:
        d = M.mark_detail(s, mark_id, viewer_household_id=b)
    assert d.can_support and d.can_comment and not d.can_edit and not d.can_rate
    assert [h[0] for h in d.history] == ["submitted", "published"]


def test_safety_defaults_and_filters(engine, demo):
    a = demo.hh("1-1-101")
    drain = published(engine, a, text="雨后积水", category="drainage")
    light = published(engine, a, text="灯坏", category="lighting", where=B2)
    mine = submit(engine, demo.hh("1-1-102"), text="停车难", category="停车")
    with transaction(engine) as s:
        assert M.get_mark(s, drain).safety and not M.get_mark(s, light).safety
    assert listed(engine, categories=["排水"]) == [drain]
    assert listed(engine, statuses=["published"], staff=planner(demo)) == [light, drain]
    assert listed(engine, statuses=["submitted"], staff=planner(demo)) == [mine]
    # both by a household of building 1, but a mark belongs to the building it stands at
    assert listed(engine, building="1栋") == [drain]
    assert listed(engine, building="2") == [light]
    assert listed(engine, mine_household_id=demo.hh("1-1-102"), viewer_household_id=demo.hh(
        "1-1-102")) == [mine]  # fmt: skip
    assert listed(engine, sort="newest", limit=1) == [light]
    with pytest.raises(InvalidInput, match="sort must be"), transaction(engine) as s:
        M.list_marks(s, SLUG, sort="random")


def test_a_staff_mark_without_household_takes_the_nearest_building(engine, demo):
    mark_id = submit(engine, None, "楼前垃圾堆放", "垃圾", offset(B2, 3, 0), staff=planner(demo))
    with transaction(engine) as s:
        info = M.get_mark(s, mark_id)
    assert info.building == "2" and info.household_id is None


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"text": "   "}, InvalidInput, "description is empty"),
        ({"text": "长" * 501}, InvalidInput, "at most 500"),
        ({"category": "lamp"}, InvalidInput, "unknown category"),
        ({"where": MultiPoint([B1, B2])}, InvalidGeometry, "one point, one line or one polygon"),
        ({"where": LineString([B1, B1])}, InvalidGeometry, "no length"),
        ({"where": '{"type": "Point"'}, InvalidGeometry, "not valid GeoJSON"),
        ({"where": offset(B1, 0, 5000)}, InvalidGeometry, r"\d+ m outside 棉花小区"),
        ({"where": Point(3_000_000, 500_000)}, InvalidGeometry, "not longitude/latitude"),
        ({"source": "fax"}, InvalidInput, "online or paper"),
    ],
)
def test_bad_submissions_save_nothing(engine, demo, kw, error, match):
    args = {"text": "路灯不亮", "category": "lighting", "where": B1, **kw}
    with pytest.raises(error, match=match):
        submit(engine, demo.hh("1-1-101"), **args)
    assert n_marks(engine) == 0


def test_who_may_submit(engine, demo):
    with pytest.raises(PermissionDenied, match="join with your household code"):
        submit(engine, None)
    with transaction(engine) as s:
        services.create_community(s, "other", "别的小区", who=local_admin("test"))
        H.add_register_rows(
            s,
            repo.community_by_slug(s, "other"),
            [RegisterRow("9", "1", "101", Fraction(60), None, 1)],
            who=local_admin("test"),
        )
        stranger = H.list_households(s, "other")[0].id
    with pytest.raises(PermissionDenied, match="not on the register of this community"):
        submit(engine, stranger)
    assert n_marks(engine) == 0


def test_geojson_feature_and_polygon_marks(engine, demo):
    ring = [offset(B1, x, y) for x, y in ((0, 0), (10, 0), (10, 10), (0, 10), (0, 0))]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[(p.x, p.y) for p in ring]]},
    }
    mark_id = submit(engine, demo.hh("1-1-101"), "这片草地被占", "绿化", json.dumps(feature))
    with transaction(engine) as s:
        g = M.get_mark(s, mark_id).geometry
    assert g.geom_type == "Polygon" and g.is_valid


# ---------------------------------------------------------------- duplicates


def test_similar_marks_and_check_similar_save_nothing(engine, demo):
    a, b = demo.hh("1-1-101"), demo.hh("1-1-102")
    lamp = published(engine, a, "路灯不亮", "lighting", B1)
    unpublished = submit(engine, a, "路灯闪", "lighting", offset(B1, 2, 0))
    with transaction(engine) as s:
        assert [m.id for m in M.similar_marks(s, SLUG, "路灯", offset(B1, 0, 20))] == [lamp]
        assert M.similar_marks(s, SLUG, "lighting", offset(B1, 0, 45)) == []
        assert M.similar_marks(s, SLUG, "drainage", B1) == []
    before_marks, before_audit = n_marks(engine), audit_actions(engine, demo.community_id)
    with transaction(engine) as s:
        res = M.submit_mark(
            s, SLUG, b, "lighting", "这里也黑", offset(B1, 0, 10), check_similar=True
        )
    assert [m.id for m in res.similar] == [lamp] and res.mark.id == 0
    assert unpublished not in [m.id for m in res.similar]
    assert n_marks(engine) == before_marks
    assert audit_actions(engine, demo.community_id) == before_audit
    # nothing near: saved as usual
    with transaction(engine) as s:
        res = M.submit_mark(
            s, SLUG, b, "lighting", "另一盏灯", offset(B1, 0, 60), check_similar=True
        )
    assert res.similar == [] and res.mark.id > 0
    # declined marks are not offered as "is it one of these?"
    act(engine, lamp, "decline")
    with transaction(engine) as s:
        assert M.similar_marks(s, SLUG, "lighting", B1) == []


# ---------------------------------------------------------------- me too


def test_support_once_per_household_not_own_not_closed(engine, demo):
    a, b, c = demo.hh("1-1-101"), demo.hh("1-1-102"), demo.hh("3-1-101")
    mark_id = submit(engine, a)
    with pytest.raises(PermissionDenied, match="is submitted"), transaction(engine) as s:
        M.support_mark(s, mark_id, b)
    act(engine, mark_id, "publish")
    with transaction(engine) as s:
        assert M.support_mark(s, mark_id, b) == (True, 1)
    with transaction(engine) as s:
        assert M.support_mark(s, mark_id, b) == (False, 1)
    with transaction(engine) as s:
        assert M.support_mark(s, mark_id, c) == (True, 2)
    with pytest.raises(PermissionDenied, match="your own mark"), transaction(engine) as s:
        M.support_mark(s, mark_id, a)
    assert count(engine, MarkSupportRow, mark_id=mark_id) == 2
    with transaction(engine) as s:
        d = M.mark_detail(s, mark_id, viewer_household_id=b)
        assert d.supported_by_me and not d.can_support and d.mark.supports == 2
    act(engine, mark_id, "discuss")
    with transaction(engine) as s:
        assert M.support_mark(s, mark_id, demo.hh("4-1-101")) == (True, 3)
    act(engine, mark_id, "decline", reason="不在改造范围")
    with pytest.raises(PermissionDenied, match="declined"), transaction(engine) as s:
        M.support_mark(s, mark_id, demo.hh("5-1-101"))
    with pytest.raises(NotFound), transaction(engine) as s:
        M.support_mark(s, 999_999, b)
    assert count(engine, MarkSupportRow, mark_id=mark_id) == 3


def test_most_supported_first(engine, demo):
    one = published(engine, demo.hh("1-1-101"), text="一")
    two = published(engine, demo.hh("1-1-102"), text="二", where=B2)
    for label in ("3-1-101", "3-1-102"):
        with transaction(engine) as s:
            M.support_mark(s, one, demo.hh(label))
    assert listed(engine) == [one, two]
    assert listed(engine, sort="newest") == [two, one]


# ---------------------------------------------------------------- comments and replies


def test_comments_have_one_level_of_replies_and_official_replies_are_audited(engine, demo):
    with transaction(engine) as s:
        wang = ST.add_user(s, "wang", "correct horse battery", "planner", community_slug=SLUG)
    a, b, c = demo.hh("1-1-101"), demo.hh("1-1-102"), demo.hh("2-1-101")
    mark_id = submit(engine, a)
    with pytest.raises(PermissionDenied, match="no new comments"), transaction(engine) as s:
        M.add_comment(s, mark_id, "我也看到了", household_id=b)
    act(engine, mark_id, "publish")
    with transaction(engine) as s:
        top = M.add_comment(s, mark_id, "我也看到了", household_id=b)
    with transaction(engine) as s:
        reply = M.add_comment(s, mark_id, "晚上更暗", household_id=c, parent_id=top)
    with transaction(engine) as s:
        reply2 = M.add_comment(s, mark_id, "同意楼上", household_id=a, parent_id=reply)
    with transaction(engine) as s:
        official = M.add_comment(s, mark_id, "已报修，下周更换", staff=wang, parent_id=top)
    with transaction(engine) as s:
        parents = dict(
            s.execute(select(MarkCommentRow.id, MarkCommentRow.parent_id)).all()
        )  # fmt: skip
        d = M.mark_detail(s, mark_id, viewer_household_id=b)
        seen_by_staff = M.mark_detail(s, mark_id, staff=planner(demo))
    assert parents == {top: None, reply: top, reply2: top, official: top}
    # residents see the author's building only (complaints are about neighbours) …
    [t] = d.comments
    assert (t.text, t.author, t.official) == ("我也看到了", "building:1", False)
    assert [(r.text, r.author, r.official) for r in t.replies] == [
        ("晚上更暗", "building:2", False),
        ("同意楼上", "building:1", False),
        ("已报修，下周更换", "staff:wang", True),
    ]
    assert d.mark.comments == 4
    # … staff of the community see the flat
    [t] = seen_by_staff.comments
    assert t.author == "1-1-102"
    assert [r.author for r in t.replies] == ["2-1-101", "1-1-101", "staff:wang"]
    with transaction(engine) as s:
        [entry] = [e for e in audit.audit_entries(s, demo.community_id) if e.action == "mark.reply"]
        assert entry.actor == "staff:wang"
        assert entry.payload == {
            "mark_id": mark_id,
            "comment_id": official,
            "text": "已报修，下周更换",
        }
    # a reply to a comment of another mark, an empty comment, nobody
    other = published(engine, b, where=B2)
    with pytest.raises(NotFound, match=f"no comment {top} on mark"), transaction(engine) as s:
        M.add_comment(s, other, "?", household_id=c, parent_id=top)
    with pytest.raises(InvalidInput, match="comment is empty"), transaction(engine) as s:
        M.add_comment(s, other, " \x00 ", household_id=c)
    with pytest.raises(PermissionDenied, match="join with your"), transaction(engine) as s:
        M.add_comment(s, other, "匿名", household_id=None)
    assert count(engine, MarkCommentRow) == 4


def test_staff_reply_with_an_action(engine, demo):
    mark_id = submit(engine, demo.hh("1-1-101"))
    with transaction(engine) as s:
        info = M.apply_action(s, mark_id, "publish", planner(demo), reply="感谢反馈，已转交物业")
    assert info.status.value == "published" and info.comments == 1
    with transaction(engine) as s:
        [c] = M.mark_detail(s, mark_id).comments
    assert c.official and c.author.startswith("staff:")
    assert audit_actions(engine, demo.community_id)[-2:] == ["mark.publish", "mark.reply"]


# ---------------------------------------------------------------- lifecycle and audit


def test_every_transition_is_audited_and_the_chain_verifies(engine, demo):
    a = demo.hh("1-1-101")
    mark_id = submit(engine, a)
    for step in ("publish", "discuss", "adopt", "start", "resolve"):
        act(engine, mark_id, step)
        assert status(engine, mark_id) == {"publish": "published", "discuss": "under_discussion",
                                           "adopt": "adopted", "start": "in_progress",
                                           "resolve": "resolved"}[step]  # fmt: skip
    with transaction(engine) as s:
        M.rate_mark(s, mark_id, demo.hh("2-1-101"), 4)
    with transaction(engine) as s:
        rows = [
            r for r in audit.audit_entries(s, demo.community_id) if r.action.startswith("mark.")
        ]  # fmt: skip
        chain = audit.chain_of(audit.audit_entries(s, demo.community_id))
        [report] = services.verify_audit(s, SLUG)
    assert [(r.action, r.payload.get("from"), r.payload.get("to")) for r in rows] == [
        ("mark.submit", None, None),
        ("mark.publish", "submitted", "published"),
        ("mark.discuss", "published", "under_discussion"),
        ("mark.adopt", "under_discussion", "adopted"),
        ("mark.start", "adopted", "in_progress"),
        ("mark.resolve", "in_progress", "resolved"),
        ("mark.evaluated", "resolved", "evaluated"),
    ]
    assert {r.payload["mark_id"] for r in rows} == {mark_id}
    assert rows[1].actor == "staff:planner" and rows[0].actor == f"household:{a}"
    assert audit_domain.verify(chain) is None
    assert report.ok, report.problems
    with transaction(engine) as s:
        d = M.mark_detail(s, mark_id)
    assert [h[0] for h in d.history] == [
        "submitted", "published", "under_discussion", "adopted", "in_progress", "resolved",
        "evaluated",
    ]  # fmt: skip


def test_forbidden_transitions_change_nothing(engine, demo):
    mark_id = published(engine, demo.hh("1-1-101"))
    before = audit_actions(engine, demo.community_id)
    with pytest.raises(InvalidTransition, match="published cannot be 'start'"):
        act(engine, mark_id, "start")
    with pytest.raises(InvalidTransition):
        act(engine, mark_id, "publish")
    with pytest.raises(InvalidInput, match="unknown action 'evaluate'"):
        act(engine, mark_id, "evaluate")
    with pytest.raises(PermissionDenied, match="staff hide it"):
        act(engine, mark_id, "withdraw")
    with pytest.raises(InvalidInput, match="needs a reason"):
        act(engine, mark_id, "decline", reason="  ")
    assert status(engine, mark_id) == "published"
    assert audit_actions(engine, demo.community_id) == before


def test_hide_with_reason_and_unhide_to_the_state_before(engine, demo):
    a, b = demo.hh("1-1-101"), demo.hh("1-1-102")
    mark_id = published(engine, a)
    act(engine, mark_id, "discuss")
    act(engine, mark_id, "hide", reason="含个人电话号码")
    with transaction(engine) as s:
        info = M.get_mark(s, mark_id)
    assert info.status.value == "hidden" and info.hidden_reason == "含个人电话号码"
    assert listed(engine, viewer_household_id=b) == []
    assert listed(engine, viewer_household_id=a) == [mark_id]  # the author sees why
    act(engine, mark_id, "unhide")
    with transaction(engine) as s:
        info = M.get_mark(s, mark_id)
    assert info.status.value == "under_discussion" and info.hidden_reason is None
    # a submitted mark hidden and unhidden is submitted again
    other = submit(engine, a, where=B2)
    act(engine, other, "hide", "unhide")
    assert status(engine, other) == "submitted"
    with transaction(engine) as s:
        [entry] = [
            e for e in audit.audit_entries(s, demo.community_id)
            if e.action == "mark.unhide" and e.payload["mark_id"] == mark_id
        ]  # fmt: skip
    assert entry.payload["to"] == "under_discussion"


def test_decline_reason_is_kept_and_comments_close(engine, demo):
    mark_id = published(engine, demo.hh("1-1-101"))
    act(engine, mark_id, "decline", reason="属于市政道路，已转交街道")
    with transaction(engine) as s:
        assert M.get_mark(s, mark_id).decline_reason == "属于市政道路，已转交街道"
    with pytest.raises(PermissionDenied, match="declined"), transaction(engine) as s:
        M.add_comment(s, mark_id, "为什么？", household_id=demo.hh("1-1-102"))
    with transaction(engine) as s:  # staff still explain
        M.add_comment(s, mark_id, "详见公示", staff=planner(demo))


# ---------------------------------------------------------------- edit and withdraw


def test_only_the_author_edits_or_withdraws_and_only_while_submitted(engine, demo):
    a, b = demo.hh("1-1-101"), demo.hh("1-1-102")
    mark_id = submit(engine, a, "路灯不亮")
    with pytest.raises(PermissionDenied, match="only the household"), transaction(engine) as s:
        M.edit_mark(s, mark_id, b, text="改掉")
    with pytest.raises(PermissionDenied, match="only the household"), transaction(engine) as s:
        M.withdraw_mark(s, mark_id, b)
    with transaction(engine) as s:
        info = M.edit_mark(s, mark_id, a, text="  路灯不亮，晚上很黑 ", category="安全")
    assert (info.text, info.category.value) == ("路灯不亮，晚上很黑", "security")
    with pytest.raises(InvalidInput), transaction(engine) as s:
        M.edit_mark(s, mark_id, a, category="nonsense")
    act(engine, mark_id, "publish")
    with pytest.raises(PermissionDenied, match="is published already"), transaction(engine) as s:
        M.edit_mark(s, mark_id, a, text="再改")
    with pytest.raises(PermissionDenied, match="published already"), transaction(engine) as s:
        M.withdraw_mark(s, mark_id, a)
    other = submit(engine, a, where=B2)
    with transaction(engine) as s:
        assert M.withdraw_mark(s, other, a).status.value == "withdrawn"
    assert listed(engine, viewer_household_id=b) == [mark_id]
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        M.withdraw_mark(s, other, a)  # twice
    assert audit_actions(engine, demo.community_id).count("mark.withdraw") == 1


# ---------------------------------------------------------------- staff scope


def test_a_building_chief_acts_only_in_their_buildings(engine, demo):
    in_1 = submit(engine, demo.hh("1-1-101"))
    in_2 = submit(engine, demo.hh("2-1-101"), where=B2)
    chief2 = chief(demo, "2")
    with pytest.raises(
        PermissionDenied, match="building chief of 2 cannot act on a mark of building 1"
    ):
        act(engine, in_1, "publish", staff=chief2)
    act(engine, in_2, "publish", staff=chief2)
    assert (status(engine, in_1), status(engine, in_2)) == ("submitted", "published")
    assert listed(engine, staff=chief2) == [in_2]
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        M.add_comment(s, in_1, "楼长回复", staff=chief2)
    with transaction(engine) as s:
        M.add_comment(s, in_2, "楼长回复", staff=chief2)


def test_staff_of_another_community_cannot_act(engine, demo):
    with transaction(engine) as s:
        other_id = services.create_community(s, "other", "别的小区", who=local_admin("test")).id
    outsider = StaffIdentity("li", Role.PLANNER, other_id)
    mark_id = submit(engine, demo.hh("1-1-101"))
    with pytest.raises(PermissionDenied, match="does not belong to this community"):
        act(engine, mark_id, "publish", staff=outsider)
    assert listed(engine, staff=outsider) == []  # sees only what residents see
    with pytest.raises(NotFound), transaction(engine) as s:
        M.mark_detail(s, mark_id, staff=outsider)
    assert status(engine, mark_id) == "submitted"


def test_bulk_action_is_all_or_nothing(engine, demo):
    ids = [submit(engine, demo.hh("1-1-101"), where=offset(B1, 40 * k, 0)) for k in range(3)]
    act(engine, ids[1], "publish")
    before = audit_actions(engine, demo.community_id)
    with pytest.raises(InvalidTransition) as exc, transaction(engine) as s:
        M.bulk_action(s, ids, "publish", planner(demo), reply="已审核")
    assert f"mark {ids[1]}:" in exc.value.message and "nothing was changed" in exc.value.message
    assert [status(engine, i) for i in ids] == ["submitted", "published", "submitted"]
    assert audit_actions(engine, demo.community_id) == before
    assert count(engine, MarkCommentRow) == 0
    # a chief: one mark outside their buildings → nothing changes either
    outside = submit(engine, demo.hh("2-1-101"), where=B2)
    with pytest.raises(PermissionDenied, match=f"mark {outside}:"), transaction(engine) as s:
        M.bulk_action(s, [ids[0], outside], "publish", chief(demo, "1"))
    assert status(engine, ids[0]) == "submitted"
    with pytest.raises(InvalidInput, match="no marks selected"), transaction(engine) as s:
        M.bulk_action(s, [], "publish", planner(demo))
    with transaction(engine) as s:
        done = M.bulk_action(s, [ids[0], ids[2]], "publish", planner(demo), reply="已审核")
    assert [m.status.value for m in done] == ["published", "published"]
    assert count(engine, MarkCommentRow, official=True) == 2


# ---------------------------------------------------------------- ratings


def test_rating_makes_a_resolved_mark_evaluated_once_per_household(engine, demo):
    b, c = demo.hh("1-1-102"), demo.hh("2-1-101")
    mark_id = published(engine, demo.hh("1-1-101"))
    with pytest.raises(PermissionDenied, match="once it is resolved"), transaction(engine) as s:
        M.rate_mark(s, mark_id, b, 5)
    act(engine, mark_id, "adopt", "start", "resolve")
    with transaction(engine) as s:
        d = M.mark_detail(s, mark_id, viewer_household_id=b)
        assert d.can_rate and d.my_rating is None
    with pytest.raises(InvalidInput, match="1 to 5"), transaction(engine) as s:
        M.rate_mark(s, mark_id, b, 6)
    with transaction(engine) as s:
        assert M.rate_mark(s, mark_id, b, 4).status.value == "evaluated"
    with transaction(engine) as s:
        M.rate_mark(s, mark_id, b, 2)  # changes b's rating, no second row
    with transaction(engine) as s:
        M.rate_mark(s, mark_id, c, 5)
    with transaction(engine) as s:
        d = M.mark_detail(s, mark_id, viewer_household_id=b)
    assert count(engine, MarkRatingRow, mark_id=mark_id) == 2
    assert (d.mark.ratings, d.mark.rating_mean, d.my_rating) == (2, 3.5, 2)
    assert audit_actions(engine, demo.community_id).count("mark.evaluated") == 1
    with transaction(engine) as s:
        summary = M.summary(s, SLUG)
    assert summary.ratings == 2 and summary.satisfaction == 3.5 and summary.resolution_rate == 1


# ---------------------------------------------------------------- paper opinions


def paper(engine, path, staff=None):
    with transaction(engine) as s:
        return MF.import_paper_marks(s, path, SLUG, staff or planner(demo=None, name="cli"))


def test_paper_csv_with_lon_lat_and_with_only_a_building(engine, demo, tmp_path):
    p = offset(B1, 8, -3)
    f = tmp_path / "paper.csv"
    f.write_text(
        "lon,lat,category,text,building,unit,room\n"
        f"{p.x},{p.y},lighting,门口路灯坏了,1,1,101\n"
        ",,垃圾,垃圾桶太少,5,,\n"
        f"{B2.x},{B2.y},其他,楼道堆物,,,\n",
        "utf-8",
    )
    res = paper(engine, f)
    assert res.created == 3
    with transaction(engine) as s:
        marks = {m.id: m for m in M.list_marks(s, SLUG)}  # public at once
    first, second, third = (marks[i] for i in res.mark_ids)
    assert first.household_id == demo.hh("1-1-101") and first.building == "1"
    assert first.geometry.distance(p) < 1e-6 and first.source == "paper"
    assert second.building == "5" and second.household_id is None
    assert second.category.value == "waste" and second.status.value == "published"
    assert third.building == "2"  # nearest building to the point
    assert audit_actions(engine, demo.community_id).count("mark.submit") == 3


def test_paper_geojson(engine, demo, tmp_path):
    ring = [offset(B2, x, y) for x, y in ((0, 0), (12, 0), (12, 8), (0, 0))]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"类别": "停车", "意见": "车停在消防通道"},
             "geometry": {"type": "Point", "coordinates": [B1.x, B1.y]}},
            {"type": "Feature", "properties": {"category": "greenery", "text": "草坪秃了",
                                               "安全隐患": "否"},
             "geometry": {"type": "Polygon", "coordinates": [[(q.x, q.y) for q in ring]]}},
        ],
    }  # fmt: skip
    f = tmp_path / "paper.geojson"
    f.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    res = paper(engine, f)
    with transaction(engine) as s:
        a, b = (M.get_mark(s, i) for i in res.mark_ids)
    assert (a.category.value, a.text, a.geometry.geom_type) == (
        "parking",
        "车停在消防通道",
        "Point",
    )
    assert (b.category.value, b.geometry.geom_type, b.safety) == ("greenery", "Polygon", False)


def test_paper_gbk_csv_with_chinese_headers(engine, demo, tmp_path):
    p = offset(B2, -4, 6)
    text = (
        "经度,纬度,类别,意见,楼栋,单元,房号\n"
        f"{p.x},{p.y},路灯,二单元门口太黑,2栋,1,102\n"
        ",,安全,围墙有缺口,3,,\n"
    )
    f = tmp_path / "纸质意见.csv"
    f.write_bytes(text.encode("gbk"))
    res = paper(engine, f)
    with transaction(engine) as s:
        a, b = (M.get_mark(s, i) for i in res.mark_ids)
    assert (a.category.value, a.text, a.building) == ("lighting", "二单元门口太黑", "2")
    assert a.household_id == demo.hh("2-1-102")
    assert (b.category.value, b.text, b.building, b.safety) == ("security", "围墙有缺口", "3", True)


def test_paper_geojson_bad_features_are_reported_by_number(engine, demo, tmp_path):
    def feat(geometry, text="意见"):
        return {"type": "Feature", "properties": {"category": "other", "text": text},
                "geometry": geometry}  # fmt: skip

    fc = {
        "type": "FeatureCollection",
        "features": [
            feat({"type": "Point", "coordinates": [B1.x, B1.y]}),  # fine
            feat({"type": "MultiPoint", "coordinates": [[B1.x, B1.y]]}),
            feat({"type": "Point", "coordinates": ["x", 1]}),
            feat(None),
            feat({"type": "Point", "coordinates": [B1.x, B1.y]}, text=""),
        ],
    }
    f = tmp_path / "paper.geojson"
    f.write_text(json.dumps(fc), "utf-8")
    with pytest.raises(ImportFormatError) as exc:
        paper(engine, f)
    msg = exc.value.message
    assert "4 row(s) cannot be imported" in msg
    assert "feature 2: a mark is one point, one line or one polygon, got MultiPoint" in msg
    assert "feature 3: the drawn shape is not valid GeoJSON" in msg
    assert "feature 4: give lon and lat" in msg and "feature 5: the text is empty" in msg
    assert "feature 1:" not in msg
    assert n_marks(engine) == 0


def test_paper_xlsx(engine, demo, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["楼栋", "类别", "意见"])
    ws.append([7, "晾晒", "没地方晒被子"])
    f = tmp_path / "paper.xlsx"
    wb.save(f)
    res = paper(engine, f)
    with transaction(engine) as s:
        m = M.get_mark(s, res.mark_ids[0])
    assert (m.building, m.category.value) == ("7", "drying")


def test_paper_bad_rows_are_reported_by_line_and_nothing_is_imported(engine, demo, tmp_path):
    f = tmp_path / "paper.csv"
    f.write_text(
        "lon,lat,category,text,building,unit,room\n"
        f"{B1.x},{B1.y},lighting,好的一行,,,\n"  # line 2: fine
        f"{B1.x},{B1.y},lamp,类别不对,,,\n"  # line 3
        f"{B1.x},{B1.y},lighting,,,,\n"  # line 4: empty text
        "东经114,30.5,lighting,坐标不是数字,,,\n"  # line 5
        ",,lighting,没有位置,,,\n"  # line 6
        ",,lighting,楼栋不存在,99,,\n"  # line 7
        "\n"  # line 8: blank, skipped
        f"{B1.x},{B1.y},lighting,户不在名册,1,9,909\n"  # line 9
        f"{B1.x},{B1.y + 0.05},lighting,太远了,,,\n"  # line 10: 5 km north
        f"{B1.x},{B1.y},lighting,楼栋太长,{'9' * 40},,\n",  # line 11: no building label
        "utf-8",
    )
    with pytest.raises(ImportFormatError) as exc:
        paper(engine, f)
    msg = exc.value.message
    assert "8 row(s) cannot be imported, nothing was imported" in msg
    for line, words in [
        (3, "unknown category 'lamp'"),
        (4, "the text is empty"),
        (5, "lon/lat must be numbers"),
        (6, "give lon and lat, or the building"),
        (7, "building '99' is not on the map"),
        (9, "household 1-9-909 is not on the register"),
        (10, "the mark is "),
        (11, "building '999999"),
    ]:
        assert f"line {line}: {words}" in msg, (line, msg)
    assert re.search(r"line 10: the mark is \d{4} m outside 棉花小区", msg)
    assert "has 40 characters; at most 32" in msg
    assert "line 2" not in msg and "line 8" not in msg
    assert n_marks(engine) == 0
    assert "mark.submit" not in audit_actions(engine, demo.community_id)


def test_paper_files_that_are_not_opinions(engine, demo, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("lon,lat,category,text\n", "utf-8")
    with pytest.raises(ImportFormatError, match="has no opinions"):
        paper(engine, empty)
    notjson = tmp_path / "x.geojson"
    notjson.write_text("{nope", "utf-8")
    with pytest.raises(ImportFormatError, match="not GeoJSON text"):
        paper(engine, notjson)
    feature = tmp_path / "f.geojson"
    feature.write_text('{"type": "Feature"}', "utf-8")
    with pytest.raises(ImportFormatError, match="expected a GeoJSON FeatureCollection"):
        paper(engine, feature)
    with pytest.raises(InvalidInput, match="does not exist"):
        paper(engine, tmp_path / "missing.csv")
    feature.write_text('{"type": "FeatureCollection", "features": ["x"]}', "utf-8")
    with pytest.raises(ImportFormatError, match="feature 1 is not a GeoJSON Feature"):
        paper(engine, feature)
    with pytest.raises(ImportFormatError, match="expected a .csv or .xlsx"):
        doc = tmp_path / "x.docx"
        doc.write_bytes(b"PK\x03\x04")
        paper(engine, doc)
    assert n_marks(engine) == 0


def test_hostile_text_is_stored_verbatim_and_far_marks_are_refused(engine, demo, tmp_path):
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>${alert(2)}`"
    f = tmp_path / "paper.csv"
    rows = [["lon", "lat", "category", "text"], [B1.x, B1.y, "other", payload]]
    with f.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    [mark_id] = paper(engine, f).mark_ids
    with transaction(engine) as s:
        assert M.get_mark(s, mark_id).text == payload  # escaping is the UI's job
        fc = MF.marks_feature_collection(M.list_marks(s, SLUG))
    assert fc["features"][0]["properties"]["text"] == payload
    online = submit(engine, demo.hh("1-1-101"), payload, "other", B2)
    with transaction(engine) as s:
        assert M.get_mark(s, online).text == payload
    far = tmp_path / "far.csv"
    far.write_text(f"lon,lat,category,text\n{B1.x + 0.06},{B1.y},other,5 km 外\n", "utf-8")
    with pytest.raises(ImportFormatError, match=r"line 2: the mark is \d{4} m outside"):
        paper(engine, far)
    assert n_marks(engine) == 2


# ---------------------------------------------------------------- exports


def test_export_csv_has_a_bom_and_neutralises_formulas(engine, demo, tmp_path):
    texts = ['=HYPERLINK("http://evil","点我")', "+1+1", "-2+1", "@SUM(A1)", "正常的意见"]
    ids = [
        published(engine, demo.hh("1-1-101"), text=t_, where=offset(B1, 40 * k, 0))
        for k, t_ in enumerate(texts)
    ]
    hidden = submit(engine, demo.hh("1-1-102"), text="未审核", where=B2)
    # a paper opinion whose building is a formula, at the gate, 60 m from any building (so the
    # building it names is kept: none stands closer)
    gate = offset(B2, 0, -60)
    sheet = tmp_path / "paper.csv"
    sheet.write_text(f'lon,lat,category,text,building\n{gate.x},{gate.y},other,x,"=1+cmd|A0"\n')
    [evil] = paper(engine, sheet).mark_ids
    out = tmp_path / "marks.csv"
    with transaction(engine) as s:
        data = MF.export_marks(s, SLUG, "csv", planner(demo), out)
    assert data[:3] == b"\xef\xbb\xbf" and out.read_bytes() == data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(MF.EXPORT_COLUMNS)
    by_id = {int(r["id"]): r for r in rows}
    assert set(by_id) == {*ids, hidden, evil}  # staff export: every mark
    assert by_id[evil]["building"] == "'=1+cmd|A0"
    for mark_id, t_ in zip(ids, texts, strict=True):
        cell = by_id[mark_id]["text"]
        if t_[0] in "=+-@":
            assert cell == "'" + t_
        else:
            assert cell == t_
    for r in rows:
        for col, cell in r.items():
            assert cell[:1] not in ("=", "+", "@"), (col, cell)
    assert by_id[hidden]["status"] == "submitted" and by_id[ids[0]]["class"] == "improvement"
    assert abs(float(by_id[ids[0]]["lon"]) - B1.x) < 1e-6
    with pytest.raises(InvalidInput, match="geojson or csv"), transaction(engine) as s:
        MF.export_marks(s, SLUG, "xlsx", planner(demo))


def test_export_geojson_round_trips(engine, demo, tmp_path):
    a = published(engine, demo.hh("1-1-101"), text='灯 "引号" 换行\n第二行', category="路灯")
    line = LineString([offset(B2, 0, 0), offset(B2, 25, 5)])
    b = submit(engine, None, "排水沟堵了", "drainage", line, staff=planner(demo))
    with transaction(engine) as s:
        M.support_mark(s, a, demo.hh("3-1-101"))
        data = MF.export_marks(s, SLUG, "geojson", planner(demo))
        originals = {m.id: m for m in M.list_marks(s, SLUG, staff=planner(demo))}
    fc = json.loads(data)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    for feat in fc["features"]:
        p = feat["properties"]
        m = originals[p["id"]]
        assert shape(feat["geometry"]).equals_exact(m.geometry, 1e-9)
        assert (p["category"], p["text"], p["building"], p["status"], p["supports"]) == (
            m.category.value, m.text, m.building, m.status.value, m.supports,
        )  # fmt: skip
    assert {f["properties"]["id"] for f in fc["features"]} == {a, b}
    # the file reads back as paper opinions: same places, categories and texts
    f = tmp_path / "export.geojson"
    f.write_bytes(data)
    res = paper(engine, f)
    with transaction(engine) as s:
        again = [M.get_mark(s, i) for i in res.mark_ids]
    assert sorted((m.category.value, m.text, m.geometry.wkt) for m in again) == sorted(
        (m.category.value, m.text, m.geometry.wkt) for m in originals.values()
    )


def test_summary_by_category_class_building_status(engine, demo):
    a = published(engine, demo.hh("1-1-101"), text="一", category="lighting")
    b = published(engine, demo.hh("2-1-101"), text="二", category="drainage", where=B2)
    submit(engine, demo.hh("2-1-102"), text="三", category="parking", where=offset(B2, 0, 40))
    act(engine, a, "adopt", "start", "resolve")
    act(engine, b, "decline")
    with transaction(engine) as s:
        sm = M.summary(s, SLUG)
    assert sm.total == 2 and sm.by_category == {"lighting": 1, "drainage": 1}
    assert sm.by_class == {"improvement": 1, "basic": 1}
    assert sm.by_building == {"1": 1, "2": 1}
    assert sm.by_status == {"resolved": 1, "declined": 1, "submitted": 1}
    assert (sm.resolution_rate, sm.response_rate, sm.satisfaction) == (1.0, 1.0, None)


# ---------------------------------------------------------------- photos


def test_a_photo_loses_its_exif_and_gps(engine, demo):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as im:
        assert 0x8825 in im.getexif() and im.getexif().get_ifd(0x8825)[1] == "N"
    mark_id = submit(engine, demo.hh("1-1-101"), photo_bytes=original)
    with transaction(engine) as s:
        d = M.mark_detail(s, mark_id, viewer_household_id=demo.hh("1-1-101"))
        [photo_id] = d.photo_ids
        row = M.photo(s, photo_id)
        stored, mime, meta = row.data, row.mime, dict(row.meta)
    assert d.mark.photos == 1 and mime == "image/jpeg"
    assert meta["gps_removed"] is True and meta["exif_removed"] is True
    with Image.open(io.BytesIO(stored)) as im:
        assert im.format == "JPEG" and len(im.getexif()) == 0 and "exif" not in im.info
        assert im.size == (64, 48)
    for secret in (b"PhoneMaker", b"Model X", b"Exif\x00\x00", b"home 1-1-101"):
        assert secret not in stored, secret


def test_a_png_named_jpg_is_sniffed_and_kept(engine, demo, tmp_path):
    f = tmp_path / "IMG_0001.jpg"
    f.write_bytes(png_bytes())
    mark_id = submit(engine, demo.hh("1-1-101"), photo_bytes=f.read_bytes())
    with transaction(engine) as s:
        row = s.scalars(select(MarkPhotoRow).where(MarkPhotoRow.mark_id == mark_id)).one()
        assert row.meta["original_type"] == "image/png" and (row.width, row.height) == (30, 20)
        with Image.open(io.BytesIO(row.data)) as im:
            assert im.format == row.mime.split("/")[1].upper()


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00",
        b"\xff\xd8\xff\xe0 but not really a jpeg",
    ],
)
def test_files_that_are_not_photos_are_refused(engine, demo, data):
    with pytest.raises(InvalidInput, match="not a JPEG, PNG or WebP|cannot be read"):
        submit(engine, demo.hh("1-1-101"), photo_bytes=data)
    assert n_marks(engine) == 0 and count(engine, MarkPhotoRow) == 0


def test_an_oversized_photo_is_refused(engine, demo, monkeypatch):
    monkeypatch.setenv("COCREATE_MAX_PHOTO_MB", "1")
    big = jpeg_with_gps() + b"\x00" * (1024 * 1024)
    with pytest.raises(TooLarge, match="at most 1 MB"):
        submit(engine, demo.hh("1-1-101"), photo_bytes=big)
    assert n_marks(engine) == 0 and count(engine, MarkPhotoRow) == 0


# ---------------------------------------------------------------- staff accounts

PASSWORD = "long enough secret"


def test_staff_account_hash_and_lockout_per_client(engine, demo):
    now = utcnow()
    with transaction(engine) as s:
        who = ST.add_user(
            s, " Wang.Li ", PASSWORD, "planner", community_slug=SLUG, display_name=" 王丽 "
        )
    assert (who.username, who.role, who.community_id) == (
        "wang.li",
        Role.PLANNER,
        demo.community_id,
    )
    with transaction(engine) as s:
        row = s.scalars(select(StaffUserRow)).one()
        assert row.password_hash.startswith("$argon2") and PASSWORD not in row.password_hash
        assert row.display_name == "王丽"
    with transaction(engine) as s:
        assert ST.sign_in(s, "WANG.LI", PASSWORD, now)[0] == who
    for k in range(1, 5):
        with transaction(engine) as s:
            ident, err = ST.sign_in(s, "wang.li", "wrong", now, client="a|1")
        assert ident is None and err.key == "auth.wrong_password" and err.params["left"] == 5 - k
    with transaction(engine) as s:
        _, err = ST.sign_in(s, "wang.li", "wrong", now, client="a|1")  # the fifth
    assert err.key == "auth.staff_throttled" and err.params["minutes"] == 5
    with transaction(engine) as s:
        ident, err = ST.sign_in(s, "wang.li", PASSWORD, now + timedelta(minutes=1), client="a|1")
    assert ident is None and err.key == "auth.staff_throttled" and err.params["minutes"] == 4
    with pytest.raises(PermissionDenied, match="paused"), transaction(engine) as s:
        ST.authenticate(s, "wang.li", PASSWORD, now + timedelta(minutes=4), client="a|1")
    with transaction(engine) as s:  # the owner elsewhere is not locked out
        assert ST.sign_in(s, "wang.li", PASSWORD, now, client="b|2")[0] == who
    with transaction(engine) as s:
        assert ST.authenticate(s, "wang.li", PASSWORD, now + ST.LOCKOUT, client="a|1") == who


def test_bootstrap_admin(engine, demo, monkeypatch):
    monkeypatch.delenv("COCREATE_ADMIN_PASSWORD", raising=False)
    with transaction(engine) as s:
        assert ST.sign_in(s, "admin", "")[0] is None  # no bootstrap password set
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", "bootstrap-secret")
    with transaction(engine) as s:
        ident = ST.authenticate(s, "Admin", "bootstrap-secret")
    assert ident == StaffIdentity("admin", Role.ADMIN) and ident.may_work_in(demo.community_id)
    with transaction(engine) as s:
        assert ST.sign_in(s, "admin", "bootstrap-secre")[0] is None
        assert ST.sign_in(s, "root", "bootstrap-secret")[0] is None
    with transaction(engine) as s:
        ST.add_user(s, "admin", "a different one", "admin")
    with transaction(engine) as s:  # a real account named admin replaces the bootstrap one
        assert ST.sign_in(s, "admin", "bootstrap-secret")[0] is None
        assert ST.sign_in(s, "admin", "a different one")[0].id is not None


def test_building_chief_needs_community_and_buildings(engine, demo):
    for kw in ({}, {"community_slug": SLUG}, {"buildings": ["1"]}):
        with pytest.raises(InvalidInput, match="needs --community"), transaction(engine) as s:
            ST.add_user(s, "chief", PASSWORD, "building_chief", **kw)
    with transaction(engine) as s:
        who = ST.add_user(
            s, "chief", PASSWORD, "building-chief", community_slug=SLUG, buildings=["2栋", "1", " "]
        )
    assert who.role is Role.BUILDING_CHIEF and who.buildings == ("1", "2")
    with pytest.raises(NotFound), transaction(engine) as s:
        ST.add_user(s, "chief2", PASSWORD, "planner", community_slug="nowhere")


@pytest.mark.parametrize(
    ("username", "password", "role", "match"),
    [
        ("x", PASSWORD, "admin", "not usable"),
        ("王丽", PASSWORD, "admin", "not usable"),
        ("a b", PASSWORD, "admin", "not usable"),
        ("wang", "short", "admin", "at least 10"),
        ("wang", PASSWORD, "mayor", "unknown role"),
    ],
)
def test_bad_accounts_are_refused(engine, username, password, role, match):
    with pytest.raises(InvalidInput, match=match), transaction(engine) as s:
        ST.add_user(s, username, password, role)
    assert count(engine, StaffUserRow) == 0


def test_duplicate_user_names_are_refused(engine, demo):
    with transaction(engine) as s:
        ST.add_user(s, "wang", PASSWORD, "planner")
    with pytest.raises(AlreadyExists, match="exists already"), transaction(engine) as s:
        ST.add_user(s, "WANG", PASSWORD, "admin")
    assert count(engine, StaffUserRow) == 1


def test_password_change_and_disable(engine, demo):
    with transaction(engine) as s:
        ST.add_user(s, "wang", PASSWORD, "planner")
    with transaction(engine) as s:
        ST.set_password(s, "wang", "another good one")
    with transaction(engine) as s:
        assert ST.sign_in(s, "wang", PASSWORD)[0] is None
        assert ST.sign_in(s, "wang", "another good one")[0] is not None
    with pytest.raises(InvalidInput, match="at least 10"), transaction(engine) as s:
        ST.set_password(s, "wang", "short")
    with pytest.raises(NotFound, match="no staff account"), transaction(engine) as s:
        ST.set_password(s, "nobody", PASSWORD)
    with transaction(engine) as s:
        ST.disable_user(s, "wang")
    with transaction(engine) as s:
        ident, msg = ST.sign_in(s, "wang", "another good one")
    assert ident is None and msg.key == "auth.disabled"
    assert [u.username for u in _users(engine)] == ["wang"]


def _users(engine):
    with transaction(engine) as s:
        return ST.list_users(s)
