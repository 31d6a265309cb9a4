"""Residents' marks (pure domain): lifecycle, permissions, duplicates, texts, ratings, summary.

The expected lifecycle is written here as its own table (from the diagram in the issue), not read
back from ``TRANSITIONS``: a wrong entry in the module then fails a test instead of passing it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from cocreate_map.domain import annotations as dom
from cocreate_map.domain.annotations import (
    Action,
    Candidate,
    Category,
    Lifecycle,
    RenovationClass,
    Role,
    Status,
)
from cocreate_map.errors import InvalidInput, InvalidTransition, PermissionDenied

S = Status
A = Action
T0 = datetime(2026, 3, 1, 8, 0)

#: the lifecycle as the issue draws it: state → {action: state after}. UNHIDE is not here: it
#: returns to the state before the hide (tested on its own).
EXPECTED: dict[Status, dict[Action, Status]] = {
    S.SUBMITTED: {A.PUBLISH: S.PUBLISHED, A.HIDE: S.HIDDEN, A.WITHDRAW: S.WITHDRAWN},
    S.PUBLISHED: {
        A.HIDE: S.HIDDEN,
        A.DISCUSS: S.UNDER_DISCUSSION,
        A.ADOPT: S.ADOPTED,
        A.DECLINE: S.DECLINED,
    },
    S.UNDER_DISCUSSION: {A.HIDE: S.HIDDEN, A.ADOPT: S.ADOPTED, A.DECLINE: S.DECLINED},
    S.HIDDEN: {},  # + UNHIDE
    S.WITHDRAWN: {},
    S.ADOPTED: {A.START: S.IN_PROGRESS},
    S.DECLINED: {},
    S.IN_PROGRESS: {A.RESOLVE: S.RESOLVED},
    S.RESOLVED: {},
    S.EVALUATED: {},
}
#: states a hidden mark may have had (and returns to)
HIDEABLE = (S.SUBMITTED, S.PUBLISHED, S.UNDER_DISCUSSION)
#: the stages in order; a mark never goes back to a lower rank (hide/unhide aside)
RANK = {
    S.SUBMITTED: 0,
    S.PUBLISHED: 1,
    S.UNDER_DISCUSSION: 2,
    S.ADOPTED: 3,
    S.DECLINED: 3,
    S.IN_PROGRESS: 4,
    S.RESOLVED: 5,
    S.EVALUATED: 6,
}


def t(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def lifecycle_in(state: Status, hidden_from: Status = S.PUBLISHED) -> Lifecycle:
    """A lifecycle in ``state``, written as timestamps (not built with apply())."""
    stamps: dict[Status, tuple[str, ...]] = {
        S.SUBMITTED: (),
        S.PUBLISHED: ("published_at",),
        S.UNDER_DISCUSSION: ("published_at", "discussion_at"),
        S.ADOPTED: ("published_at", "adopted_at"),
        S.DECLINED: ("published_at", "declined_at"),
        S.IN_PROGRESS: ("published_at", "adopted_at", "in_progress_at"),
        S.RESOLVED: ("published_at", "adopted_at", "in_progress_at", "resolved_at"),
        S.EVALUATED: (
            "published_at",
            "adopted_at",
            "in_progress_at",
            "resolved_at",
            "evaluated_at",
        ),
        S.WITHDRAWN: ("withdrawn_at",),
        S.HIDDEN: (*stamps_of(hidden_from), "hidden_at"),
    }
    names = stamps[state]
    return Lifecycle(T0, **{n: t(i + 1) for i, n in enumerate(names)})


def stamps_of(state: Status) -> tuple[str, ...]:
    return {
        S.SUBMITTED: (),
        S.PUBLISHED: ("published_at",),
        S.UNDER_DISCUSSION: ("published_at", "discussion_at"),
    }[state]


def reason_for(action: Action) -> str | None:
    return "已纳入二期道路改造" if action in (A.HIDE, A.DECLINE) else None


# ---------------------------------------------------------------- the table itself


def test_every_state_and_action_is_in_the_table():
    assert set(EXPECTED) == set(Status)
    assert {a for row in EXPECTED.values() for a in row} | {A.UNHIDE} == set(Action)


@pytest.mark.parametrize("state", list(Status))
def test_lifecycle_helper_gives_the_state(state):
    assert dom.status(lifecycle_in(state)) is state


# ---------------------------------------------------------------- every pair


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", list(Status))
def test_every_state_action_pair(state, action):
    lc = lifecycle_in(state)
    if action is A.UNHIDE:
        expected = S.PUBLISHED if state is S.HIDDEN else None  # lifecycle_in hides a published one
    else:
        expected = EXPECTED[state].get(action)
    if expected is None:
        with pytest.raises(InvalidTransition) as exc:
            dom.apply(lc, action, t(50), "a reason")
        msg = exc.value.message
        assert state.value in msg and action.value in msg and "allowed from" in msg
        with pytest.raises(InvalidTransition):
            dom.transition(state, action, "a reason")
        assert action not in dom.allowed_actions(state)
        return
    after = dom.apply(lc, action, t(50), reason_for(action))
    assert dom.status(after) is expected
    assert action in dom.allowed_actions(state)
    if action is not A.UNHIDE:
        target, field = dom.transition(state, action, reason_for(action))
        assert target is expected
        assert getattr(after, field) == t(50)
    assert lc.submitted_at == after.submitted_at == T0


@pytest.mark.parametrize("state", list(Status))
def test_allowed_actions_match_the_table(state):
    expected = set(EXPECTED[state]) | ({A.UNHIDE} if state is S.HIDDEN else set())
    assert set(dom.allowed_actions(state)) == expected


def test_forbidden_transition_message_lists_what_is_allowed():
    with pytest.raises(InvalidTransition, match=r"allowed from published: .*hide.*discuss"):
        dom.transition(S.PUBLISHED, A.START)
    with pytest.raises(InvalidTransition, match=r"allowed from resolved: none"):
        dom.transition(S.RESOLVED, A.PUBLISH)


# ---------------------------------------------------------------- reasons, unhide


@pytest.mark.parametrize("action", [A.HIDE, A.DECLINE])
@pytest.mark.parametrize("reason", [None, "", "   ", "\x00\x07", "\n\t"])
def test_hide_and_decline_need_a_reason(action, reason):
    lc = lifecycle_in(S.PUBLISHED)
    with pytest.raises(InvalidInput, match="needs a reason"):
        dom.apply(lc, action, t(9), reason)
    assert dom.status(dom.apply(lc, action, t(9), "重复意见，见 12 号")) is not S.PUBLISHED


def test_a_too_long_reason_is_refused():
    with pytest.raises(InvalidInput, match="at most 300"):
        dom.apply(lifecycle_in(S.PUBLISHED), A.DECLINE, t(9), "长" * 301)


@pytest.mark.parametrize("action", [A.PUBLISH, A.ADOPT, A.DISCUSS])
def test_other_actions_need_no_reason(action):
    lc = lifecycle_in(S.SUBMITTED if action is A.PUBLISH else S.PUBLISHED)
    dom.apply(lc, action, t(9))


@pytest.mark.parametrize("before", HIDEABLE)
def test_unhide_returns_to_the_state_before_the_hide(before):
    lc = lifecycle_in(before)
    hidden = dom.apply(lc, A.HIDE, t(20), "广告")
    assert dom.status(hidden) is S.HIDDEN
    back = dom.apply(hidden, A.UNHIDE, t(21))
    assert dom.status(back) is before
    assert back == lc  # every other timestamp untouched
    # and the helper built from timestamps agrees
    assert dom.status(dom.apply(lifecycle_in(S.HIDDEN, before), A.UNHIDE, t(22))) is before


def test_hide_again_after_unhide():
    lc = dom.apply(lifecycle_in(S.UNDER_DISCUSSION), A.HIDE, t(20), "x")
    lc = dom.apply(lc, A.UNHIDE, t(21))
    lc = dom.apply(lc, A.HIDE, t(22), "y")
    assert dom.status(lc) is S.HIDDEN and lc.hidden_at == t(22)
    assert dom.status(dom.apply(lc, A.UNHIDE, t(23))) is S.UNDER_DISCUSSION


def test_withdrawn_and_hidden_override_later_stamps():
    assert dom.status(Lifecycle(T0, published_at=t(1), withdrawn_at=t(2))) is S.WITHDRAWN
    assert dom.status(Lifecycle(T0, published_at=t(1), hidden_at=t(2))) is S.HIDDEN
    assert (
        dom.status(Lifecycle(T0, published_at=t(1), adopted_at=t(2), in_progress_at=t(3)))
        is S.IN_PROGRESS
    )


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("author", "state", "viewer", "expected"),
    [
        (7, S.SUBMITTED, 7, True),
        (7, S.SUBMITTED, 8, False),
        (7, S.SUBMITTED, None, False),
        (None, S.SUBMITTED, None, False),  # paper mark entered by staff: no author household
        (None, S.SUBMITTED, 7, False),
        *[(7, s, 7, False) for s in Status if s is not S.SUBMITTED],
    ],
)
def test_residents_edit_and_withdraw_only_their_own_submitted_mark(author, state, viewer, expected):
    assert dom.can_edit(author, state, viewer) is expected


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PLANNER])
@pytest.mark.parametrize("building", ["1", "12", None])
def test_admins_and_planners_act_on_every_mark(role, building):
    assert dom.can_act(role, [], building)
    dom.require_act(role, (), building)


def test_a_building_chief_acts_only_on_marks_of_their_buildings():
    assert dom.can_act(Role.BUILDING_CHIEF, ["1", "2"], "2")
    assert dom.can_act(Role.BUILDING_CHIEF, iter(["1", "2"]), "1")  # any iterable
    assert not dom.can_act(Role.BUILDING_CHIEF, ["1", "2"], "3")
    assert not dom.can_act(Role.BUILDING_CHIEF, ["1", "2"], "12")  # not a prefix match
    assert not dom.can_act(Role.BUILDING_CHIEF, ["1"], None)
    assert not dom.can_act(Role.BUILDING_CHIEF, [], "1")
    with pytest.raises(PermissionDenied, match=r"building chief of 1, 2 .*building 3"):
        dom.require_act(Role.BUILDING_CHIEF, ("1", "2"), "3")
    with pytest.raises(PermissionDenied, match="no building"):
        dom.require_act(Role.BUILDING_CHIEF, ("1",), None)


# ---------------------------------------------------------------- duplicates


def test_similar_keeps_same_category_within_30_m_nearest_first():
    cands = [
        Candidate(1, Category.LIGHTING, Point(0, 30)),  # exactly on the radius: kept
        Candidate(2, Category.LIGHTING, Point(0, 30.05)),  # just outside
        Candidate(3, Category.DRAINAGE, Point(0, 1)),  # other category, very near: ignored
        Candidate(4, Category.LIGHTING, Point(3, 4)),  # 5 m
        Candidate(5, Category.LIGHTING, Point(-5, 0)),  # 5 m too: tie broken by id
    ]
    assert dom.similar(Category.LIGHTING, Point(0, 0), cands) == [(4, 5.0), (5, 5.0), (1, 30.0)]
    assert dom.similar(Category.PARKING, Point(0, 0), cands) == []
    assert dom.similar(Category.LIGHTING, Point(0, 0), []) == []
    assert dom.similar(Category.LIGHTING, Point(0, 0), cands, radius_m=4.9) == []


def test_similar_measures_to_lines_and_areas():
    road = LineString([(-100, 40), (100, 40)])
    yard = Polygon([(50, -10), (80, -10), (80, 10), (50, 10)])
    cands = [Candidate(1, Category.PARKING, road), Candidate(2, Category.PARKING, yard)]
    assert dom.similar(Category.PARKING, Point(0, 15), cands) == [(1, 25.0)]
    assert dom.similar(Category.PARKING, Point(60, 0), cands) == [(2, 0.0)]


# ---------------------------------------------------------------- categories


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("lighting", Category.LIGHTING),
        (" Road_Surface ", Category.ROAD_SURFACE),
        ("road-surface", Category.ROAD_SURFACE),
        ("ELDERLY CHILDREN", Category.ELDERLY_CHILDREN),
        (Category.PARKING, Category.PARKING),
        ("路灯", Category.LIGHTING),
        ("照明", Category.LIGHTING),
        ("道路", Category.ROAD_SURFACE),
        ("外墙", Category.WALLS_FACADES),
        ("排水", Category.DRAINAGE),
        ("违章建筑", Category.ILLEGAL_STRUCTURE),
        ("停车", Category.PARKING),
        ("绿化", Category.GREENERY),
        ("垃圾", Category.WASTE),
        ("晾晒", Category.DRYING),
        ("一老一小", Category.ELDERLY_CHILDREN),
        ("无障碍", Category.ACCESSIBILITY),
        ("安全", Category.SECURITY),
        (" 其他 ", Category.OTHER),
    ],
)
def test_parse_category(raw, expected):
    assert dom.parse_category(raw) is expected


@pytest.mark.parametrize("raw", ["", None, "lamp", "路灯坏了", "<script>", "x" * 500])
def test_unknown_category_lists_the_choices(raw):
    with pytest.raises(InvalidInput, match=r"unknown category .*lighting.*路灯") as exc:
        dom.parse_category(raw)
    assert "x" * 41 not in exc.value.message  # the echo is cut short


def test_every_category_has_a_national_class():
    assert set(dom.CATEGORY_CLASS) == set(Category)
    assert dom.CATEGORY_CLASS[Category.ROAD_SURFACE] is RenovationClass.BASIC
    assert dom.CATEGORY_CLASS[Category.ILLEGAL_STRUCTURE] is RenovationClass.IMPROVEMENT
    assert dom.CATEGORY_CLASS[Category.ELDERLY_CHILDREN] is RenovationClass.ENHANCEMENT
    assert set(dom.CATEGORY_CLASS.values()) == set(RenovationClass)


# ---------------------------------------------------------------- texts and ratings


def test_clean_text():
    assert dom.clean_text("  路灯\x00坏了\n ", 20) == "路灯坏了"
    assert dom.clean_text("第一行\n第二行", 20) == "第一行\n第二行"
    assert dom.clean_text("tab\there\u200b", 20) == "tabhere"  # control and format chars go
    assert dom.clean_text("cafe\u0301", 20) == "café"  # NFC
    assert dom.clean_text("<script>alert(1)</script>", 50) == "<script>alert(1)</script>"
    assert dom.clean_text("长" * 500, 500) == "长" * 500  # characters, not bytes
    assert dom.clean_text("  \x00 ", 10, required=False) == ""
    with pytest.raises(InvalidInput, match="has 501 characters; at most 500"):
        dom.clean_text("长" * 501, 500)
    with pytest.raises(InvalidInput, match="the comment is empty"):
        dom.clean_text(" \n\x07 ", 10, what="comment")


@pytest.mark.parametrize("stars", [1, 2, 3, 4, 5])
def test_ratings_one_to_five(stars):
    assert dom.check_rating(stars) == stars


@pytest.mark.parametrize("stars", [0, 6, -1, True, False, 3.0, "3", None, 2.5])
def test_bad_ratings(stars):
    with pytest.raises(InvalidInput, match="1 to 5 stars"):
        dom.check_rating(stars)


# ---------------------------------------------------------------- properties: lifecycle


def model_step(state: Status, before_hide: Status | None, action: Action, reason: str | None):
    """The table's answer: (new state, state before the hide) or None when refused."""
    if action is A.UNHIDE:
        return (before_hide, None) if state is S.HIDDEN else None
    target = EXPECTED[state].get(action)
    if target is None:
        return None
    if action in (A.HIDE, A.DECLINE) and not (reason or "").strip():
        return None
    return target, (state if target is S.HIDDEN else None)


