"""What staff see on the ballots page (ui/pages/ballots.py): the list of ballots with their
close button, the form for a new ballot, paper votes one by one or from a file, paper/online
conflicts, the household register and the household slips. Each view takes the :class:`Desk`
(the community, the signed-in staff member and what the page read); every write goes through
``feedback.act`` and a use case that checks the account."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from cocreate_map import decision_text
from cocreate_map.domain.china_time import china_time, from_china, to_china
from cocreate_map.domain.voting import KINDS, RULES, TIE_BREAKS
from cocreate_map.i18n import rule_name
from cocreate_map.io.reports_ballots import Slip, household_slips
from cocreate_map.services import ballots as ballot_service
from cocreate_map.services import households as household_service
from cocreate_map.services import options as option_service
from cocreate_map.services.address import PublicAddress, printable
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow
from cocreate_map.ui import state
from cocreate_map.ui.address import page_address
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import Note, act, shown_errors
from cocreate_map.ui.register_edit import register_editor
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t


@dataclass(frozen=True)
class Desk:
    """What the staff page works with: the community, who is signed in, and what it read."""

    slug: str
    community_name: str
    who: Any  # services.staff.StaffIdentity
    overview: Any  # services.ballots.staff_overview(...)
    register: list[Any]  # the household register
    conflicts: dict[int, list[Any]]  # open paper/online conflicts by ballot id
    option_names: list[str]

    @property
    def ballots(self) -> list[ballot_service.BallotInfo]:
        return list(self.overview.ballots)

    @property
    def labels(self) -> dict[int, str]:
        return {h.id: h.label for h in self.register}

    @property
    def titles(self) -> dict[int, str]:
        return {b.id: b.title for b in self.ballots}

    @property
    def open_ids(self) -> list[int]:
        return [b.id for b in self.ballots if b.status == "open"]


def read_desk(slug: str, community_name: str, who: Any, overview: Any) -> Desk:
    """The conflicts, the register and the option names the tabs need, in one read."""
    with transaction(engine()) as session:
        conflicts = {b.id: ballot_service.conflicts(session, b.id) for b in overview.ballots}
        register = household_service.list_households(session, slug)
        names = [o.name for o in option_service.list_options(session, slug)]
    return Desk(slug, community_name, who, overview, register, conflicts, names)


def choice_label(choice: object) -> str:
    if isinstance(choice, list):
        return " → ".join(map(str, choice)) if choice else t("choice.abstain")
    if choice in ("yes", "no", "abstain"):
        return t(f"choice.{choice}")
    return str(choice)


def ballot_line(overview: Any, b: ballot_service.BallotInfo) -> None:
    """A ballot's title, status and votes, then its kind, rule, deadline and conflicts."""
    st.markdown(
        f"**#{b.id} {escape_markdown(b.title)}** · {t(f'ballots.status.{b.status}')} · "
        f"{t('ballots.votes', n=overview.votes[b.id])}"
    )
    parts = [t(f"ballots.kind.{b.kind}"), rule_name(lang(), b.rule)]
    if b.closes_at:
        parts.append(t("vote.until", when=china_time(b.closes_at)))
    if overview.open_conflicts[b.id]:
        parts.append(t("ballots.tab_conflicts", n=overview.open_conflicts[b.id]))
    st.caption(" · ".join(parts))


def results_link(slug: str, b: ballot_service.BallotInfo, where: Any = st) -> None:
    where.page_link(
        "cocreate_map/ui/pages/results.py",
        label=t("ballots.results"),
        icon=":material/bar_chart:",
        query_params={"community": slug, "ballot": str(b.id), "lang": lang()},
    )


def read_only_list(slug: str, overview: Any) -> None:
    """A district admin of the community's sub-district: the ballots and their results only."""
    st.info(t("ballots.read_only"), icon=":material/visibility:")
    if not overview.ballots:
        st.info(t("ballots.none"))
    for b in overview.ballots:
        with st.container(border=True):
            ballot_line(overview, b)
            results_link(slug, b)


def tab_labels(desk: Desk) -> list[str]:
    n_conflicts = sum(len(v) for v in desk.conflicts.values())
    return [
        t("ballots.tab_list"),
        t("ballots.tab_new"),
        t("ballots.tab_paper"),
        t("ballots.tab_conflicts", n=n_conflicts),
        t("ballots.tab_register"),
    ]


# ---------------------------------------------------------------- the list


