"""The meeting page's panels (ui/pages/meeting.py), each a function of the community and of
whether the page is on the projector: the map with the residents' marks, the options side by
side, how to vote beside the live tally, the result, the works, one decision's story, and a
convention's signing. The tally and result panels re-read the database every 2 s in an
``st.fragment`` (read-only, never cached). All markup is built here with every text escaped."""

from __future__ import annotations

import html
from fractions import Fraction
from typing import Any

import segno
import streamlit as st

from cocreate_map import decision_text, services
from cocreate_map.domain.metric_catalogue import MEETING_METRICS, M, metric_spec
from cocreate_map.domain.voting import percent
from cocreate_map.domain.works import yuan_text
from cocreate_map.io.reports_options import static_map
from cocreate_map.services import marks as mark_service
from cocreate_map.services import meeting as meeting_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import mark_maps, work_maps
from cocreate_map.ui.address import page_address
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

# Static CSS only (no user text): big, high-contrast figures for the back of a hall.
BASE_CSS = """<style>
.cc-fig {font-size: 56px !important; font-weight: 800; line-height: 1.1; color: #000;}
.cc-big {font-size: 40px; font-weight: 700; color: #000;}
.cc-mid {font-size: 32px; color: #111;}
.cc-small {font-size: 22px; color: #333;}
.cc-bar {position: relative; height: 64px; background: #E6E6E6; border: 3px solid #000;
  border-radius: 6px; margin: 8px 0 36px 0;}
.cc-bar .fill {position: absolute; left: 0; top: 0; bottom: 0; background: #0072B2;}
.cc-bar .fill.met {background: #007A4D;}
.cc-bar .line {position: absolute; top: -14px; bottom: -14px; width: 6px; background: #D55E00;}
.cc-bar .tag {position: absolute; top: 66px; transform: translateX(-50%); font-size: 24px;
  font-weight: 700; color: #A04000; white-space: nowrap;}
.cc-row {display: flex; justify-content: space-between; align-items: baseline; gap: 24px;}
.cc-qr img {width: 100%; height: auto; max-width: 460px; background: #fff;}
.cc-join {font-size: 40px; font-weight: 800; color: #000; line-height: 1.2; margin: 4px 0 14px 0;
  overflow-wrap: anywhere; font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace;}
.cc-warn {font-size: 26px; font-weight: 700; color: #000; background: #FFE08A;
  border: 4px dashed #8A5A00; border-radius: 6px; padding: 10px 14px; margin: 8px 0 14px 0;}
.cc-choice {display: flex; align-items: center; gap: 16px; margin: 6px 0;}
.cc-choice .cc-cname {width: 30%; font-size: 32px; font-weight: 700;}
.cc-choice .track {flex: 1; height: 40px; background: #EEE; border: 2px solid #000;}
.cc-choice .fill {height: 100%; background: #56B4E9;}
.cc-choice .cc-cn {width: 18%; font-size: 32px; font-weight: 800; text-align: right;}
.cc-signing {display: grid; grid-template-columns: 1fr; column-gap: 36px; margin-top: 40px;}
.cc-signing.two {grid-template-columns: 1fr 1fr;}
.cc-signing .cc-choice {gap: 10px; margin: 8px 0;}
.cc-signing .cc-name {flex: none; width: 3.4em; font-size: 28px; font-weight: 700;}
.cc-signing .track {height: 36px;}
.cc-signing .cc-n {flex: none; width: 3.6em; font-size: 28px; font-weight: 800; text-align: right;
  font-variant-numeric: tabular-nums;}
@media (max-width: 700px) {.cc-signing.two {grid-template-columns: 1fr;}}
.cc-outcome {font-size: 72px; font-weight: 900; padding: 12px 24px; border-radius: 8px;
  color: #fff; display: inline-block;}
.cc-outcome.passed {background: #007A4D;} .cc-outcome.rejected {background: #B00020;}
.cc-outcome.invalid {background: #8A5A00;}
.cc-reason {font-size: 32px; margin: 8px 0;}
.cc-metric {font-size: 32px; display: flex; justify-content: space-between;
  border-bottom: 1px solid #999; padding: 4px 0;}
.cc-metric b {font-size: 34px;}
</style>"""

