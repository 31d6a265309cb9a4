"""The decision story (成果共享) on paper for the notice board: one or two A4 pages with the marks,
the options, the ballot's binding result with both measures, the work and its milestones, the
money with its receipt lines and the ratings, ending with a QR code to the live story page.

fpdf2 embeds Noto Sans CJK (see reports_ballots); text is Chinese first with English beside it,
like the other notices. Every resident-supplied string is printed as plain text.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cocreate_map import decision_text
from cocreate_map.domain.evaluation import percent_text
from cocreate_map.domain.voting import percent
from cocreate_map.domain.works import yuan_text
from cocreate_map.i18n import translate
from cocreate_map.io.reports_ballots import FONT, _dt, _pdf, _qr_png

#: receipt lines printed (the rest are on the live page and in the ledger export)
MAX_RECEIPTS = 14
MAX_MILESTONES = 6
MAX_MARKS = 6

STATUS_WORDS = {
    "planned": "计划中 planned",
    "in_progress": "施工中 in progress",
    "completed": "已完工 completed",
    "accepted": "已验收 accepted",
}
ENTRY_WORDS = {"counted": "", "pending": "待审核", "reversed": "已冲正", "reversal": "冲正"}
OUTCOME_WORDS = {"passed": "通过 passed", "rejected": "未通过 rejected", "invalid": "无效 invalid"}


def story_url(public_url: str, slug: str, work_id: int) -> str:
    """The live story page (``/works?work=ID&view=story``) behind the notice's QR code."""
    query = urlencode({"work": work_id, "view": "story", "community": slug})
    return f"{public_url.rstrip('/')}/works?{query}"


def _choice(choice: str) -> str:
    return translate("zh", f"choice.{choice}") if choice in ("yes", "no", "abstain") else choice


def _y(fen: int) -> str:
    return f"¥{yuan_text(fen)}"


def _pct(x: Fraction) -> str:
    return f"{percent(x)}%"


def _area(x: Fraction) -> str:
    return f"{float(x):,.2f} m²"


def _cut(text: str, most: int) -> str:
    one = " ".join(str(text).split())
    return one if len(one) <= most else one[: most - 1] + "…"


def _heading(pdf: Any, text: str) -> None:
    if pdf.get_y() > 262:
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", size=12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9.5)


def _line(pdf: Any, text: str, h: float = 5.2) -> None:
    pdf.set_font(FONT, size=9.5)
    pdf.multi_cell(0, h, text, new_x="LMARGIN", new_y="NEXT")