def reachable() -> set[Status]:
    seen, todo = {S.SUBMITTED}, [S.SUBMITTED]
    while todo:
        for nxt in EXPECTED[todo.pop()].values():
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


REACHABLE = reachable()
steps = st.lists(
    st.tuples(st.sampled_from(list(Action)), st.sampled_from([None, "", "  ", "有理由"])),
    max_size=25,
)


def test_reachable_states_per_the_table():
    assert REACHABLE == set(Status) - {S.EVALUATED}  # evaluated comes from a rating, not an action


@given(steps)
def test_any_sequence_raises_or_follows_the_table(seq):
    lc = Lifecycle(T0)
    state, before_hide = S.SUBMITTED, None
    for i, (action, reason) in enumerate(seq, start=1):
        expected = model_step(state, before_hide, action, reason)
        try:
            after = dom.apply(lc, action, t(i), reason)
        except (InvalidTransition, InvalidInput):
            assert expected is None, (state, action, reason)
            continue
        assert expected is not None, (state, action, reason)
        state, before_hide = expected
        lc = after
        assert dom.status(lc) is state
        assert state in REACHABLE


@given(steps)
def test_status_never_goes_back_to_an_earlier_stage(seq):
    lc = Lifecycle(T0)
    best = 0
    for i, (action, reason) in enumerate(seq, start=1):
        try:
            lc = dom.apply(lc, action, t(i), reason)
        except (InvalidTransition, InvalidInput):
            continue
        state = dom.status(lc)
        if state is S.WITHDRAWN:
            assert best == 0  # only a submitted mark is withdrawn
        if state in (S.HIDDEN, S.WITHDRAWN):
            continue
        assert RANK[state] >= best, (state, best)
        best = RANK[state]
        if best >= RANK[S.RESOLVED]:
            assert state is S.RESOLVED