def _partial_owners_warning(ballot_id: int) -> None:
    """Owners who voted for some of their flats only: warned before the close (issue 17.3)."""
    with shown_errors() as seen, transaction(engine()) as session:
        partial = ballot_service.tally_ballot(session, ballot_id).partial_owners
    if seen.failed or not partial:
        return
    st.warning(
        t("decision.partial_owners", n=len(partial))
        + "\n\n"
        + "\n".join(
            "- "
            + escape_markdown(
                t(
                    "decision.partial_owner_line",
                    owner=p["owner"],
                    voted="、".join(p["voted"]),
                    not_voted="、".join(p["not_voted"]),
                    area=p["area_m2"],
                )
            )
            for p in partial
        ),
        icon=":material/warning:",
    )


def _closed_note(res: Any) -> str:
    return t(
        "ballots.closed_ok", outcome=escape_markdown(decision_text.headline(lang(), res.decision))
    )


def ballot_list(desk: Desk) -> None:
    """Every ballot with its link to the results and, while open, its close button."""
    if not desk.ballots:
        st.info(t("ballots.none"))
    for b in desk.ballots:
        with st.container(border=True):
            ballot_line(desk.overview, b)
            if b.status == "open":
                _partial_owners_warning(b.id)
            cols = st.columns([1, 1, 3])
            results_link(desk.slug, b, cols[0])
            if b.status == "open" and cols[1].button(
                t("ballots.close"), key=f"close_{b.id}", type="primary"
            ):
                act(
                    lambda s, i=b.id: ballot_service.close_ballot(s, i, who=desk.who),
                    _closed_note,
                )


# ---------------------------------------------------------------- a new ballot


def _params(text: str) -> dict[str, str]:
    """``key = value`` lines (the rule's parameters); blank keys are skipped."""
    params = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip():
            params[key.strip()] = value.strip()
    return params


def _created_notes(done: tuple[Any, Any]) -> list[Note]:
    advice, created = done
    notes: list[Note] = [("success", t("ballots.created", id=created.id), None)]
    if advice is not None and advice.reasons:
        why = "；".join(t(f"ballots.why.{code}", option=name) for name, code in advice.reasons)
        text = t("ballots.rule_from_options", rule=rule_name(lang(), created.rule), why=why)
        notes.append(("info", text, None))
    return notes


def new_ballot_form(desk: Desk) -> None:
    """The form that creates (and opens) a ballot; the rule may follow from the options."""
    with st.form("new_ballot"):
        title = st.text_input(t("ballots.question"), key="new_title")
        description = st.text_area(t("ballots.description"), key="new_description", height=80)
        kind = st.selectbox(
            t("ballots.kind"),
            list(KINDS),
            format_func=lambda k: t(f"ballots.kind.{k}"),
            key="new_kind",
        )
        picked_options = st.multiselect(
            t("ballots.options"),
            desk.option_names,
            key="new_options",
            placeholder=t("marks.choose"),
        )
        choices_text = st.text_area(t("ballots.choices"), key="new_choices", height=100)
        rule = st.selectbox(
            t("ballots.rule"),
            ["auto", *RULES],
            format_func=lambda r: t("ballots.rule.auto") if r == "auto" else rule_name(lang(), r),
            key="new_rule",
        )
        params_text = st.text_area(t("ballots.params"), key="new_params", height=68)
        matter = st.selectbox(
            t("ballots.matter_class"),
            ["auto", "ordinary", "special", "consultative"],
            format_func=lambda m: t(f"ballots.matter.{m}"),
            key="new_matter",
        )
        buildings = st.multiselect(
            t("ballots.buildings"),
            sorted({h.building for h in desk.register}, key=lambda b: (len(b), b)),
            key="new_buildings",
            placeholder=t("marks.choose"),
        )
        c1, c2 = st.columns(2)
        today_china = to_china(utcnow()).date()
        closes_date = c1.date_input(
            t("ballots.closes_date"), value=today_china + timedelta(days=7), key="new_closes_date"
        )
        closes_time = c2.time_input(
            t("ballots.closes_time"), value=time(20, 0), key="new_closes_time"
        )
        show_running = st.checkbox(t("ballots.show_running"), value=True, key="new_show_running")
        e_voting = st.checkbox(t("ballots.e_voting"), value=False, key="new_e_voting")
        tie_break = st.selectbox(
            t("decision.tie_break.label"),
            list(TIE_BREAKS),
            format_func=lambda k: t(f"decision.tie_break.{k}"),
            key="new_tie_break",
        )
        if not st.form_submit_button(t("ballots.create"), type="primary"):
            return
    params = _params(params_text)
    closes = from_china(datetime.combine(closes_date, closes_time))
    choices = (
        []
        if kind == "yes-no" or picked_options
        else [c for c in choices_text.splitlines() if c.strip()]
    )

    def create(session: Any) -> tuple[Any, Any]:
        advice = (
            ballot_service.rule_for_options(session, desk.slug, picked_options)
            if picked_options
            else None
        )
        created = ballot_service.create_ballot(
            session,
            desk.slug,
            title,
            None if rule == "auto" else rule,
            params,
            choices,
            kind=kind,
            options=picked_options,
            advice=advice,
            buildings=buildings,
            matter_class=None if matter == "auto" else matter,
            description=description,
            closes_at=closes,
            show_running=show_running,
            e_voting_recognised=e_voting,
            who=desk.who,
            tie_break=tie_break,
        )
        return advice, created

    act(create, _created_notes)


