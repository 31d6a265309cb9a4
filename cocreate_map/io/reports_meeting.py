"""The printed meeting pack of a ballot (A4, Chinese first): agenda page; each option with a
static map (matplotlib, no tiles — ``reports_options.static_map``) and its key metrics; paper
ballots pre-printed with each eligible household's building / unit / room and a ballot number,
four per page with cut lines; the sign-in sheet. Noto Sans CJK is embedded (fpdf2,
``collection_font_number``). Every resident- or staff-supplied string is printed as plain text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF

from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.layout import COMPARISON_ROWS, metric_value
from cocreate_map.errors import InvalidInput
from cocreate_map.i18n import rule_name
from cocreate_map.io.reports_options import _delta, _fmt, _t, cjk_font, row_label, static_map

FONT = "NotoSansCJKsc"
CHOICE_WORDS = {"yes": "同意 Yes", "no": "反对 No", "abstain": "弃权 Abstain"}
KIND_HINT = {
    "yes-no": "请在一个方框内打 ✓  Tick one box",
    "choose-one": "请在一个方框内打 ✓  Tick one box",
    "approval": "可在多个方框内打 ✓  Tick every option you accept",
    "ranked": "请在方框内填写顺序 1、2、3…  Number the options in order of preference",
}
PER_PAGE = 4  # paper ballots per A4 page


@dataclass(frozen=True)
class PackBallot:
    id: int
    title: str
    description: str
    kind: str
    choices: list[str]
    rule: str
    opens_at: datetime | None
    closes_at: datetime | None
    community_name: str
    join_link: str


def _pdf() -> FPDF:
    path, index = cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font(FONT, "", str(path), collection_font_number=index)
    bold = path.with_name(path.name.replace("Regular", "Bold"))
    pdf.add_font(FONT, "B", str(bold if bold.exists() else path), collection_font_number=index)
    pdf.set_font(FONT, size=11)
    return pdf


def _china(d: datetime | None) -> str:
    return "—" if d is None else china_time(d)


def _qr(url: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=6, border=2)
    buf.seek(0)
    return buf


def _choices(b: PackBallot) -> list[str]:
    if b.kind == "yes-no":
        return ["yes", "no", "abstain"]
    return [*b.choices, "abstain"] if b.kind == "choose-one" else list(b.choices)


def _agenda(pdf: FPDF, b: PackBallot, options: Sequence[Any]) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 12, f"{b.community_name} 居民议事会", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, "Residents' meeting — agenda", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 7, f"表决事项 Question (#{b.id}): {b.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    if b.description:
        pdf.multi_cell(0, 6, b.description, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        6,
        f"表决规则 Rule: {rule_name('zh', b.rule)} ({b.rule})\n表决期间 Voting (China time): {_china(b.opens_at)} — "
        f"{_china(b.closes_at)}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 8, "议程 Agenda", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    items = [
        "签到，领取纸质选票（不用手机的住户）Sign in; paper ballots for residents without a phone",
        "介绍社区现状地图 The community map today",
        "介绍各方案及主要指标 The layout options and their key figures"
        + (f"（{len(options)} 个）" if options else ""),
        "讨论与提问 Discussion and questions",
        "投票：扫码或填写纸质选票 Vote: scan the QR code or fill in a paper ballot",
        "当场公布结果及理由 The result and why it passed or failed",
    ]
    for i, item in enumerate(items, start=1):
        pdf.multi_cell(0, 7, f"{i}. {item}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    y = pdf.get_y()
    pdf.image(_qr(b.join_link), x=10, y=y, w=38, h=38)
    pdf.set_xy(52, y + 4)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(
        0,
        6,
        f"扫码投票，输入住户码 Scan to vote, then type your household code:\n{b.join_link}",
    )


def _options(
    pdf: FPDF, boundary: Any, base: Mapping[str, Any], options: Sequence[Any], lang: str
) -> None:
    for opt in options:
        pdf.add_page()
        pdf.set_font(FONT, "B", 15)
        pdf.multi_cell(0, 8, opt.name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        if opt.description:
            pdf.multi_cell(0, 5, opt.description, new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + 2
        png = static_map(boundary, opt.layers, (150, 105), dpi=170)
        pdf.image(io.BytesIO(png), x=30, y=y, w=150, h=105)
        pdf.set_xy(10, y + 107)
        pdf.set_font(FONT, size=8)
        pdf.cell(
            0,
            5,
            f"{_t(lang, 'options.legend.added')}：蓝色粗线 · "
            f"{_t(lang, 'options.legend.removed')}：红色斜线 · 比例尺 50 m",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
        pdf.set_font(FONT, size=9)
        with pdf.table(col_widths=(80, 50, 60), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
            table.row([_t(lang, "options.metric"), _t(lang, "options.today"), opt.name[:24]])
            for key, _better in COMPARISON_ROWS:
                value = metric_value(dict(opt.metrics), key)
                before = metric_value(dict(base), key)
                table.row(
                    [
                        row_label(lang, key),
                        _fmt(lang, key, before),
                        _fmt(lang, key, value) + _delta(key, value, before),
                    ]
                )


def _paper_ballots(pdf: FPDF, b: PackBallot, households: Sequence[Any]) -> None:
    h = (297 - 16) / PER_PAGE
    choices = _choices(b)
    for i, hh in enumerate(households):
        pos = i % PER_PAGE
        if pos == 0:
            pdf.add_page()
        y = 8 + pos * h
        if pos:
            pdf.set_draw_color(120, 120, 120)
            pdf.set_dash_pattern(dash=2, gap=1.5)
            pdf.line(5, y, 205, y)
            pdf.set_dash_pattern()
            pdf.set_font(FONT, size=7)
            pdf.set_xy(5, y - 3.5)
            pdf.cell(20, 3, "✂ 沿虚线剪开 cut here")
        pdf.set_draw_color(0, 0, 0)
        pdf.set_xy(12, y + 3)
        pdf.set_font(FONT, "B", 12)
        pdf.cell(120, 7, f"{b.community_name} 纸质选票 Paper ballot")
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 7, f"No. {hh.ballot_no}", align="R")
        pdf.set_xy(12, y + 11)
        pdf.set_font(FONT, "B", 16)
        pdf.cell(0, 8, f"{hh.building}栋 {hh.unit}单元 {hh.room}室")
        pdf.set_xy(12, y + 20)
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(186, 5, f"#{b.id} {b.title}"[:160], new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(12, pdf.get_y() + 1)
        pdf.set_font(FONT, size=8)
        pdf.cell(0, 4, KIND_HINT.get(b.kind, ""))
        cy = pdf.get_y() + 6
        col_w = 186 / max(1, min(len(choices), 4))
        for j, c in enumerate(choices):
            row, col = divmod(j, 4)
            x = 12 + col * col_w
            yy = cy + row * 9
            pdf.rect(x, yy, 6, 6)
            pdf.set_xy(x + 8, yy)
            pdf.set_font(FONT, size=11)
            pdf.cell(col_w - 9, 6, CHOICE_WORDS.get(c, c)[:30])
        pdf.set_xy(12, y + h - 12)
        pdf.set_font(FONT, size=9)
        pdf.cell(
            0, 5, "签名 Signature: ____________________    日期 Date: ______________", align="L"
        )


def _sign_in(pdf: FPDF, b: PackBallot, households: Sequence[Any]) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(
        0, 9, f"{b.community_name} 签到表 Sign-in sheet", new_x="LMARGIN", new_y="NEXT", align="C"
    )
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 5, f"#{b.id} {b.title}"[:120], new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    with pdf.table(
        col_widths=(24, 24, 24, 32, 86),
        text_align=("CENTER", "CENTER", "CENTER", "CENTER", "LEFT"),
        line_height=8,
    ) as table:
        table.row(["楼栋 Bldg", "单元 Unit", "房号 Room", "选票号 No.", "签名 Signature"])
        for hh in households:
            table.row([hh.building, hh.unit, hh.room, hh.ballot_no, ""])


def write_meeting_pack(
    out: Path,
    *,
    ballot: PackBallot,
    boundary: Any,
    base: Mapping[str, Any],
    options: Sequence[Any],
    households: Sequence[Any],
    lang: str = "zh",
) -> int:
    """Write the pack to ``out``; returns the number of pages."""
    if not households:
        raise InvalidInput(key="reports_meeting.ballot_eligible_households_print", id=ballot.id)
    pdf = _pdf()
    pdf.set_title(f"{ballot.community_name} 会议材料 #{ballot.id}")
    _agenda(pdf, ballot, options)
    _options(pdf, boundary, base, options, lang)
    _paper_ballots(pdf, ballot, households)
    _sign_in(pdf, ballot, households)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return int(pdf.page_no())