PROJECTOR_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stMainMenu"], footer {display: none !important;}
.stApp, [data-testid="stAppViewContainer"], .stMain {background: #FFFFFF !important;}
[data-testid="stMainBlockContainer"], .block-container {max-width: 100% !important;
  padding: 18px 36px 8px 36px !important;}
h1 {font-size: 52px !important; color: #000 !important; padding: 0 0 6px 0 !important;}
.st-key-meeting_keys {position: absolute; height: 0; overflow: hidden;}
.stButton button {min-height: 56px;} .stButton button p {font-size: 24px !important; white-space: nowrap;}
.st-key-meeting_exit {position: fixed; right: 24px; top: 12px; z-index: 999990;
  width: auto !important;}
.st-key-meeting_exit button {background: #FFFFFF; border: 2px solid #000;
  box-shadow: 0 2px 8px rgba(0,0,0,.35);}
</style>"""


def breakable(url: str) -> str:
    """The escaped address with line-break chances before its path and query only, so a long
    address wraps as "http://192.168.1.20:8501" / "/vote?" / "community=…", not mid-word."""
    out = html.escape(url)
    for cut in ("/vote", "community="):
        out = out.replace(cut, f"<wbr>{cut}", 1)
    return out


def pct(x: Fraction) -> str:
    return f"{percent(x)}%"


def choice_label(choice: str) -> str:
    return t(f"choice.{choice}") if choice in ("yes", "no", "abstain") else choice


def area_text(x: Fraction) -> str:
    return f"{float(x):,.0f}"


def map_panel(slug: str, projector: bool) -> None:
    """The community with the residents' marks as a heatmap, and the marks by category."""
    with shown_errors(), transaction(engine()) as session:
        data = services.map_data(session, slug)
        marks = mark_service.list_marks(session, slug)
    if "marks" not in locals():
        return
    left, right = st.columns([3, 1] if projector else [2, 1])
    with left, shown_errors():
        mark_maps.render_marks_map(
            data, marks, lang(), key="meeting_map", heat=True, height=820 if projector else 520
        )
    by_category: dict[str, int] = {}
    for m in marks:
        by_category[m.category.value] = by_category.get(m.category.value, 0) + 1
    ranked = sorted(by_category.items(), key=lambda kv: -kv[1])
    rows = "".join(
        f'<div class="cc-metric"><span>{html.escape(t("category." + k))}</span>'
        f'<b class="cc-fig" style="font-size:40px !important">{n}</b></div>'
        for k, n in ranked
    )
    supports = sum(m.supports for m in marks)
    right.html(
        f'<div class="cc-big">{html.escape(t("meeting.marks_title", n=len(marks)))}</div>'
        f'<div class="cc-mid">{html.escape(t("meeting.marks_supports", n=supports))}</div>'
        f"{rows or html.escape(t('meeting.no_marks'))}"
    )


def _options_stamp(slug: str) -> tuple[Any, ...]:
    """Changes whenever an option, the unit costs or the community's plan change (cache key)."""
    with transaction(engine()) as session:
        infos = services.list_options(session, slug)
        costs = services.get_unit_costs(session, slug)
        version = services.map_version(session, slug).version
    return (
        engine().url.render_as_string(),
        tuple((o.name, o.updated_at, o.changes) for o in infos),
        tuple(sorted(costs.items())),
        version,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _option_panels(
    slug: str, stamp: tuple[Any, ...]
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any], bytes]]]:
    """Today's metrics and (name, metrics, static map PNG) per option: computed once per change
    of the options or the plan and shared by every session (the projector, the host's laptop)."""
    with transaction(engine()) as session:
        boundary, base, panels = meeting_service.option_panels(session, slug)
        return base, [
            (p.name, p.metrics, static_map(boundary, p.layers, (160, 110), dpi=110)) for p in panels
        ]


def options_panel(slug: str) -> None:
    loaded = None
    with (
        shown_errors(),
        st.spinner(t("meeting.options_loading")),
    ):
        loaded = _option_panels(slug, _options_stamp(slug))
    if loaded is None:
        return
    base, shown_panels = loaded
    panels = [meeting_service.OptionPanel(n, "", m, []) for n, m, _png in shown_panels]
    pngs = [png for _n, _m, png in shown_panels]
    if not panels:
        st.info(t("meeting.no_options"))
        return
    rows = [(key, metric_spec(key)) for key in MEETING_METRICS]
    for col, p, png in zip(st.columns(len(panels)), panels, pngs, strict=True):
        with col:
            st.html(f'<div class="cc-big">{html.escape(p.name)}</div>')
            st.image(png, width="stretch")
            lines = []
            for key, spec in rows:
                value = p.metrics.get(key)
                before = base.get(key)
                metres = spec.unit == M  # the fire lane's width, to the decimetre
                shown = "—" if value is None else f"{value:,.0f}" if not metres else f"{value:.1f}"
                delta = ""
                if isinstance(value, int | float) and isinstance(before, int | float):
                    d = float(value) - float(before)
                    if abs(d) > 1e-9:
                        delta = (
                            f' <span class="cc-small">({d:+,.0f})</span>'
                            if not metres
                            else f' <span class="cc-small">({d:+.1f})</span>'
                        )
                lines.append(
                    f'<div class="cc-metric"><span>{html.escape(t(spec.meeting_label or key))}</span>'
                    f"<b>{html.escape(shown)}{delta}</b></div>"
                )
            st.html("".join(lines))
    st.caption(t("meeting.options_legend"))


