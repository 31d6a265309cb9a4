"""escape_text: nothing a resident types can become markup or template-literal code."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cocreate_map.ui.escape import escape_text

RAW = set("<>\"'`$")
PAYLOADS = [
    "${alert(1)}",
    "`;alert(1);`",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "'-alert(1)-'",
    "{{7*7}}",
    "\\`${alert(1)}",
]


@given(st.text())
def test_output_has_no_raw_special_characters(s: str) -> None:
    out = escape_text(s)
    assert not (RAW & set(out))
    assert "{" not in out and "}" not in out and "\\" not in out


@given(st.text())
def test_browser_shows_the_original_text(s: str) -> None:
    assert html.unescape(escape_text(s)) == s


@pytest.mark.parametrize("payload", PAYLOADS)
def test_known_payloads_are_inert(payload: str) -> None:
    out = escape_text(payload)
    assert "${" not in out and "<" not in out and "`" not in out


def test_chinese_text_is_unchanged() -> None:
    assert escape_text("棉花小区 3号楼") == "棉花小区 3号楼"


def test_none_and_numbers() -> None:
    assert escape_text(None) == ""
    assert escape_text(6) == "6"
