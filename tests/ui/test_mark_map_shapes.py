"""Marks read without hue (issue 10: 13): each renovation class has its own pin shape, paper
marks are hollow, and the classes' colours are close in lightness (which is why shape matters)."""

from __future__ import annotations

from itertools import combinations

from cocreate_map import services
from cocreate_map.domain.annotations import RenovationClass, Role
from cocreate_map.services import marks as mark_service
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.db import transaction
from cocreate_map.ui import mark_maps


def _lightness(hex_colour: str) -> float:
    """CIE L* of an sRGB colour."""
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 116 * (y ** (1 / 3) if y > 0.008856 else 7.787 * y + 16 / 116) - 16


def test_classes_differ_by_shape_where_lightness_does_not() -> None:
    classes = list(RenovationClass)
    assert len({mark_maps.CLASS_SHAPES[c] for c in classes}) == len(classes)
    for a, b in combinations(classes, 2):
        dl = abs(_lightness(mark_maps.CLASS_COLOURS[a]) - _lightness(mark_maps.CLASS_COLOURS[b]))
        # colours alone do not separate them for a colour-blind reader: the shape must
        assert dl >= 40 or mark_maps.CLASS_SHAPES[a] != mark_maps.CLASS_SHAPES[b]
    css = mark_maps._MARK_CSS
    for shape in ("square", "diamond"):
        assert f".cc-mark.cc-{shape} span" in css
    assert ".cc-mark.cc-paper span" in css


def test_generated_marks_carry_shape_and_paper_hollow(engine) -> None:  # noqa: ANN001
    with transaction(engine) as s:
        services.load_demo(s)
    with transaction(engine) as s:
        marks = mark_service.list_marks(
            s, services.DEMO_SLUG, staff=StaffIdentity("t", Role.ADMIN, None)
        )
    assert {m.source for m in marks} >= {"online", "paper"}
    data = mark_maps.marks_rows(marks, "zh")
    by_id = {m.id: m for m in marks}
    shapes = set()
    for row in data["rows"]:
        m, style = by_id[row[4]], data["styles"][row[2]]
        assert style["shape"] == mark_maps.CLASS_SHAPES[m.renovation_class]
        shapes.add(style["shape"])
        assert bool(style.get("paper")) == (m.source == "paper")
        if m.source == "paper":
            assert style["fillOpacity"] == 0.0
    assert len(shapes) >= 2
    assert "空心" in data["legend"]
    element = mark_maps.MarksLayer(data)
    element._parent = element  # the group the script adds to; its name is all it needs
    layer = str(element._template.module.script(element, {}))
    assert '"cc-mark cc-" + st.shape' in layer and 'st.paper ? "#fff"' in layer