def story_notice(story: Any, public_url: str, out: Path, now: datetime) -> int:
    """Write the notice of ``story`` (services.story.Story) to ``out``; returns its pages."""
    s = story
    w = s.work
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(
        0, 9, f"{s.community_name} · {w.title}", new_x="LMARGIN", new_y="NEXT", align="C"
    )
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(
        0, 6,
        "成果共享 · 一件事的来龙去脉  The decision story, from the first mark to the last receipt\n"
        f"{STATUS_WORDS.get(w.status.value, w.status.value)} · 进度 progress {w.progress_pct}% · "
        f"公示日期 date {_dt(now)}",
        new_x="LMARGIN", new_y="NEXT", align="C",
    )  # fmt: skip
    if w.description:
        _line(pdf, _cut(w.description, 240))

    _heading(pdf, f"一、居民的意见 What residents said（{len(s.marks)} 条）")
    if not s.marks:
        _line(pdf, "无关联的居民意见 no resident marks are linked to this work")
    for m in s.marks[:MAX_MARKS]:
        where = (
            f"{m.building}栋 " if m.building and not m.text.startswith(f"{m.building}栋") else ""
        )
        _line(pdf, f"· {where}{_cut(m.text, 90)} —— 我也是 me too: {m.supports} 人")
    if len(s.marks) > MAX_MARKS:
        _line(pdf, f"……另有 {len(s.marks) - MAX_MARKS} 条 more on the live page")

    if s.options:
        _heading(pdf, f"二、比选的方案 Options compared（{len(s.options)} 个）")
        for o in s.options:
            got = {m.key: m.value for m in o.metrics}
            parts = []
            for key, word in (
                ("parking_stalls", "车位 parking"),
                ("ebike_places", "电动车位 e-bike"),
                ("green_area_m2", "绿地 green m²"),
                ("cost_total", "估算 cost ¥"),
            ):
                if got.get(key) is not None:
                    parts.append(f"{word} {got[key]:,.0f}")
            flag = "【采纳 adopted】" if o.adopted else ""
            _line(pdf, f"· {_cut(o.name, 40)}{flag}：" + "，".join(parts))

    _heading(pdf, "三、居民表决 The residents' vote")
    b = s.ballot
    if b is None:
        _line(pdf, "未经表决 no ballot (由居民意见采纳或社区安排 adopted from marks or by staff)")
    else:
        _line(pdf, f"表决 #{b.id}：{_cut(b.title, 80)}")
        pdf.set_font(FONT, "B", size=12)
        pdf.multi_cell(
            0, 7,
            f"结果 result：{decision_text.headline('zh', b.decision)}",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
        c = b.counts
        with pdf.table(col_widths=(40, 75, 75), text_align=("LEFT", "RIGHT", "RIGHT")) as t:
            t.row(["", "按户数 by households", "按面积 by floor area"])
            t.row(
                [
                    "参与 took part",
                    f"{c.participating_households}/{c.households} 户 ({_pct(b.participation_households)})",
                    f"{_area(c.participating_area_m2)} / {_area(c.area_m2)} ({_pct(b.participation_area)})",
                ]
            )
            t.row(
                [
                    "同意 agreed",
                    f"{c.agreeing_households} 户 ({_pct(b.approval_households)})",
                    f"{_area(c.agreeing_area_m2)} ({_pct(b.approval_area)})",
                ]
            )
        _line(
            pdf,
            "各选项 choices："
            + "；".join(
                f"{_choice(x.choice)} {x.households} 户"
                for x in b.choices
                if x.households or x.choice != "abstain"
            )
            + (f"。本工程执行 carried out: {b.adopted}" if b.adopted else ""),
        )  # fmt: skip

    _heading(pdf, f"四、施工 The work（进度记录 {len(s.milestones)} 条，照片 {s.photos} 张）")
    if w.contractor:
        _line(pdf, f"施工单位 contractor：{_cut(w.contractor, 60)}")
    for m in list(s.milestones)[-MAX_MILESTONES:]:
        _line(pdf, f"· {m.happened_on.isoformat()} {m.progress_pct}%：{_cut(m.text, 90)}")

    money = s.money
    _heading(pdf, "五、钱花在哪里 Where the money went")
    _line(
        pdf,
        f"预算 budget {_y(money.budget_fen)} · 已支出 spent {_y(money.spent_fen)} · "
        f"待审核 pending {_y(money.pending_fen)} · 投工折合 volunteer labour {_y(money.in_kind_fen)}",
    )
    if money.receipts:
        shown = money.receipts[:MAX_RECEIPTS]
        with pdf.table(
            col_widths=(24, 66, 30, 34, 36),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
        ) as t:
            t.row(["日期 date", "收款人 payee", "票据 receipt", "金额 amount", "状态 state"])
            for r in shown:
                sign = "+" if r.status == "reversal" else ""
                t.row(
                    [
                        str(r.occurred_on or "—"),
                        _cut(r.payee or "—", 30),
                        r.receipt_no or "—",
                        f"{sign}{_y(r.amount_fen)}",
                        ENTRY_WORDS.get(r.status, r.status) or "已计入",
                    ]
                )
        if len(money.receipts) > MAX_RECEIPTS:
            _line(pdf, f"……另有 {len(money.receipts) - MAX_RECEIPTS} 笔 more in the live ledger")
    else:
        _line(pdf, "尚无记账的支出 no spending booked yet")

    _heading(pdf, "六、居民评价 Residents' ratings")
    sm = s.ratings.summary
    if w.status.value not in ("completed", "accepted"):
        _line(pdf, f"完工后请 {sm.households} 户居民评价 rated once finished")
    elif not sm.rated:
        _line(pdf, f"尚无评价 no ratings yet（{sm.households} 户可评）")
    else:
        _line(
            pdf,
            f"平均 average {sm.average_text} 星 · 满意（4–5 星）satisfied {sm.satisfied}/{sm.rated} 户 "
            f"({percent_text(sm.satisfaction)}%) · 参评 rated {sm.rated}/{sm.households} 户 "
            f"({percent_text(sm.response)}%)",
        )
        _line(
            pdf,
            "按楼栋 by building：" + "；".join(
                f"{g.key}栋 {g.rated}/{g.households} 户 {g.average_text or '—'}" for g in sm.by_building
            ),
        )  # fmt: skip
        if s.ratings.contests:
            _line(pdf, f"提出“没做好/不对” contested: {s.ratings.contests} 户")

    url = story_url(public_url, s.slug, w.id)
    if pdf.get_y() > 250:
        pdf.add_page()
    y = pdf.get_y() + 3
    pdf.image(_qr_png(url, 5), x=10, y=y, w=32, h=32)
    pdf.set_xy(46, y + 4)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(
        0, 6,
        "扫码看实时的来龙去脉、照片和票据 Scan for the live story, photos and receipts",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.set_x(46)
    pdf.set_font(FONT, size=7)
    pdf.multi_cell(0, 4, url, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return int(pdf.pages_count)
