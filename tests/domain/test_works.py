"""Works lifecycle, category, money and permissions (domain/works.py)."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cocreate_map.domain import works as W
from cocreate_map.domain.annotations import Category, RenovationClass, Role
from cocreate_map.errors import InvalidInput, InvalidTransition

T0 = datetime(2026, 5, 1, 8, 0)
A, S = W.Action, W.Status


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), S.PLANNED),
        ((A.START,), S.IN_PROGRESS),
        ((A.START, A.COMPLETE), S.COMPLETED),
        ((A.START, A.COMPLETE, A.ACCEPT), S.ACCEPTED),
        ((A.START, A.COMPLETE, A.REOPEN), S.IN_PROGRESS),
        ((A.START, A.COMPLETE, A.REOPEN, A.COMPLETE), S.COMPLETED),
    ],
)
def test_lifecycle_paths(path, expected):
    lc = W.Lifecycle(T0)
    for i, action in enumerate(path, 1):
        lc = W.apply(lc, action, T0 + timedelta(days=i), reason="返工")
    assert W.status(lc) is expected


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ((), A.COMPLETE),
        ((), A.ACCEPT),
        ((), A.REOPEN),
        ((A.START,), A.START),
        ((A.START,), A.ACCEPT),
        ((A.START, A.COMPLETE), A.START),
        ((A.START, A.COMPLETE, A.ACCEPT), A.REOPEN),
        ((A.START, A.COMPLETE, A.ACCEPT), A.COMPLETE),
    ],
)
def test_refused_transitions_name_what_is_allowed(path, refused):
    lc = W.Lifecycle(T0)
    for action in path:
        lc = W.apply(lc, action, T0, reason="x")
    with pytest.raises(InvalidTransition) as err:
        W.apply(lc, refused, T0, reason="x")
    assert W.status(lc).value in err.value.message
    assert "不能" in err.value.render("zh")


def test_reopen_needs_a_reason_residents_can_read():
    lc = W.apply(W.apply(W.Lifecycle(T0), A.START, T0), A.COMPLETE, T0)
    with pytest.raises(InvalidInput, match="reason"):
        W.apply(lc, A.REOPEN, T0, reason="  ")
    reopened = W.apply(lc, A.REOPEN, T0, reason="北墙掉皮")
    assert reopened.completed_at is None and reopened.started_at == T0


@given(st.lists(st.sampled_from(list(W.Action)), max_size=12))
def test_any_sequence_of_actions_keeps_a_consistent_lifecycle(actions):
    """Whatever staff click, accepted implies completed implies started, and a refused action
    changes nothing."""
    lc = W.Lifecycle(T0)
    for i, action in enumerate(actions):
        before = lc
        try:
            lc = W.apply(lc, action, T0 + timedelta(hours=i), reason="理由")
        except InvalidTransition:
            assert lc == before
            continue
        assert W.status(lc) is W.TRANSITIONS[action][1]
    if lc.accepted_at is not None:
        assert lc.completed_at is not None
    if lc.completed_at is not None:
        assert lc.started_at is not None


@pytest.mark.parametrize(
    ("raw", "fen"),
    [("3000.00", 300000), ("0", 0), ("0.01", 1), ("12,500.5", 1250050), ("¥73000", 7300000)],
)
def test_parse_yuan(raw, fen):
    assert W.parse_yuan(raw) == fen


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("abc", "works.amount"),
        ("1.005", "works.amount_places"),
        ("-5", "works.amount_negative"),
        ("NaN", "works.amount"),
        ("1e12", "works.amount_large"),
        ("", "works.amount"),
    ],
)
def test_parse_yuan_refusals(raw, key):
    with pytest.raises(InvalidInput) as err:
        W.parse_yuan(raw)
    assert err.value.key == key


@given(st.integers(min_value=0, max_value=W.MAX_BUDGET_FEN))
def test_yuan_round_trips_exactly(fen):
    assert W.parse_yuan(W.format_yuan(fen)) == fen


@pytest.mark.parametrize(
    ("value", "cls"),
    [("基础类", "basic"), ("完善类", "improvement"), ("提升", "enhancement"), ("BASIC", "basic")],
)
def test_parse_category(value, cls):
    assert W.parse_category(value).value == cls


def test_unknown_category_lists_the_three():
    with pytest.raises(InvalidInput) as err:
        W.parse_category("豪华类")
    assert "基础类" in err.value.render("zh") and "完善类" in err.value.message


def test_category_inherited_from_the_option_elements():
    classes = [
        W.element_class("illegal_structure"),
        W.element_class("parking_stall"),
        W.element_class("facility", "ebike_shed"),
        W.element_class("building"),
        W.element_class("unknown_kind"),
    ]
    assert W.inherit_category(classes) is RenovationClass.IMPROVEMENT
    assert W.inherit_category([None, None]) is None
    assert W.inherit_category([RenovationClass.BASIC, RenovationClass.ENHANCEMENT]) is (
        RenovationClass.BASIC
    )
    assert W.marks_category([Category.WALLS_FACADES, Category.LIGHTING, Category.DRAINAGE]) is (
        RenovationClass.BASIC
    )


@pytest.mark.parametrize(
    ("value", "previous", "ok"),
    [(0, 0, True), (40, 10, True), (100, 100, True), (10, 40, False), (101, 0, False),
     (-1, 0, False), (True, 0, False), ("40", 0, False)],
)  # fmt: skip
def test_progress(value, previous, ok):
    if ok:
        assert W.check_progress(value, previous) == value
    else:
        with pytest.raises(InvalidInput):
            W.check_progress(value, previous)


def test_planned_end_not_before_start():
    W.check_dates(date(2026, 5, 1), date(2026, 5, 1))
    with pytest.raises(InvalidInput, match="before"):
        W.check_dates(date(2026, 5, 2), date(2026, 5, 1))


@pytest.mark.parametrize(
    ("role", "mine", "work", "ok"),
    [
        (Role.ADMIN, (), (), True),
        (Role.PLANNER, (), ("3",), True),
        (Role.BUILDING_CHIEF, ("3",), ("3", "4"), True),
        (Role.BUILDING_CHIEF, ("3",), ("4",), False),
        (Role.BUILDING_CHIEF, ("3",), (), False),
    ],
)
def test_who_posts_milestones(role, mine, work, ok):
    assert W.can_post_milestone(role, mine, work) is ok
    assert W.can_manage(role) is (role is not Role.BUILDING_CHIEF)


def test_title_is_required_and_one_line():
    assert W.clean_title(" 外墙\n粉刷 ") == "外墙 粉刷"
    with pytest.raises(InvalidInput) as err:
        W.clean_title("   ")
    assert "项目名称" in err.value.render("zh")
