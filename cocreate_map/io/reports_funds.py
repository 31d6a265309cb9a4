"""The funds notice (资金公示, Civil Code art. 281, 165号令 第三十条) as PDF, and the ledger as
CSV/XLSX.

The notice prints the four items of 第三十条: (一) totals in, out, interest and balance;
(二) items paid and how they are shared; (三) per-household amounts as the households consented;
(四) other (in-kind labour, pending expenses, reversals). It ends with the period, the date, the
audit chain head and a QR code to the live page. fpdf2 embeds Noto Sans CJK (see reports_ballots).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cocreate_map.domain import funds as dom
from cocreate_map.errors import InvalidInput
from cocreate_map.io.reports_ballots import FONT, _dt, _pdf, _qr_png
from cocreate_map.io.spreadsheet import safe_cell as safe

#: rows of a printed list (expenses, named donors); the rest are in the live ledger and the export
MAX_LISTED = 200
SOURCE_WORDS = {
    "donation.household": "居民捐款 Residents",
    "donation.named": "具名捐款 Named donors",
    "donation.anonymous": "匿名捐款 Anonymous",
    "contribution.government": "政府资助 Government",
    "contribution.unit": "共建单位 Co-construction units",
    "interest": "利息 Interest",
}
KIND_WORDS = {
    "donation": "捐款",
    "contribution": "资助",
    "interest": "利息",
    "expense": "支出",
}
STATUS_WORDS = {"counted": "", "pending": "待审核", "reversed": "已冲正", "reversal": "冲正"}
FORMULA_WORDS = {
    "area": "按专有面积分摊（民法典第283条，默认） pro rata to exclusive area (art. 283)",
    "equal": "按户均摊（表决通过） equal per household (adopted by ballot)",
}


def funds_url(public_url: str, slug: str) -> str:
    return f"{public_url.rstrip('/')}/funds?{urlencode({'community': slug})}"


def _y(fen: int) -> str:
    return f"¥{dom.yuan_text(fen)}"


def funds_notice(data: Any, public_url: str, out: Path, now: datetime) -> None:
    """Write the notice of ``data`` (services.funds.NoticeData) to ``out``."""
    s = data.summary
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(
        0, 9, f"{s.community_name} 资金使用情况公示", new_x="LMARGIN", new_y="NEXT", align="C"
    )
    pdf.set_font(FONT, size=10)
    period = (
        f"{s.first_day} 至 {s.last_day}" if s.first_day and s.last_day else "尚无收支 no entries"
    )
    pdf.multi_cell(
        0, 6,
        f"Funds notice · 公示期间 Period: {period} · 公示日期 Date: {_dt(now)}\n"
        "依据：《民法典》第281条；《住宅专项维修资金管理办法》（建设部、财政部令第165号）第三十条",
        new_x="LMARGIN", new_y="NEXT", align="C",
    )  # fmt: skip
    pdf.ln(2)
    _heading(pdf, "一、收入、支出、利息和结余总额 Totals in, out, interest, balance")
    with pdf.table(col_widths=(46, 36, 36, 36, 36), text_align=("LEFT",) + ("RIGHT",) * 4) as t:
        t.row(["账户 account", "收入 income", "其中利息 interest", "支出 expense", "结余 balance"])
        for a in s.accounts:
            t.row(
                [a.name, _y(a.income_fen), _y(a.interest_fen), _y(a.expense_fen), _y(a.balance_fen)]
            )
        tt = s.totals
        t.row(["合计 total", _y(tt.income), _y(tt.interest), _y(tt.expense), _y(tt.balance)])
    if s.income_by_source:
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(
            0, 5,
            "收入来源 Income by source: "
            + "；".join(f"{SOURCE_WORDS.get(k, k)} {_y(v)}" for k, v in s.income_by_source),
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    _heading(pdf, "二、列支项目、费用和分摊情况 Items paid and their sharing")
    if not data.sharing:
        _line(pdf, "本期无已审核支出。No approved expenses in this period.")
    else:
        with pdf.table(
            col_widths=(60, 32, 32, 66), text_align=("LEFT", "RIGHT", "RIGHT", "LEFT")
        ) as t:
            t.row(["项目 work", "预算 budget", "已支出 spent", "分摊 sharing"])
            budgets = {w.work_id: w.budget_fen for w in s.works}
            for w in data.sharing:
                unit = "每平方米 per m²" if w.formula == "area" else "每户 per household"
                t.row([
                    f"{w.title} (#{w.work_id})", _y(budgets.get(w.work_id, 0)), _y(w.spent_fen),
                    f"{FORMULA_WORDS.get(w.formula, w.formula)}：{w.households} 户 households, "
                    f"{w.area_m2} m²，{unit} {float_free_fen(w.per_m2_fen)}",
                ])  # fmt: skip
        pdf.set_font(FONT, size=9)
        pdf.ln(1)
        _line(pdf, "支出明细 Expenses:")
        with pdf.table(
            col_widths=(14, 24, 56, 40, 28, 28),
            text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
        ) as t:
            t.row(
                [
                    "No.",
                    "日期 date",
                    "项目 work / 收款人 payee",
                    "票据 receipt",
                    "金额 amount",
                    "审核 approved",
                ]
            )
            expenses = [e for e in data.entries if e.kind is dom.Kind.EXPENSE]
            for e in expenses[-MAX_LISTED:]:
                status = STATUS_WORDS.get(e.status, e.status)
                t.row([
                    str(e.id), str(e.occurred_on or ""), f"{e.work_title} / {e.payee}",
                    e.receipt_no + (f"（{len(e.photo_ids)} 张照片）" if e.photo_ids else ""),
                    ("-" if e.reverses_id else "") + _y(e.amount_fen),
                    (e.approved_by or "") + (f" {status}" if status else ""),
                ])  # fmt: skip
        if len(expenses) > MAX_LISTED:
            _line(pdf, f"以上为最近 {MAX_LISTED} 笔；另有 {len(expenses) - MAX_LISTED} 笔支出见在线账目和导出文件。"
                       f"The newest {MAX_LISTED} are listed; {len(expenses) - MAX_LISTED} more are in the live ledger and the export.")  # fmt: skip
    _heading(pdf, "三、分户金额（经本人同意公开） Per-household amounts, as consented")
    d = s.donors
    if d.named:
        with pdf.table(col_widths=(120, 70), text_align=("LEFT", "RIGHT")) as t:
            t.row(["捐款人 donor", "金额 amount"])
            for label, fen in d.named[:MAX_LISTED]:
                t.row([label, _y(fen)])
        if len(d.named) > MAX_LISTED:
            rest = d.named[MAX_LISTED:]
            _line(pdf, f"另有 {len(rest)} 位同意公开的捐款人共 {_y(sum(v for _, v in rest))}，名单见在线账目。"
                       f"{len(rest)} more named donors, {_y(sum(v for _, v in rest))}: see the live ledger.")  # fmt: skip
    if d.hidden_households:
        _line(
            pdf,
            f"居民捐款 {d.hidden_households} 户 {_y(d.hidden_households_fen)}（未同意公开姓名 not named）",
        )
    if d.other_hidden:
        _line(
            pdf,
            f"其他捐款 {d.other_hidden} 笔 {_y(d.other_hidden_fen)}（匿名或未同意公开 anonymous or not named）",
        )
    if not (d.named or d.hidden_households or d.other_hidden):
        _line(pdf, "本期无捐款。No donations in this period.")
    _heading(pdf, "四、其他 Other")
    rate = f"{_y(s.labour_rate_fen)}/小时" if s.labour_rate_fen else "未设定 not set"
    _line(
        pdf,
        f"投工投劳（已核实）Volunteer labour (verified): {dom.hours_text(s.verified_quarters)} 小时 h，"
        f"按 {rate} 折合 in kind {_y(s.in_kind_fen)}（不计入现金结余 not in the cash balance）",
    )
    if s.thanks:
        _line(pdf, "致谢 Thanks: " + "、".join(
            f"{t.name}{'（' + t.team + '）' if t.team else ''} {dom.hours_text(t.quarter_hours)}h" for t in s.thanks[:30]
        ))  # fmt: skip
    _line(
        pdf,
        f"待审核支出 Expenses awaiting approval: {s.totals.pending} 笔 {_y(s.totals.pending_fen)}",
    )
    reversals = [e for e in data.entries if e.reverses_id is not None]
    for e in reversals[:20]:
        _line(
            pdf,
            f"冲正 Reversal #{e.id} of #{e.reverses_id}: {_y(e.amount_fen)}，原因 reason: {e.note}",
        )
    _line(pdf, f"共 {s.entries} 笔账目；每笔记录、审核和冲正均写入哈希链审计日志。{s.entries} entries; "
               "every entry, approval and reversal is in the hash-chained audit log.")  # fmt: skip
    y = pdf.get_y() + 4
    if y > 240:
        pdf.add_page()
        y = 20
    url = funds_url(public_url, s.slug)
    pdf.image(_qr_png(url, 5), x=10, y=y, w=32, h=32)
    pdf.set_xy(46, y + 2)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, f"扫码查看实时账目 Live ledger:\n{url}\n公示日期 Date: {_dt(now)}")
    pdf.set_xy(46, y + 22)
    pdf.set_font(FONT, size=7)
    pdf.multi_cell(
        0,
        4,
        f"审计链头 Audit head: {s.audit_head}\n居民可要求复核 Owners may ask for a re-check (第三十条).",
    )
    pdf.output(str(out))


def float_free_fen(fen_text: str) -> str:
    """Exact fen text ("3125.50") → yuan text ("¥31.2550") without floats."""
    sign = "-" if fen_text.startswith("-") else ""
    whole, _, frac = fen_text.lstrip("-").partition(".")
    w = int(whole)
    return f"¥{sign}{w // 100}.{w % 100:02d}{frac}"


def _heading(pdf: Any, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", size=12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _line(pdf: Any, text: str) -> None:
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")


EXPORT_COLUMNS = (
    "id", "date", "account", "kind", "amount_yuan", "effect_yuan", "status", "method", "source",
    "work_id", "work", "payee", "receipt_no", "note", "recorded_by", "approved_by", "reverses",
    "reversed_by", "photos",
)  # fmt: skip


def export_rows(data: Any) -> list[list[Any]]:
    """The public ledger as rows of plain values (every text neutralised for spreadsheets);
    ``data`` is a ``services.funds.NoticeData``."""
    by_id = {e.id: e for e in data.entries}
    rows: list[list[Any]] = []
    for e in data.entries:
        entry = dom.LedgerEntry(
            e.id, e.account, e.kind, e.amount_fen, e.recorded_by, e.approved_by, e.reverses_id,
            e.work_id,
        )  # fmt: skip
        orig = by_id.get(e.reverses_id) if e.reverses_id is not None else e
        lookup = {e.id: entry}
        if orig is not None and orig is not e:
            lookup[orig.id] = dom.LedgerEntry(
                orig.id, orig.account, orig.kind, orig.amount_fen, orig.recorded_by,
                orig.approved_by, None, orig.work_id,
            )  # fmt: skip
        effect = dom.effect_fen(entry, lookup)
        rows.append(
            [
                e.id, e.occurred_on.isoformat() if e.occurred_on else "", safe(e.account),
                e.kind.value, dom.yuan_plain(e.amount_fen), dom.yuan_plain(effect), e.status,
                e.method, safe(e.source), e.work_id or "", safe(e.work_title), safe(e.payee),
                safe(e.receipt_no), safe(e.note), safe(e.recorded_by), safe(e.approved_by or ""),
                e.reverses_id or "", e.reversed_by_id or "", len(e.photo_ids),
            ]
        )  # fmt: skip
    return rows


def export_ledger(data: Any, fmt: str) -> bytes:
    """The public ledger as CSV (UTF-8 with BOM) or XLSX; texts cannot run as formulas."""
    rows = export_rows(data)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(EXPORT_COLUMNS)
        w.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "ledger"
        ws.append(list(EXPORT_COLUMNS))
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise InvalidInput(key="export.format", fmt=fmt)