@given(steps)
def test_resolved_is_final_for_staff_actions(seq):
    lc = lifecycle_in(S.RESOLVED)
    for i, (action, reason) in enumerate(seq, start=1):
        with pytest.raises(InvalidTransition):
            dom.apply(lc, action, t(i), reason)
    assert dom.status(lc) is S.RESOLVED


# ---------------------------------------------------------------- properties: summary

marks_st = st.lists(
    st.tuples(
        st.sampled_from(list(Category)),
        st.sampled_from([None, "1", "2", "12"]),
        st.sampled_from(list(Status)),
    ),
    max_size=60,
)


@given(marks_st, st.lists(st.integers(1, 5), max_size=30))
def test_summary_invariants(marks, ratings):
    s = dom.summarise(iter(marks), iter(ratings))
    private = {S.SUBMITTED, S.HIDDEN, S.WITHDRAWN}
    public = [m for m in marks if m[2] not in private]
    assert s.total == len(public)
    assert sum(s.by_category.values()) == s.total
    assert sum(s.by_class.values()) == s.total
    assert sum(s.by_building.values()) == s.total
    assert sum(s.by_status.values()) == len(marks)
    assert 0 <= s.resolved <= s.adopted <= s.total
    assert 0 <= s.answered <= s.total
    assert s.adopted <= s.answered
    assert set(s.by_category) <= {c.value for c in Category}
    assert set(s.by_class) <= {c.value for c in RenovationClass}
    for cat, n in s.by_category.items():
        assert n == sum(1 for m in public if m[0].value == cat)
    if s.adopted:
        assert s.resolution_rate is not None and 0 <= s.resolution_rate <= 1
    else:
        assert s.resolution_rate is None
    if s.total:
        assert s.response_rate is not None and 0 <= s.response_rate <= 1
    else:
        assert s.response_rate is None
    assert s.ratings == len(ratings) and s.rating_sum == sum(ratings)
    if ratings:
        assert s.satisfaction is not None and 1 <= s.satisfaction <= 5
    else:
        assert s.satisfaction is None


def test_summary_example():
    s = dom.summarise(
        [
            (Category.LIGHTING, "1", S.RESOLVED),
            (Category.LIGHTING, "1", S.ADOPTED),
            (Category.DRAINAGE, "2", S.DECLINED),
            (Category.PARKING, None, S.PUBLISHED),
            (Category.PARKING, "2", S.SUBMITTED),
            (Category.OTHER, "2", S.HIDDEN),
        ],
        [4, 5],
    )
    assert s.total == 4
    assert s.by_category == {"lighting": 2, "drainage": 1, "parking": 1}
    assert s.by_class == {"improvement": 3, "basic": 1}
    assert s.by_building == {"1": 2, "2": 1, "?": 1}
    assert s.by_status["submitted"] == 1 and s.by_status["hidden"] == 1
    assert (s.adopted, s.resolved, s.answered) == (2, 1, 3)
    assert s.resolution_rate == 0.5 and s.response_rate == 0.75 and s.satisfaction == 4.5
