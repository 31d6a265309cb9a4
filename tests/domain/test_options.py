"""Layout options as change-sets over the base plan (options.apply)."""

import pytest
from shapely import box

from cocreate_map.domain.elements import Kind, PlanElement
from cocreate_map.domain.options import Change, LayoutOption, apply
from cocreate_map.errors import InvalidInput


def _base() -> list[PlanElement]:
    return [
        PlanElement(Kind.BUILDING, box(0, 0, 60, 12), "1栋", {"households": 24}, id=1),
        PlanElement(Kind.ILLEGAL_STRUCTURE, box(70, 0, 73, 5), "违建棚", id=2),
        PlanElement(Kind.GREEN_BELT, box(0, 20, 60, 29), "绿化带", id=3),
    ]


def test_add_remove_modify_keep_order_and_ids():
    base = _base()
    stall = PlanElement(Kind.PARKING_STALL, box(80, 0, 82.5, 5.3))
    smaller = PlanElement(Kind.GREEN_BELT, box(0, 20, 30, 29), "绿化带")
    out = apply(
        base,
        LayoutOption(
            "A", [Change("remove", ref=2), Change("modify", smaller, ref=3), Change("add", stall)]
        ),
    )
    assert [(e.kind, e.id) for e in out] == [
        (Kind.BUILDING, 1),
        (Kind.GREEN_BELT, 3),
        (Kind.PARKING_STALL, None),
    ]
    assert out[1].geometry.area == 270
    assert base[2].geometry.area == 540  # base untouched
    assert len(base) == 3


def test_empty_option_is_the_base():
    base = _base()
    assert apply(base, LayoutOption("none")) == base


def test_missing_ref_is_a_clear_error():
    with pytest.raises(InvalidInput, match="element 9 is not in the base plan"):
        apply(_base(), LayoutOption("A", [Change("remove", ref=9)]))
    with pytest.raises(InvalidInput, match="element 9 is not in the base plan"):
        apply(_base(), LayoutOption("A", [Change("modify", _base()[0], ref=9)]))


def test_removing_twice_is_an_error():
    with pytest.raises(InvalidInput, match="already removed"):
        apply(_base(), LayoutOption("A", [Change("remove", ref=2), Change("remove", ref=2)]))


def test_modify_twice_or_modify_then_remove_is_an_error():
    g = PlanElement(Kind.GREEN_BELT, box(0, 20, 10, 29))
    with pytest.raises(InvalidInput, match="modified twice"):
        apply(_base(), LayoutOption("A", [Change("modify", g, ref=3), Change("modify", g, ref=3)]))
    with pytest.raises(InvalidInput, match="modified by an earlier change"):
        apply(_base(), LayoutOption("A", [Change("modify", g, ref=3), Change("remove", ref=3)]))


def test_new_element_may_not_reuse_a_base_id():
    clash = PlanElement(Kind.PARKING_STALL, box(80, 0, 82.5, 5.3), id=1)
    with pytest.raises(InvalidInput, match="already has"):
        apply(_base(), LayoutOption("A", [Change("add", clash)]))


@pytest.mark.parametrize(
    ("action", "element", "ref"),
    [("add", None, None), ("add", "E", 1), ("remove", None, None), ("remove", "E", 1),
     ("modify", None, 1), ("modify", "E", None), ("move", "E", 1)],
)  # fmt: skip
def test_malformed_changes_are_rejected(action, element, ref):
    e = _base()[0] if element else None
    with pytest.raises(InvalidInput):
        Change(action, e, ref)