# ---------------------------------------------------------------- paper votes


def _saved_file(upload: Any, tmp: str) -> Path:
    path = Path(tmp) / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


def paper_votes(desk: Desk) -> None:
    """A paper (or assisted) vote household by household, or a whole CSV/XLSX of them."""
    open_ids = desk.open_ids
    if not open_ids:
        st.info(t("ballots.no_open"))
        return
    titles, labels = desk.titles, desk.labels
    bid = st.selectbox(
        t("ballots.pick_ballot"),
        open_ids,
        format_func=lambda i: f"#{i} {titles[i]}",
        key="paper_ballot",
    )
    ballot = next(b for b in desk.ballots if b.id == bid)
    options = ["yes", "no", "abstain"] if ballot.kind == "yes-no" else [*ballot.choices, "abstain"]
    with st.form("paper_vote", clear_on_submit=True):
        hid = st.selectbox(
            t("ballots.household"),
            [h.id for h in desk.register],
            format_func=lambda i: labels[i],
            key="paper_household",
        )
        if ballot.kind in ("approval", "ranked"):
            choice: object = st.multiselect(
                t("results.choice"),
                ballot.choices,
                key="paper_multi",
                placeholder=t("marks.choose"),
            )
        else:
            choice = st.radio(
                t("results.choice"),
                options,
                format_func=lambda c: escape_markdown(choice_label(c)),  # radio: markdown
                horizontal=True,
                key="paper_choice",
            )
        channel = st.radio(
            t("ballots.channel"),
            ["paper", "assisted"],
            format_func=lambda c: t(f"ballots.channel.{c}"),
            horizontal=True,
            key="paper_channel",
        )
        ballot_no = st.text_input(t("ballots.ballot_no"), key="paper_no")
        if st.form_submit_button(t("ballots.record"), type="primary"):

            def recorded(cast: Any) -> list[Note]:
                if cast.status == "conflict":
                    return [("warning", t("ballots.conflict_recorded", label=labels[hid]), None)]
                text = t(
                    "ballots.recorded",
                    label=labels[hid],
                    choice=escape_markdown(choice_label(cast.choice)),
                )
                return [("success", text, None)]

            act(
                lambda s: ballot_service.cast_vote(
                    s, bid, hid, choice, channel, ballot_no.strip() or None, who=desk.who
                ),
                recorded,
            )
    upload = st.file_uploader(t("ballots.paper_file"), type=["csv", "xlsx"], key="paper_file")
    if upload is not None and st.button(t("ballots.import"), key="paper_import"):
        with tempfile.TemporaryDirectory() as tmp:
            path = _saved_file(upload, tmp)
            act(
                lambda s: ballot_service.import_paper_votes(s, bid, path, who=desk.who),
                lambda imported: t("ballots.imported", **vars(imported)),
            )


# ---------------------------------------------------------------- conflicts


def conflicts(desk: Desk) -> None:
    """Each household with both a paper and an online vote: keep the counted one or take the
    other."""
    if not sum(len(v) for v in desk.conflicts.values()):
        st.info(t("ballots.no_conflicts"))
    with transaction(engine()) as session:
        counted = {
            (b_id, c.household_id): ballot_service.my_vote(session, b_id, c.household_id)
            for b_id, cs in desk.conflicts.items()
            for c in cs
        }
    titles, labels = desk.titles, desk.labels
    for b_id, cs in desk.conflicts.items():
        for c in cs:
            now_counted = counted[(b_id, c.household_id)]
            with st.container(border=True):
                st.markdown(f"**#{b_id} {escape_markdown(titles[b_id])}**")
                st.markdown(
                    t(
                        "ballots.conflict_line",
                        label=labels.get(c.household_id, c.household_id),
                        counted=escape_markdown(choice_label(now_counted.choice))
                        if now_counted
                        else "—",
                        counted_channel=t(f"ballots.channel.{now_counted.channel}")
                        if now_counted
                        else "—",
                        other=escape_markdown(choice_label(c.choice)),
                        other_channel=t(f"ballots.channel.{c.channel}"),
                    )
                )
                k1, k2 = st.columns(2)
                for col, take, text_key in (
                    (k1, False, "ballots.keep"),
                    (k2, True, "ballots.take"),
                ):
                    if col.button(t(text_key), key=f"conflict_{c.id}_{take}"):
                        act(
                            lambda s, i=c.id, tk=take: ballot_service.resolve_conflict(
                                s, i, tk, who=desk.who
                            ),
                            t("ballots.settled"),
                        )


