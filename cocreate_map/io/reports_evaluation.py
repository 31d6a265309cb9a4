"""Paper forms of co-evaluation: the self-evaluation form (自评表) of a finished work, one page
per building with its rooms listed, and the signature sheet of a convention per building."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from cocreate_map.io.reports_ballots import FONT, _pdf


def _rooms_table(pdf, rooms: Sequence[tuple[str, str]], headings: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
    widths = [34, 34] + [(190 - 68) / (len(headings) - 2)] * (len(headings) - 2)
    pdf.set_font(FONT, "B", size=10)
    for w, h in zip(widths, headings, strict=True):
        pdf.cell(w, 8, h, border=1, align="C")
    pdf.ln()
    pdf.set_font(FONT, size=10)
    for unit, room in rooms:
        if pdf.get_y() > 270:
            pdf.add_page()
        pdf.cell(widths[0], 9, f"{unit} 单元", border=1, align="C")
        pdf.cell(widths[1], 9, f"{room} 室", border=1, align="C")
        for w in widths[2:]:
            pdf.cell(w, 9, "", border=1)
        pdf.ln()


def ratings_form(
    title: str,
    community: str,
    rooms_by_building: Mapping[str, Sequence[tuple[str, str]]],
    out: Path,
    closes: str,
) -> None:
    """One page (or more) per building: each room with boxes for 1–5 stars and a remark."""
    pdf = _pdf()
    for building, rooms in rooms_by_building.items():
        pdf.add_page()
        pdf.set_font(FONT, size=18)
        pdf.cell(0, 12, f"{community} · 工程效果自评表", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=12)
        pdf.cell(0, 8, f"工程：{title}　　{building} 栋", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(
            0,
            6,
            "请每户在 1–5 星中圈选一项（5 星最满意），可写意见；一户一份，以最后一次为准。"
            f"评价截止：{closes}。如认为工程没做好或不对，请在意见栏写明，社区会登记处理。\n"
            "Self-evaluation form: circle 1–5 stars per household (5 = very satisfied); "
            "remarks welcome. One per household; the last one counts.",
        )
        pdf.ln(2)
        _rooms_table(pdf, rooms, ["单元", "房号", "1☆ 2☆ 3☆ 4☆ 5☆（圈选）", "意见 / 签名"])
    pdf.output(str(out))


def signature_sheet(
    title: str,
    community: str,
    version: int,
    articles: Sequence[str],
    rooms_by_building: Mapping[str, Sequence[tuple[str, str]]],
    out: Path,
) -> None:
    """The convention's articles, then a signature table per building."""
    pdf = _pdf()
    for building, rooms in rooms_by_building.items():
        pdf.add_page()
        pdf.set_font(FONT, size=18)
        pdf.cell(0, 12, f"{community} · {title}（第 {version} 版）", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=11)
        for i, a in enumerate(articles, 1):
            pdf.multi_cell(0, 6, f"第{i}条　{a}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font(FONT, size=12)
        pdf.cell(0, 8, f"{building} 栋 签名表", new_x="LMARGIN", new_y="NEXT")
        _rooms_table(pdf, rooms, ["单元", "房号", "户主签名", "日期"])
    pdf.output(str(out))
