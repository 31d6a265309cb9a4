"""Helpers for AppTest stories that open one page of the app and press its buttons."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(entry: Path, page: str, **params: str) -> AppTest:
    """Run the app once (the default page), then switch to ``page`` with ``params``."""
    at = AppTest.from_file(str(entry), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def press(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception


def pick_category(at: AppTest, category: str) -> None:
    """Tap a category pill on the marking form (the pills are grouped by renovation class)."""
    from cocreate_map.domain.annotations import CATEGORY_CLASS, Category

    cls = CATEGORY_CLASS[Category(category)].value
    at.pills(key=f"marks_category_{cls}").set_value(category).run()
    assert not at.exception, at.exception
