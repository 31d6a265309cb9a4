"""The one-page A4 landscape comparison sheet of 1–3 layout options, for the notice board.

fpdf2 with Noto Sans CJK embedded from the system ``.ttc`` (``collection_font_number``), static
maps drawn with matplotlib (Agg, no tiles) in the metric CRS, and the metrics table with the best
value of each row in bold. Text is plain (no ``write_html``), so no string is interpreted.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from cocreate_map.domain.layout import COMPARISON_ROWS, best_columns, metric_value
from cocreate_map.domain.metric_catalogue import CNY, RATIO, metric_spec
from cocreate_map.errors import InvalidInput

LOCALES = Path(__file__).resolve().parent.parent / "locales"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
)
SC_INDEX = 2  # JP, KR, SC, TC, HK in the Noto CJK collection

# Map colours: the same Okabe–Ito scheme as the web map (ui/maps.py), readable in grey print.
MAP_STYLE: dict[str, tuple[str, str, float]] = {  # kind → (fill, edge, alpha)
    "building": ("#8DA2B8", "#3E5368", 0.9),
    "road": ("#D4D4D4", "#8C8C8C", 1.0),
    "fire_lane": ("#D55E00", "#D55E00", 0.15),
    "footpath": ("#E69F00", "#E69F00", 0.4),
    "parking_stall": ("#56B4E9", "#0072B2", 0.9),
    "parking_lot": ("#56B4E9", "#0072B2", 0.3),
    "bike_parking": ("#CC79A7", "#7A3E63", 0.8),
    "green_belt": ("#009E73", "#006B4E", 0.6),
    "illegal_structure": ("#D55E00", "#000000", 0.9),
    "facility": ("#F0E442", "#000000", 1.0),
    "other": ("#AAAAAA", "#555555", 0.5),
}
ORDER = list(MAP_STYLE)


@dataclass
class SheetOption:
    name: str
    description: str
    metrics: Mapping[str, Any]
    layers: Sequence[tuple[str, BaseGeometry, str]]  # (kind, metric geometry, same|added|removed)


@cache
def _labels(lang: str) -> dict[str, str]:
    stem = "zh_CN" if lang == "zh" else "en"
    out: dict[str, str] = {}
    for name in (f"{stem}.json", f"{stem}.options.json"):
        path = LOCALES / name
        if path.exists():
            out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


def _t(lang: str, key: str, **kwargs: object) -> str:
    text = _labels(lang).get(key) or _labels("en").get(key) or key
    return text.format(**kwargs) if kwargs else text


def cjk_font() -> tuple[Path, int]:
    """The Noto Sans CJK collection and the index of its Simplified Chinese face."""
    for path in FONT_CANDIDATES:
        if path.exists():
            return path, SC_INDEX
    try:
        found = subprocess.run(
            ["fc-list", "-f", "%{file}\n", "Noto Sans CJK SC"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.split()
    except OSError:
        found = []
    for name in found:
        if name.endswith(".ttc"):
            return Path(name), SC_INDEX
    raise InvalidInput(key="reports_options.pdf_sheet_needs_noto")


def _patches(geom: BaseGeometry) -> list[Any]:
    from matplotlib.path import Path as MPath

    polys = getattr(geom, "geoms", [geom])
    out = []
    for poly in polys:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        verts: list[tuple[float, float]] = []
        codes: list[int] = []
        for ring in [poly.exterior, *poly.interiors]:
            xy = list(ring.coords)
            verts += xy
            codes += [MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY]
        out.append(MPath(verts, codes))
    return out


def static_map(
    boundary: BaseGeometry | None,
    layers: Sequence[tuple[str, BaseGeometry, str]],
    size_mm: tuple[float, float],
    dpi: int = 200,
) -> bytes:
    """A PNG of one option's plan: kinds in map colours, additions outlined thick in blue,
    removals hatched red; no tiles, north up, a 50 m scale bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch

    fig = plt.figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ordered = sorted(
        layers, key=lambda x: (x[2] == "removed", ORDER.index(x[0]) if x[0] in ORDER else 99)
    )
    for kind, geom, state in ordered:
        if kind == "boundary":
            continue
        fill, edge, alpha = MAP_STYLE.get(kind, MAP_STYLE["other"])
        family = geom.geom_type
        if state == "removed":
            fill, edge, alpha = ("none", "#D55E00", 1.0)
        lw = 1.2 if state == "added" else 0.3
        if state == "added":
            edge = "#0B3C8C"
        if family in ("Polygon", "MultiPolygon"):
            for path in _patches(geom):
                ax.add_patch(
                    PathPatch(
                        path,
                        facecolor=fill,
                        edgecolor=edge,
                        alpha=alpha,
                        lw=lw if state != "removed" else 0.9,
                        hatch="////" if state == "removed" else None,
                    )
                )
        elif family in ("LineString", "MultiLineString"):
            for line in getattr(geom, "geoms", [geom]):
                x, y = line.xy
                ax.plot(x, y, color=edge, lw=1.0 if state != "added" else 2.0)
        else:
            for pt in getattr(geom, "geoms", [geom]):
                ax.plot(
                    [pt.x],
                    [pt.y],
                    marker="x" if state == "removed" else "o",
                    ms=3 if state == "same" else 5,
                    color=edge if state != "same" else "#333333",
                    mfc=fill,
                )
    if boundary is not None and not boundary.is_empty:
        for path in _patches(boundary):
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor="black", lw=1.0, ls="--"))
        minx, miny, maxx, maxy = boundary.bounds
        pad = 0.03 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad * 3, maxy + pad)
        ax.plot([minx, minx + 50], [miny - pad * 2] * 2, color="black", lw=2)
        ax.text(minx + 55, miny - pad * 2, "50 m", va="center", fontsize=6)
    else:
        ax.autoscale_view()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _fmt(lang: str, key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "ballot_rule_default":
        return _t(lang, f"options.rule.{value}")
    unit = metric_spec(key).unit
    if unit == RATIO:
        return f"{float(value):.1%}"
    if isinstance(value, float):
        if unit == CNY or abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}"
    return str(value)


