"""Layout options: a planner's variant of the plan, stored as a change-set over the base elements.

A change either adds a new element, removes a base element (``ref`` = its id) or replaces a base
element by a modified one (``ref`` = the id it replaces; the result keeps that id, so metrics can
tell a modification from an addition). ``apply`` never mutates the base list or its elements.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from cocreate_map.domain.elements import PlanElement
from cocreate_map.errors import InvalidInput

Action = Literal["add", "remove", "modify"]
ACTIONS: tuple[Action, ...] = ("add", "remove", "modify")


@dataclass(frozen=True)
class Change:
    """One edit: ``add`` (element, no ref), ``remove`` (ref, no element), ``modify`` (both)."""

    action: Action
    element: PlanElement | None = None
    ref: int | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise InvalidInput(key="options.unknown_change_action_use", action=self.action)
        if self.action == "add" and (self.element is None or self.ref is not None):
            raise InvalidInput(key="options.add_change_needs_element")
        if self.action == "remove" and (self.ref is None or self.element is not None):
            raise InvalidInput(key="options.remove_change_needs_ref")
        if self.action == "modify" and (self.ref is None or self.element is None):
            raise InvalidInput(key="options.modify_change_needs_ref")


@dataclass(frozen=True)
class LayoutOption:
    """A named set of changes (e.g. "方案A：拆违+增设车位")."""

    name: str
    changes: tuple[Change, ...] = ()

    def __init__(self, name: str, changes: Iterable[Change] = ()) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "changes", tuple(changes))


def apply(base: Sequence[PlanElement], option: LayoutOption) -> list[PlanElement]:
    """The option's element list: base order kept, modified elements in place, additions last.

    >>> from shapely import box
    >>> from cocreate_map.domain.elements import Kind
    >>> base = [PlanElement(Kind.ILLEGAL_STRUCTURE, box(0, 0, 3, 5), id=1),
    ...         PlanElement(Kind.GREEN_BELT, box(10, 0, 20, 10), id=2)]
    >>> opt = LayoutOption("拆违", [Change("remove", ref=1),
    ...                             Change("add", PlanElement(Kind.PARKING_STALL, box(0, 0, 2.5, 5.3)))])
    >>> [(e.kind.value, e.id) for e in apply(base, opt)]
    [('green_belt', 2), ('parking_stall', None)]
    >>> apply(base, LayoutOption("bad", [Change("remove", ref=7)]))
    Traceback (most recent call last):
    ...
    cocreate_map.errors.InvalidInput: option 'bad', change 1 (remove): element 7 is not in the base plan; pick an element id from the base plan
    """
    by_id: dict[int, PlanElement] = {}
    for e in base:
        if e.id is not None:
            if e.id in by_id:
                raise InvalidInput(key="options.base_plan_two_elements", id=e.id)
            by_id[e.id] = e
    removed: set[int] = set()
    modified: dict[int, PlanElement] = {}
    added: list[PlanElement] = []
    for number, change in enumerate(option.changes, start=1):
        where = f"option {option.name!r}, change {number} ({change.action})"
        if change.action == "add":
            assert change.element is not None
            if change.element.id is not None and change.element.id in by_id:
                raise InvalidInput(
                    key="options.new_element_id_which", where=where, id=change.element.id
                )
            added.append(change.element)
            continue
        ref = change.ref
        assert ref is not None
        if ref not in by_id:
            raise InvalidInput(key="options.element_base_plan_pick", where=where, ref=ref)
        if ref in removed:
            raise InvalidInput(key="options.element_already_removed_earlier", where=where, ref=ref)
        if change.action == "remove":
            if ref in modified:
                raise InvalidInput(key="options.element_was_modified_earlier", where=where, ref=ref)
            removed.add(ref)
        else:
            if ref in modified:
                raise InvalidInput(key="options.element_modified_twice_merge", where=where, ref=ref)
            assert change.element is not None
            modified[ref] = dataclasses.replace(change.element, id=ref)
    out: list[PlanElement] = []
    for e in base:
        if e.id is not None and e.id in removed:
            continue
        out.append(modified.get(e.id, e) if e.id is not None else e)
    return out + added
