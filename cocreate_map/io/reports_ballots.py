"""Printable household slips (code + QR join link) and the public notice (公示) of a ballot.

fpdf2 embeds Noto Sans CJK from the system ``.ttc`` (``collection_font_number``); QR codes are
drawn by segno (DESIGN.md §5 "Reports"). Every resident-supplied string is printed as plain text.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import segno
from fpdf import FPDF

from cocreate_map import decision_text
from cocreate_map.decision_text import reason_text
from cocreate_map.domain.china_time import china_time
from cocreate_map.errors import InvalidInput
from cocreate_map.i18n import translate

_FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
)
_SC_INDEX = 2  # JP, KR, SC, TC, HK in the Noto Sans CJK collection
FONT = "NotoSansCJKsc"


def cjk_font() -> tuple[Path, int]:
    for p in _FONT_CANDIDATES:
        if p.exists():
            return p, _SC_INDEX
    try:
        out = subprocess.run(
            ["fc-list", "-f", "%{file}\n", "Noto Sans CJK SC"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        if line.endswith(".ttc"):
            return Path(line), _SC_INDEX
        if line.endswith((".otf", ".ttf")):
            return Path(line), 0
    raise InvalidInput(key="reports_ballots.printing_needs_noto_sans")


def _pdf() -> FPDF:
    path, index = cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font(FONT, "", str(path), collection_font_number=index)
    pdf.add_font(FONT, "B", str(path), collection_font_number=index)  # table headings
    pdf.set_font(FONT, size=11)
    return pdf


def _qr_png(url: str, scale: int = 6) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=2)
    buf.seek(0)
    return buf


def join_url(public_url: str, slug: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/vote?{urlencode({'community': slug, 'code': code})}"


def result_url(public_url: str, slug: str, ballot_id: int) -> str:
    query = urlencode({"community": slug, "ballot": ballot_id})
    return f"{public_url.rstrip('/')}/results?{query}"


@dataclass(frozen=True)
class Slip:
    building: str
    unit: str
    room: str
    code: str


def _building_key(b: str) -> tuple[int, str]:
    return (int(b), b) if b.isdigit() else (10**9, b)


def household_slips(
    slips: Sequence[Slip], community_name: str, slug: str, public_url: str, out: Path
) -> int:
    """One slip per household, 2 × 4 per A4 page, a new page per building. Returns pages."""
    pdf = _pdf()
    by_building: dict[str, list[Slip]] = {}
    for s in slips:
        by_building.setdefault(s.building, []).append(s)
    w, h = 95.0, 68.0
    for building in sorted(by_building, key=_building_key):
        group = sorted(by_building[building], key=lambda s: (_building_key(s.unit), s.room))
        for i, s in enumerate(group):
            pos = i % 8
            if pos == 0:
                pdf.add_page()
                pdf.set_font(FONT, size=9)
                pdf.set_xy(10, 4)
                pdf.cell(
                    0,
                    5,
                    f"{community_name} · {building}栋 · {len(group)} 户 · 住户码 / household codes",
                )
            col, row = pos % 2, pos // 2
            x, y = 10 + col * w, 10 + row * h
            pdf.set_draw_color(150, 150, 150)
            pdf.set_line_width(0.2)
            pdf.set_dash_pattern(dash=1, gap=1)
            pdf.line(x, y, x + w - 4, y)
            pdf.set_dash_pattern()
            pdf.set_xy(x + 3, y + 3)
            pdf.set_font(FONT, size=10)
            pdf.cell(60, 6, community_name)
            pdf.set_xy(x + 3, y + 10)
            pdf.set_font(FONT, size=16)
            pdf.cell(60, 9, f"{s.building}栋 {s.unit}单元 {s.room}")
            pdf.set_xy(x + 3, y + 22)
            pdf.set_font(FONT, size=9)
            pdf.cell(60, 5, "住户码 Household code")
            pdf.set_xy(x + 3, y + 28)
            pdf.set_font(FONT, size=20)
            pdf.cell(60, 11, s.code)
            pdf.set_font(FONT, size=8)
            pdf.set_xy(x + 3, y + 42)
            pdf.multi_cell(
                58,
                4,
                "扫右侧二维码，或打开「投票」页输入住户码。每户一码，请妥善保管。\n"
                "Scan the QR code or type the code on the Vote page. One code per household.",
            )
            pdf.set_xy(x + 3, y + 59)
            pdf.cell(88, 4, f"网址 Address: {public_url.rstrip('/')}/vote")  # for typing it in
            url = join_url(public_url, slug, s.code)
            pdf.image(_qr_png(url), x=x + 63, y=y + 8, w=28, h=28)
    if not slips:
        raise InvalidInput(key="reports_ballots.households_print_import_register")
    pdf.output(str(out))
    return int(pdf.page_no())


def _pct(r: Fraction) -> str:
    from cocreate_map.domain.voting import percent

    return f"{percent(r)} %"


def _area(f: Fraction) -> str:
    return f"{float(f):,.2f} m²"


CHECK_WORDS = {
    "participation_area": "参与表决专有部分面积 participating area",
    "participation_heads": "参与表决业主人数 participating owners",
    "participation_households": "参与户数 participating households",
    "approval_area": "同意面积/参与面积 agreeing area",
    "approval_heads": "同意人数/参与人数 agreeing owners",
    "approval_households": "同意户数/参与户数 agreeing households",
    "approval_households_of_cast": "同意票/有效票 agreeing ballots",
    "agreement_households_of_all": "同意户数/全部户数 agreeing of all households",
    "agreement_households_of_participants": "同意户数/参与户数 agreeing of participants",
}
OUTCOME_WORDS = {
    "passed": "通过 PASSED",
    "rejected": "未通过 REJECTED",
    "invalid": "无效（参与未达法定比例）INVALID — quorum not met",
}
CHOICE_WORDS = {"yes": "同意 yes", "no": "反对 no", "abstain": "弃权 abstain"}


def ballot_notice(res: Any, public_url: str, out: Path, now: datetime, anchor: Any = None) -> None:
    """The 公示 of one ballot (``res`` is a services.ballots.BallotResult); ``now`` and every
    stored time are UTC (naive) and printed as China time, e.g. "2026-11-22 16:41"."""
    from cocreate_map.domain.voting import RULES

    r = res.result
    c = r.counts
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=20)
    pdf.cell(0, 12, f"{res.community_name} 表决结果公示", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, "Public notice of a household vote", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(3)
    pdf.set_font(FONT, size=13)
    pdf.multi_cell(0, 7, f"表决事项 Question: {res.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    decision = res.decision  # the outcome that binds comes first (issue 17.1)

    def label(choice: str) -> str:
        return CHOICE_WORDS.get(choice, choice)

    pdf.set_font(FONT, size=14)
    pdf.multi_cell(
        0, 8, f"结果：{decision_text.headline('zh', decision, label)}",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(
        0, 6, f"Result: {decision_text.headline('en', decision, label)}",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    if decision.consultation is not None:
        pdf.set_font(FONT, size=11)
        for lang in ("zh", "en"):
            pdf.multi_cell(
                0, 6, decision_text.consultation_text(lang, decision) or "",
                new_x="LMARGIN", new_y="NEXT",
            )  # fmt: skip
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(
            0, 5, f"{translate('zh', 'decision.legal_note')} {translate('en', 'decision.legal_note')}",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    if r.tie is not None and not decision.tie_headline:
        pdf.set_font(FONT, size=10)
        for lang in ("zh", "en"):
            pdf.multi_cell(
                0, 6, decision_text.tie_text(lang, r.tie, label), new_x="LMARGIN", new_y="NEXT"
            )
    if r.kind != "yes-no":
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(
            0, 5, f"{decision_text.tie_break_text('zh', res.tie_break)} · "
            f"{decision_text.tie_break_text('en', res.tie_break)}",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    rule_cls = RULES.get(r.rule)
    lines = [
        f"规则 Rule: {translate('zh', f'decision.rule.{r.rule}')} {r.rule} — "
        f"{rule_cls.title if rule_cls else ''}",
        f"依据 Legal basis: {rule_cls.citation if rule_cls else ''}",
        f"参数 Parameters: {', '.join(f'{k}={v}' for k, v in r.rule_params.items()) or '—'}",
        f"事项类别 Matter class: {res.matter_class}",
        f"表决期间 Voting (北京时间 China time): {_dt(res.opens_at)} — "
        f"{_dt(res.closed_at or res.closes_at)}",
        f"表决人范围 Electorate: {c.households} 户 households, {c.owner_heads} 业主 owner heads, "
        f"{_area(c.area_m2)}",
        f"参与 Participation: {c.participating_households} 户 ({_pct(r.participation_households_ratio)}), "
        f"{c.participating_heads} 人 ({_pct(r.participation_heads_ratio)}), "
        f"{_area(c.participating_area_m2)} ({_pct(r.participation_area_ratio)})",
        f"同意 Agreement: {c.agreeing_households} 户 ({_pct(r.approval_households_ratio)} of participants), "
        f"{c.agreeing_heads} 人 ({_pct(r.approval_heads_ratio)}), "
        f"{_area(c.agreeing_area_m2)} ({_pct(r.approval_area_ratio)})",
    ]
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, "门槛核对 Thresholds", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for ch in r.checks:
        op = "≥" if ch.inclusive else ">"
        mark = "— 达到 met" if ch.met else "— 未达到 NOT met"
        pdf.multi_cell(
            0,
            6,
            f"{CHECK_WORDS.get(ch.code, ch.code)}: {_pct(ch.ratio)} (需 {op} {_pct(ch.threshold)}) {mark}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, "各选项 Choices", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    with pdf.table(col_widths=(70, 40, 60), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row(["选项 choice", "户数 households", "面积 area"])
        for t in r.choices:
            table.row([CHOICE_WORDS.get(t.choice, t.choice), str(t.households), _area(t.area_m2)])
    if r.kind == "approval":
        pdf.set_font(FONT, size=8)
        pdf.multi_cell(
            0, 5, "认可投票：每户可选多项，户数为选择该项的户数。Approval: households approving each.",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    if r.kind == "ranked":
        _irv_rounds(pdf, res)
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, "各楼栋参与 Turnout by building", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    with pdf.table(
        col_widths=(40, 40, 40, 50), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")
    ) as table:
        table.row(["楼栋 building", "户数 households", "已投 voted", "参与率 turnout"])
        for t in res.turnout:
            share = Fraction(t.voted, t.households) if t.households else Fraction(0)
            table.row([f"{t.building}栋", str(t.households), str(t.voted), _pct(share)])
    pdf.ln(3)
    pdf.set_font(FONT, size=10)
    if res.status != "closed":
        pdf.multi_cell(
            0,
            6,
            "表决尚未结束，以上为实时统计。Voting is still open: running count.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if res.consultative:
        pdf.multi_cell(
            0,
            6,
            "线上表决结果为协商意见（议事规则未确认电子表决）。Online result is consultative: "
            "the community's rules do not recognise e-voting (《业主大会和业主委员会指导规则》"
            "建房〔2009〕274号 第二十二条).",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if res.statutory is not None:
        s = res.statutory
        pdf.multi_cell(
            0,
            6,
            f"法定门槛 Statutory thresholds（{translate('zh', f'decision.rule.{s.rule}')}）: "
            f"{OUTCOME_WORDS.get(s.outcome, s.outcome)}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        for ch in s.checks:
            op = "≥" if ch.inclusive else ">"
            mark = "— 达到 met" if ch.met else "— 未达到 NOT met"
            pdf.multi_cell(
                0, 6,
                f"  {CHECK_WORDS.get(ch.code, ch.code)}: {_pct(ch.ratio)} (需 {op} {_pct(ch.threshold)}) {mark}",
                new_x="LMARGIN", new_y="NEXT",
            )  # fmt: skip
    if res.register_changes:
        pdf.multi_cell(
            0,
            6,
            f"表决期间户籍名册变更 Register changes while open: {len(res.register_changes)}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        for ch in res.register_changes[:10]:
            pdf.multi_cell(
                0,
                5,
                f"  {_dt(ch.get('at'))} {ch.get('what', '')} {ch.get('household', '')} {ch.get('changed', '')}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    for reason in r.details:
        zh = reason_text("zh", reason)
        pdf.set_font(FONT, size=8)
        pdf.multi_cell(0, 4.5, zh, new_x="LMARGIN", new_y="NEXT")
        if zh != reason.text:
            pdf.set_font(FONT, size=7)
            pdf.multi_cell(0, 4, reason.text, new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 4
    if y > 240:
        pdf.add_page()
        y = 20
    url = result_url(public_url, res.community_slug, res.ballot_id)
    pdf.image(_qr_png(url, 5), x=10, y=y, w=32, h=32)
    pdf.set_xy(46, y + 2)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, f"扫码查看实时结果 Live result:\n{url}\n公示时间 Date: {_dt(now)}")
    pdf.set_xy(46, y + 22)
    pdf.set_font(FONT, size=7)
    pdf.multi_cell(0, 4, f"审计链头 Audit head: {res.audit_head}")
    if anchor is not None:
        pdf.set_x(46)
        pdf.multi_cell(
            0,
            4,
            f"第 {anchor.seq} 条 entry {anchor.seq} · 签名公钥指纹 Signing key fingerprint: "
            f"{anchor.key.short}\n公钥 Public key (Ed25519): {anchor.key.base64}\n"
            f"核验 Check: cocreate audit verify --head {anchor.head}",
        )
    pdf.output(str(out))


def _dt(d: datetime | str | None) -> str:
    """Naive UTC (or ISO text of the audit log) → "2026-11-22 16:41" China time."""
    return china_time(d) or "—"


def _irv_rounds(pdf: FPDF, res: Any) -> None:
    """The instant-runoff rounds and the Borda points (for information) of a ranked ballot."""
    rounds = res.irv_rounds()
    if not rounds:
        return
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, "排序复选轮次 Instant-runoff rounds", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    status_words = {"eliminated": "淘汰 eliminated", "elected": "当选 elected", "": ""}
    for rnd in rounds:
        pdf.cell(
            0, 6, f"第 {rnd.number} 轮 Round {rnd.number}"
            + (f"（无有效排序 exhausted {rnd.exhausted}）" if rnd.exhausted else ""),
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
        with pdf.table(col_widths=(90, 35, 45), text_align=("LEFT", "RIGHT", "LEFT")) as table:
            table.row(["选项 choice", "票数 votes", ""])
            for row in rnd.rows:
                table.row([row.choice, str(row.votes), status_words.get(row.status, row.status)])
    borda = [(t.choice, t.borda_points) for t in res.result.choices if t.borda_points is not None]
    if borda:
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(
            0, 6, "波达计分（仅供参考）Borda points (for information): "
            + "，".join(f"{c} {p}" for c, p in borda),
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