def _delta(key: str, value: Any, before: Any) -> str:
    if not isinstance(value, int | float) or not isinstance(before, int | float):
        return ""
    d = float(value) - float(before)
    spec = metric_spec(key)
    if abs(d) < 1e-9 or not spec.shows_change:
        return ""
    if spec.unit == RATIO:
        return f" ({d * 100:+.1f} pt)"
    if spec.unit == CNY or abs(d) >= 100:
        return f" ({d:+,.0f})"
    if float(d).is_integer():
        return f" ({d:+.0f})"
    return f" ({d:+.2f})"


def row_label(lang: str, key: str) -> str:
    """The catalogue's label of a comparison row in ``lang``."""
    return metric_spec(key).label_text(lambda k, **kw: _t(lang, k, **kw))


def write_comparison_sheet(
    out: Path,
    *,
    community_name: str,
    boundary: BaseGeometry | None,
    base: Mapping[str, Any],
    options: Sequence[SheetOption],
    lang: str = "zh",
    today: date | None = None,
) -> Path:
    """Write the sheet to ``out``: title, 1–3 static maps, the table (today + options, changes
    in brackets, best in bold), a note on placeholder costs and the 3/4 rule."""
    from fpdf import FPDF

    if not 1 <= len(options) <= 3:
        raise InvalidInput(
            key="reports_options.comparison_sheet_shows_options", n_options=len(options)
        )
    font_path, index = cjk_font()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(10, 8, 10)
    pdf.add_font("NotoSansCJK", "", str(font_path), collection_font_number=index)
    bold_path = font_path.with_name(font_path.name.replace("Regular", "Bold"))
    bold = "B" if bold_path.exists() else ""
    if bold:
        pdf.add_font("NotoSansCJK", "B", str(bold_path), collection_font_number=index)
    pdf.set_title(_t(lang, "options.sheet.title", community=community_name))
    pdf.add_page()
    pdf.set_font("NotoSansCJK", bold, 15)
    pdf.cell(
        0,
        8,
        _t(lang, "options.sheet.title", community=community_name),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("NotoSansCJK", "", 7.5)
    stamp = (today or date.today()).isoformat()
    pdf.cell(0, 4, _t(lang, "options.sheet.generated", date=stamp), new_x="LMARGIN", new_y="NEXT")

    n = len(options)
    gap = 4.0
    width = (297 - 20 - gap * (n - 1)) / n
    map_h = 74.0 if n > 1 else 90.0
    map_w = min(width, map_h * 1.45)
    top = pdf.get_y() + 1
    for i, opt in enumerate(options):
        x = 10 + i * (width + gap)
        pdf.set_xy(x, top)
        pdf.set_font("NotoSansCJK", bold, 10)
        pdf.cell(width, 5, opt.name[:60], align="C")
        png = static_map(boundary, opt.layers, (map_w, map_h))
        pdf.image(io.BytesIO(png), x=x + (width - map_w) / 2, y=top + 5.5, w=map_w, h=map_h)
        pdf.set_xy(x, top + 6 + map_h)
        pdf.set_font("NotoSansCJK", "", 6.5)
        pdf.multi_cell(width, 3, opt.description[:220], align="C")
    y = top + 6 + map_h + 8
    # legend line
    pdf.set_xy(10, y)
    pdf.set_font("NotoSansCJK", "", 7)
    pdf.set_draw_color(11, 60, 140)
    pdf.set_line_width(0.6)
    pdf.rect(10, y + 1, 5, 2.5)
    pdf.set_xy(16, y)
    pdf.cell(30, 4.5, _t(lang, "options.legend.added"))
    pdf.set_draw_color(213, 94, 0)
    pdf.rect(48, y + 1, 5, 2.5)
    pdf.set_xy(54, y)
    pdf.cell(40, 4.5, _t(lang, "options.legend.removed"))
    pdf.set_xy(96, y)
    pdf.cell(60, 4.5, _t(lang, "options.sheet.best"))
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    y += 6

    # the table
    label_w = 62.0
    col_w = (277 - label_w) / (n + 1)
    row_h = 5.2
    pdf.set_xy(10, y)
    pdf.set_fill_color(230, 236, 242)
    pdf.set_font("NotoSansCJK", bold, 8)
    pdf.cell(label_w, row_h, _t(lang, "options.metric"), border=1, fill=True)
    pdf.cell(col_w, row_h, _t(lang, "options.today"), border=1, fill=True, align="C")
    for opt in options:
        pdf.cell(col_w, row_h, opt.name[:28], border=1, fill=True, align="C")
    y += row_h
    for key, better in COMPARISON_ROWS:
        values = [metric_value(dict(o.metrics), key) for o in options]
        before = metric_value(dict(base), key)
        best = {j + 1 for j in best_columns(values, better)}  # among the options, not today
        pdf.set_xy(10, y)
        pdf.set_font("NotoSansCJK", "", 8)
        pdf.cell(label_w, row_h, row_label(lang, key), border=1)
        for j, value in enumerate([before, *values]):
            text = _fmt(lang, key, value)
            if j > 0:
                text += _delta(key, value, before)
            if j in best:
                pdf.set_font("NotoSansCJK", bold, 8)
                pdf.set_fill_color(222, 242, 233)
            pdf.cell(col_w, row_h, text, border=1, align="C", fill=j in best)
            pdf.set_font("NotoSansCJK", "", 8)
        y += row_h
    pdf.set_xy(10, min(y + 2, 200))
    pdf.set_font("NotoSansCJK", "", 7)
    pdf.multi_cell(277, 3.5, _t(lang, "options.sheet.note"))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return Path(out)