def bar(m: meeting_service.Measure, label: str, figure: str) -> str:
    width = float(min(m.ratio, 1)) * 100
    line = ""
    if m.threshold is not None:
        at = float(min(m.threshold, 1)) * 100
        line = (
            f'<div class="line" style="left:calc({at:.2f}% - 3px)"></div>'
            f'<div class="tag" style="left:{at:.2f}%">{html.escape(t("meeting.threshold"))} '
            f"{m.threshold_percent}%</div>"
        )
    else:
        line = f'<div class="tag" style="left:50%">{html.escape(t("meeting.no_threshold"))}</div>'
    met = " met" if m.met else ""
    return (
        f'<div class="cc-row"><span class="cc-big">{html.escape(label)}</span>'
        f'<span class="cc-fig" data-measure="{m.code}">{m.percent}%</span></div>'
        f'<div class="cc-row"><span class="cc-mid" data-figure="{m.code}">{html.escape(figure)}</span></div>'
        f'<div class="cc-bar" data-ratio="{m.ratio}"><div class="fill{met}" '
        f'style="width:{width:.2f}%"></div>{line}</div>'
    )


def choices_html(snap: meeting_service.ProjectorSnapshot) -> str:
    if snap.choices is None:
        return f'<div class="cc-mid">{html.escape(t("meeting.running_hidden"))}</div>'
    top = max([c.households for c in snap.choices] + [1])
    out = [f'<div class="cc-big" style="margin-top:8px">{html.escape(t("meeting.running"))}</div>']
    for c in snap.choices:
        out.append(
            f'<div class="cc-choice"><span class="cc-cname">{html.escape(choice_label(c.choice))}</span>'
            f'<span class="track"><span class="fill" style="display:block;width:'
            f'{100 * c.households / top:.1f}%"></span></span>'
            f'<span class="cc-cn">{html.escape(t("meeting.n_households", n=c.households))}</span></div>'
        )
    return "".join(out)


def read_snapshot(bid: int) -> meeting_service.ProjectorSnapshot | None:
    # One short read-only transaction per refresh: nothing written, nothing cached.
    with shown_errors(), transaction(engine()) as session:
        return meeting_service.projector_snapshot(session, bid)
    return None


@st.fragment(run_every=2)
def live_tally(bid: int) -> None:
    snap = read_snapshot(bid)
    if snap is None:
        return
    h, a = snap.households, snap.area
    st.html(
        f'<div class="cc-mid" style="margin-bottom:12px">{html.escape(t(f"ballots.status.{snap.status}"))} · '
        f"{html.escape(t('meeting.voted', n=snap.voted, total=snap.electorate))}</div>"
        + bar(
            h,
            t("meeting.measure.households"),
            t("meeting.households_of", n=h.numerator, total=h.denominator),
        )
        + bar(
            a,
            t("meeting.measure.area"),
            t("meeting.area_of", n=area_text(a.numerator), total=area_text(a.denominator)),
        )
        + choices_html(snap)
    )