# ---------------------------------------------------------------- the register and slips


def register_tab(desk: Desk) -> None:
    """The household register: the table, the editor, an import, and the slips."""
    register = desk.register
    st.caption(t("ballots.register_count", n=len(register)))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("results.building"): h.building,
                    t("ballots.unit"): h.unit,
                    t("ballots.room"): h.room,
                    t("ballots.area"): h.area_m2,
                    t("ballots.owner"): h.owner_id or "",
                    t("ballots.residents"): h.residents,
                }
                for h in register
            ]
        ),
        hide_index=True,
        height=260,
    )
    if register:
        register_editor(register, desk.who)
    upload = st.file_uploader(t("ballots.register_file"), type=["csv", "xlsx"], key="register_file")
    if upload is not None and st.button(t("ballots.import"), key="register_import"):
        with tempfile.TemporaryDirectory() as tmp:
            path = _saved_file(upload, tmp)
            act(
                lambda s: household_service.import_households(
                    s, path, desk.slug, who=desk.who, issue_codes=False
                ),
                lambda imported: t(
                    "ballots.register_imported", created=imported.created, updated=imported.updated
                ),
            )
    slips_panel(desk, bool(desk.open_ids))


def slips_panel(desk: Desk, ballot_open: bool) -> None:
    """Household slips (PDF) for the households chosen: new ones (no code yet), named ones (a
    lost slip) or all; only their codes change, every other code and phone stays valid."""
    st.subheader(t("slips.title"))
    register, labels = desk.register, desk.labels
    new_ids = [h.id for h in register if h.code_hash is None]
    mode = st.radio(
        t("slips.which"),
        ["new", "chosen", "all"],
        format_func=lambda m: t(f"slips.mode.{m}", n=len(new_ids)),
        key="slips_mode",
    )
    chosen: list[int] = []
    if mode == "chosen":
        chosen = st.multiselect(
            t("slips.households"),
            [h.id for h in register],
            format_func=labels.__getitem__,
            key="slips_households",
            placeholder=t("marks.choose"),
        )
    address = page_address()
    st.caption(t("slips.address", url=address.url))
    allow = False
    if address.loopback:
        st.warning(t("slips.loopback", url=address.url), icon=":material/wifi_off:")
        allow = st.checkbox(t("slips.allow_loopback"), key="slips_allow_loopback")
    confirm = False
    if ballot_open and mode != "new":
        confirm = st.checkbox(t("slips.confirm_open"), key="slips_confirm")
    if st.button(t("slips.make"), type="primary", icon=":material/print:", key="slips_make"):
        st.session_state.pop(state.SLIPS_PDF, None)
        if mode == "chosen" and not chosen:
            st.warning(t("slips.pick_first"))
        else:
            make_slips(desk, address, allow, mode, [labels[i] for i in chosen], confirm)
    made = st.session_state.get(state.SLIPS_PDF)
    if made:
        pdf, done = made
        st.success(t("slips.made", n=len(done), households="、".join(done[:8])))
        st.download_button(
            t("slips.download", n=len(done)),
            pdf,
            file_name=f"{desk.slug}-slips.pdf",
            mime="application/pdf",
            icon=":material/download:",
            key="slips_download",
        )


def make_slips(
    desk: Desk, address: PublicAddress, allow: bool, mode: str, chosen: list[str], confirm: bool
) -> None:
    """New codes for the households and their slips as a PDF, in one transaction: if the PDF
    cannot be written, no code changes. The PDF is kept in the session after the commit."""

    def work(session: Any) -> tuple[bytes, list[str]]:
        url = printable(address, allow_loopback=allow)
        ids = (
            None
            if mode == "all"
            else household_service.households_for_codes(
                session, desk.slug, chosen, new_only=mode == "new"
            )
        )
        pairs = household_service.regenerate_codes(
            session, desk.slug, ids, who=desk.who, confirm_open_ballots=confirm
        )
        slips = [Slip(h.building, h.unit, h.room, code) for h, code in pairs]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "slips.pdf"
            household_slips(slips, desk.community_name, desk.slug, url, out)
            return out.read_bytes(), [h.label for h, _ in pairs]

    def keep(made: tuple[bytes, list[str]]) -> None:
        st.session_state[state.SLIPS_PDF] = made

    act(work, then=keep)
