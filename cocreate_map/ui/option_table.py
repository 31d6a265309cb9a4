"""The options comparison table (ui/pages/options.py): rows = metrics, columns = today and each
option, the change against today under each value and the best value of a row in bold, as
escaped HTML. Formatting only: the figures come from ``services.compare_options``."""

from __future__ import annotations

from typing import Any

from cocreate_map.domain.layout import COMPARISON_ROWS, best_columns, metric_value
from cocreate_map.domain.metric_catalogue import CNY, RATIO, metric_spec
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.state import t


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "ballot_rule_default":
        return t(f"options.rule.{value}")
    unit = metric_spec(key).unit
    if unit == RATIO:
        return f"{float(value):.1%}"
    if isinstance(value, float):
        return f"{value:,.0f}" if unit == CNY or abs(value) >= 100 else f"{value:.2f}"
    return str(value)


def _delta(key: str, value: Any, before: Any) -> str:
    if not isinstance(value, int | float) or not isinstance(before, int | float):
        return ""
    d = float(value) - float(before)
    spec = metric_spec(key)
    if abs(d) < 1e-9 or not spec.shows_change:
        return ""
    if spec.unit == RATIO:
        text = f"{d * 100:+.1f} pt"
    elif spec.unit == CNY or abs(d) >= 100:
        text = f"{d:+,.0f}"
    else:
        text = f"{d:+.0f}" if d.is_integer() else f"{d:+.2f}"
    return f'<span class="cc-d">{escape_markdown(text)}</span>'


TABLE_CSS = """
<style>
.cc-opt-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
.cc-opt{border-collapse:collapse;width:100%;font-size:14px;line-height:1.35}
.cc-opt th,.cc-opt td{border:1px solid #d0d7de;padding:4px 8px;text-align:right;white-space:nowrap}
.cc-opt th:first-child,.cc-opt td:first-child{text-align:left;white-space:normal;min-width:9em}
.cc-opt thead th{background:#e6ecf2;white-space:normal;min-width:5.5em}
.cc-opt td.cc-best{background:#dff2e9;font-weight:700}
.cc-opt .cc-d{display:block;color:#555;font-size:12px}
@media (min-width:1400px){.cc-opt{font-size:18px}.cc-opt .cc-d{font-size:15px}}
@media (max-width:640px){.cc-opt{font-size:12px}.cc-opt th,.cc-opt td{padding:3px 4px}}
</style>
"""


def table_rows(result: dict[str, Any], names: list[str]) -> list[tuple[str, str | None]]:
    """COMPARISON_ROWS plus the 300 m walking coverage of every facility type any column has
    (0 % where an option removes the only one) and the cost by category (issue 17.5)."""
    columns = [result["base"], *(result["options"][n] for n in names)]
    types = sorted({k for c in columns for k in c.get("walk_coverage", {})} - {"waste_point_120m"})
    cats = [
        c
        for c in ("基础类", "完善类", "提升类")
        if any(c in x.get("cost_by_category", {}) for x in columns)
    ]
    rows: list[tuple[str, str | None]] = []
    for key, better in COMPARISON_ROWS:
        rows.append((key, better))
        if key == "walk_coverage.waste_point_120m":
            rows += [_row(f"walk_coverage.{ftype}") for ftype in types]
        if key == "cost_total":
            rows += [_row(f"cost_by_category.{cat}") for cat in cats]
    return rows


def _row(key: str) -> tuple[str, str | None]:
    return key, metric_spec(key).better


def row_label(key: str) -> str:
    return metric_spec(key).label_text(t)


def metrics_table_html(result: dict[str, Any], names: list[str]) -> str:
    """The comparison table as escaped HTML: rows = metrics, columns = today + options."""
    base = result["base"]
    head = "".join(f"<th>{escape_markdown(n)}</th>" for n in names)
    rows = []
    for key, better in table_rows(result, names):
        before = metric_value(base, key)
        values = [metric_value(result["options"][n], key) for n in names]
        best = best_columns(values, better)
        cells = [f"<td>{escape_markdown(_fmt(key, before))}</td>"]
        for i, value in enumerate(values):
            cls = ' class="cc-best"' if i in best else ""
            note = ""
            if key == "ballot_rule_default":  # why the 3/4 rule: each reason, in words
                why = result["options"][names[i]].get("special_majority_reasons") or []
                note = "".join(
                    f'<span class="cc-d">{escape_markdown(t(f"options.reason.{r}"))}</span>'
                    for r in why
                )
            cells.append(
                f"<td{cls}>{escape_markdown(_fmt(key, value))}{_delta(key, value, before)}{note}</td>"
            )
        rows.append(f"<tr><td>{escape_markdown(row_label(key))}</td>{''.join(cells)}</tr>")
    return (
        f'{TABLE_CSS}<div class="cc-opt-wrap"><table class="cc-opt"><thead><tr>'
        f"<th>{escape_markdown(t('options.metric'))}</th><th>{escape_markdown(t('options.today'))}</th>"
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