def ballot_panel(slug: str, ballot_id: int, title: str) -> None:
    """How to vote (QR code, address, paper too) beside the live tally of the ballot."""
    address = page_address()  # the host browser's address, or this machine's LAN address
    link = meeting_service.join_link(address.url, slug)
    qr = segno.make(link, error="m")
    svg = qr.svg_data_uri(scale=10, border=2, dark="#000", light="#fff")
    left, right = st.columns([1, 2], gap="large")
    warning = ""
    if address.loopback:  # no phone opens localhost: say so where the host looks
        why = (
            "meeting.address_local_only"
            if address.source == "local-only"
            else "meeting.address_loopback"
        )
        warning = f'<div class="cc-warn" data-address-warning="{address.source}">{html.escape(t(why))}</div>'
    left.html(
        f'<div class="cc-big">{html.escape(t("meeting.scan"))}</div>'
        f'<div class="cc-qr" data-join-link="{html.escape(link, quote=True)}">'
        f'<img src="{html.escape(svg, quote=True)}" alt="QR"></div>'
        f'<div class="cc-mid">{html.escape(t("meeting.or_type"))}</div>'
        f'<div class="cc-join" data-join-address="{html.escape(address.url, quote=True)}">'
        f"{breakable(link)}</div>"
        f"{warning}"
        f'<div class="cc-mid">{html.escape(t("meeting.paper_too"))}</div>'
    )
    with right:
        st.html(f'<div class="cc-big">#{ballot_id} {html.escape(title)}</div>')
        live_tally(ballot_id)


@st.fragment(run_every=2)
def result_reveal(bid: int) -> None:
    snap = read_snapshot(bid)
    if snap is None:
        return
    st.html(f'<div class="cc-big">#{bid} {html.escape(snap.title)}</div>')
    if not snap.revealed:
        st.html(
            f'<div class="cc-mid">{html.escape(t("meeting.not_closed"))}</div>'
            + bar(
                snap.households,
                t("meeting.measure.households"),
                t(
                    "meeting.households_of",
                    n=snap.households.numerator,
                    total=snap.households.denominator,
                ),
            )
            + bar(
                snap.area,
                t("meeting.measure.area"),
                t(
                    "meeting.area_of",
                    n=area_text(snap.area.numerator),
                    total=area_text(snap.area.denominator),
                ),
            )
        )
        return
    outcome = snap.outcome or "invalid"
    decision = snap.decision
    extra = ""
    if decision is not None:  # the outcome that binds, with its first reason (issue 17.1)
        head = decision_text.headline(lang(), decision, choice_label)
        consultation = decision_text.consultation_text(lang(), decision)
        if consultation:
            extra += f'<div class="cc-big cc-consultation">{html.escape(consultation)}</div>'
        tie = decision.local.tie
        if tie is not None and not decision.tie_headline:
            extra += (
                f'<div class="cc-big cc-tie">'
                f"{html.escape(decision_text.tie_text(lang(), tie, choice_label))}</div>"
            )
    else:
        head = t(f"results.outcome.{outcome}")
        if snap.winner:
            head += " · " + t("results.winner", choice=choice_label(snap.winner))
    lines = []
    checks: list[Any] = list(snap.checks)
    if decision is not None and decision.binding is not decision.local:
        checks = [*decision.binding.checks, *checks]  # the statutory thresholds first
    for ch in checks:
        op = "≥" if ch.inclusive else ">"
        mark = "✔" if ch.met else "✘"
        color = "#007A4D" if ch.met else "#B00020"
        lines.append(
            f'<div class="cc-reason"><b style="color:{color}">{mark}</b> '
            f"{html.escape(t(f'check.{ch.code}'))}: <b>{pct(ch.ratio)}</b> "
            f"({html.escape(t('meeting.needs'))} {op} {pct(ch.threshold)})</div>"
        )
    st.html(
        f'<div class="cc-outcome {outcome}" data-outcome="{outcome}">{html.escape(head)}</div>'
        + extra
        + f'<div class="cc-big" style="margin-top:16px">{html.escape(t("meeting.why"))}</div>'
        + "".join(lines)
        + choices_html(snap)
    )


def works_panel(slug: str, projector: bool) -> None:
    """Works (工程项目) on the map, hatched while in progress, and each work's progress."""
    with shown_errors(), transaction(engine()) as session:
        data = services.map_data(session, slug)
        wp = meeting_service.works_panel(session, slug)
        from cocreate_map.services import funds as funds_service  # the ledger (issue 13)

        money = funds_service.summary(session, slug, with_labour=False)
    if "wp" not in locals():
        return
    spent = {m.work_id: m for m in money.works}
    left, right = st.columns([3, 2] if projector else [2, 1])
    with left, shown_errors():
        work_maps.render_works_map(
            data, wp.works, lang(), slug, key="meeting_works_map",
            height=820 if projector else 520,
        )  # fmt: skip
    rows = "".join(
        f'<div class="cc-work" data-work="{w.id}" style="margin:10px 0 18px">'
        f'<div class="cc-mid"><b>{html.escape(w.title)}</b></div>'
        f'<div style="font-size:26px">{html.escape(t(f"works.status.{w.status.value}"))} · '
        f"¥{yuan_text(w.budget_fen)}</div>"
        + (
            f'<div style="font-size:24px" data-spent="{w.id}">'
            f"{html.escape(t('funds.work.spent'))} ¥{yuan_text(spent[w.id].spent_fen)} · "
            f"{html.escape(t('funds.work.in_kind'))} ¥{yuan_text(spent[w.id].in_kind_fen)}</div>"
            if w.id in spent
            else ""
        )
        + f'<div style="background:#ddd;border-radius:8px;height:22px;overflow:hidden">'
        f'<div style="background:#E69F00;height:22px;width:{w.progress_pct}%"></div></div>'
        f'<div style="font-size:24px">{html.escape(t("works.progress_n", n=w.progress_pct))}</div>'
        "</div>"
        for w in wp.works
    )
    right.html(
        f'<div class="cc-big">{html.escape(t("works.title"))} · {len(wp.works)}</div>'
        f'<div class="cc-mid">{html.escape(t("works.budget"))} ¥{yuan_text(wp.budget_fen)}</div>'
        f'<div class="cc-mid" data-funds="balance">{html.escape(t("funds.income"))} '
        f"¥{yuan_text(money.totals.income)} · {html.escape(t('funds.expense'))} "
        f"¥{yuan_text(money.totals.expense)} · {html.escape(t('funds.balance'))} "
        f"¥{yuan_text(money.totals.balance)}</div>"
        f"{rows or html.escape(t('meeting.works_none'))}"
    )


def story_panel(slug: str, projector: bool) -> None:
    """One decision from the first mark to the last receipt (成果共享), in figures for the hall."""
    from cocreate_map.domain.evaluation import percent_text
    from cocreate_map.io.reports_story import story_url
    from cocreate_map.services import story as story_service
    from cocreate_map.services import works as work_service

    with shown_errors(), transaction(engine()) as session:
        order = story_service.story_work_ids(session, slug)
        titles = {w.id: w.title for w in work_service.list_works(session, slug)}
    if "order" not in locals():
        return
    if not order:
        st.info(t("story.none"))
        return
    wanted = st.query_params.get("work")
    work_id = int(wanted) if wanted and wanted.isdigit() and int(wanted) in order else order[0]
    if not projector:
        work_id = st.selectbox(
            t("story.pick"), order, index=order.index(work_id),
            format_func=lambda i: f"#{i} {titles[i]}", key="meeting_story_pick",
        )  # fmt: skip
    if st.query_params.get("work") != str(work_id):
        st.query_params["work"] = str(work_id)
    with shown_errors(), transaction(engine()) as session:
        s = story_service.work_story(session, work_id)
    if "s" not in locals():
        return
    e = html.escape
    b = s.ballot
    sm = s.ratings.summary
    blocks = [
        (
            "marks",
            t("story.marks", n=len(s.marks)),
            f'<div class="cc-fig">{len(s.marks)}</div>'
            f'<div class="cc-mid">{e(t("story.marks_total", supports=s.supports))}</div>',
        ),
        (
            "ballot",
            t("story.ballot"),
            (
                f'<div class="cc-outcome {b.decision.outcome}" style="font-size:44px">'
                f"{e(t(f'decision.{b.decision.basis}.{b.decision.outcome}'))}</div>"
                f'<div class="cc-mid">{e(t("story.by_households"))} <b>{pct(b.approval_households)}</b>'
                f" · {e(t('story.by_area'))} <b>{pct(b.approval_area)}</b></div>"
                f'<div class="cc-mid">{e(t("story.took_part", n=b.counts.participating_households, of=b.counts.households, pct=pct(b.participation_households)))}</div>'
            )
            if b is not None
            else f'<div class="cc-mid">{e(t(f"story.ballot_none.{s.work.source.value}"))}</div>',
        ),
        (
            "work",
            t("story.work"),
            f'<div class="cc-fig">{s.work.progress_pct}%</div>'
            f'<div class="cc-mid">{e(t(f"works.status.{s.work.status.value}"))}</div>'
            f'<div class="cc-mid">{e(t("works.milestones", n=len(s.milestones)))}</div>',
        ),
        (
            "money",
            t("story.money"),
            f'<div class="cc-fig">¥{yuan_text(s.money.spent_fen)}</div>'
            f'<div class="cc-mid">{e(t("works.budget"))} ¥{yuan_text(s.money.budget_fen)}</div>'
            f'<div class="cc-mid">{e(t("works.in_kind"))} ¥{yuan_text(s.money.in_kind_fen)} · '
            f"{e(t('story.step.money', n=len(s.money.receipts)))}</div>",
        ),
        (
            "ratings",
            t("story.ratings"),
            (
                f'<div class="cc-fig">★ {e(sm.average_text or "—")}</div>'
                f'<div class="cc-mid">{e(t("story.satisfied", n=sm.satisfied, of=sm.rated))}'
                f" ({percent_text(sm.satisfaction) or '—'}%)</div>"
                f'<div class="cc-mid">{e(t("story.responded", n=sm.rated, of=sm.households, pct=percent_text(sm.response) or "—"))}</div>'
            )
            if sm.rated
            else f'<div class="cc-mid">{e(t("story.ratings_later", n=sm.households))}</div>',
        ),
    ]
    cells = "".join(
        f'<div class="cc-story-cell" data-story="{key}" style="border:3px solid #000;'
        f'border-radius:8px;padding:12px 18px;background:#fff">'
        f'<div class="cc-big">{e(head)}</div>{body}</div>'
        for key, head, body in blocks
    )
    link = story_url(page_address().url, slug, s.work.id)
    qr = segno.make(link, error="m").svg_data_uri(scale=8, border=2, dark="#000", light="#fff")
    left, right = st.columns([4, 1] if projector else [3, 1])
    left.html(
        f'<div class="cc-story-panel" data-work="{s.work.id}">'
        f'<div class="cc-big" style="margin-bottom:10px">{e(s.work.title)}</div>'
        '<div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr));'
        f'gap:16px">{cells}</div></div>'
    )
    right.html(
        f'<div class="cc-qr" data-story-link="{e(link, quote=True)}"><img src="{qr}" alt=""></div>'
        f'<div class="cc-small">{e(t("story.open_short"))}</div>'
    )


def convention_panel(slug: str, projector: bool) -> None:
    """A convention's signing (公约): signed / all households, a bar per building, the map
    shaded by building. ``?convention=ID`` picks one; else the newest."""
    from cocreate_map.domain.evaluation import percent_text
    from cocreate_map.services import conventions as convention_service
    from cocreate_map.ui import convention_maps

    with shown_errors(), transaction(engine()) as session:
        known = convention_service.list_conventions(session, slug)
        wanted = st.query_params.get("convention")
        pick = next((c for c in known if str(c.id) == wanted), known[-1] if known else None)
        if pick is not None:
            p = convention_service.progress(session, pick.id)
            shapes = convention_service.progress_shapes(session, pick.id)
            data = services.map_data(session, slug)
    if "pick" not in locals():
        return
    if pick is None:
        st.html(f'<div class="cc-mid">{html.escape(t("meeting.conventions_none"))}</div>')
        return
    whole = p.households
    pct_text = percent_text(None if not whole else Fraction(p.signed, whole)) or "—"
    rows = "".join(
        f'<div class="cc-choice" data-building="{html.escape(b.building, quote=True)}">'
        f'<span class="cc-name">{html.escape(t("evaluate.building_n", b=b.building))}</span>'
        f'<span class="track"><span class="fill" style="display:block;width:'
        f'{0 if not b.households else 100 * b.signed / b.households:.1f}%"></span></span>'
        f'<span class="cc-n">{b.signed}/{b.households}</span></div>'
        for b in p.by_building
    )
    left, right = st.columns([3, 2] if projector else [2, 1])
    with left, shown_errors():
        convention_maps.render_progress_map(
            data, shapes, lang(), key="meeting_convention_map", height=820 if projector else 520
        )
    right.html(
        f'<div class="cc-big">{html.escape(pick.title)}</div>'
        f'<div class="cc-mid">{html.escape(t("evaluate.version", v=pick.version))} · '
        f"{html.escape(t('meeting.convention_articles', n=len(pick.articles)))}</div>"
        f'<div class="cc-row"><span class="cc-big">{html.escape(t("evaluate.signed_households"))}'
        f'</span><span class="cc-fig" data-signed="{p.signed}" data-households="{whole}">'
        f"{pct_text}%</span></div>"
        f'<div class="cc-mid">{html.escape(t("evaluate.signed_of", signed=p.signed, total=whole))}'
        "</div>"
        f'<div class="cc-bar"><div class="fill" style="width:'
        f'{0 if not whole else 100 * p.signed / whole:.1f}%"></div></div>'
        f'<div class="cc-signing{" two" if len(p.by_building) > 6 else ""}">{rows}</div>'
    )
