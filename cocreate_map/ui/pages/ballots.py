"""Staff: create and close ballots, enter paper votes one by one or from a CSV, settle
paper/online conflicts, view and edit the household register.

Staff sign in with their account (widgets.staff_gate: argon2, or the bootstrap admin of
COCREATE_ADMIN_PASSWORD); admins and planners of this community use this page.
"""

import tempfile
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
from cocreate_map.ui import staff_accounts, state, widgets
from cocreate_map.ui.address import page_address
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.register_edit import register_editor
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t


def choice_label(choice: object) -> str:
    if isinstance(choice, list):
        return " → ".join(map(str, choice)) if choice else t("choice.abstain")
    if choice in ("yes", "no", "abstain"):
        return t(f"choice.{choice}")
    return str(choice)


def slips_panel(register: list, ballot_open: bool) -> None:
    """Household slips (PDF) for the households chosen: new ones (no code yet), named ones (a
    lost slip) or all; only their codes change, every other code and phone stays valid."""
    st.subheader(t("slips.title"))
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
            make_slips(address, allow, mode, [labels[i] for i in chosen], confirm)
    made = st.session_state.get(state.SLIPS_PDF)
    if made:
        pdf, done = made
        st.success(t("slips.made", n=len(done), households="、".join(done[:8])))
        st.download_button(
            t("slips.download", n=len(done)),
            pdf,
            file_name=f"{slug}-slips.pdf",
            mime="application/pdf",
            icon=":material/download:",
            key="slips_download",
        )


def make_slips(
    address: PublicAddress, allow: bool, mode: str, chosen: list[str], confirm: bool
) -> None:
    """New codes for the households and their slips as a PDF, in one transaction: if the PDF
    cannot be written, no code changes."""
    with shown_errors(), transaction(engine()) as session:
        url = printable(address, allow_loopback=allow)
        ids = (
            None
            if mode == "all"
            else household_service.households_for_codes(
                session, slug, chosen, new_only=mode == "new"
            )
        )
        pairs = household_service.regenerate_codes(
            session, slug, ids, who=who, confirm_open_ballots=confirm
        )
        slips = [Slip(h.building, h.unit, h.room, code) for h, code in pairs]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "slips.pdf"
            household_slips(slips, community.name, slug, url, out)
            st.session_state[state.SLIPS_PDF] = (out.read_bytes(), [h.label for h, _ in pairs])


community = widgets.current_community()
if community is None:
    st.stop()
st.title(t("ballots.title"))

who = widgets.staff_gate()
slug = community.slug
overview = widgets.staff_records(lambda session: ballot_service.staff_overview(session, who, slug))
ballots = overview.ballots
states = {b.id: b.status for b in ballots}
counts = overview.votes


def ballot_line(b: ballot_service.BallotInfo) -> None:
    st.markdown(
        f"**#{b.id} {escape_markdown(b.title)}** · {t(f'ballots.status.{states[b.id]}')} · "
        f"{t('ballots.votes', n=counts[b.id])}"
    )
    parts = [t(f"ballots.kind.{b.kind}"), rule_name(lang(), b.rule)]
    if b.closes_at:
        parts.append(t("vote.until", when=china_time(b.closes_at)))
    if overview.open_conflicts[b.id]:
        parts.append(t("ballots.tab_conflicts", n=overview.open_conflicts[b.id]))
    st.caption(" · ".join(parts))


def results_link(b: ballot_service.BallotInfo, where: Any = st) -> None:
    where.page_link(
        "cocreate_map/ui/pages/results.py",
        label=t("ballots.results"),
        icon=":material/bar_chart:",
        query_params={"community": slug, "ballot": str(b.id), "lang": lang()},
    )


if overview.read_only:  # a district admin of the community's sub-district: read only
    st.info(t("ballots.read_only"), icon=":material/visibility:")
    if not ballots:
        st.info(t("ballots.none"))
    for b in ballots:
        with st.container(border=True):
            ballot_line(b)
            results_link(b)
    st.stop()

with transaction(engine()) as session:
    open_conflicts = {b.id: ballot_service.conflicts(session, b.id) for b in ballots}
    register = household_service.list_households(session, slug)
    option_names = [o.name for o in option_service.list_options(session, slug)]
n_conflicts = sum(len(v) for v in open_conflicts.values())
open_ids = [b.id for b in ballots if states[b.id] == "open"]
titles = {b.id: b.title for b in ballots}
labels = {h.id: h.label for h in register}

tab_list, tab_new, tab_paper, tab_conflicts, tab_register = st.tabs(
    [
        t("ballots.tab_list"),
        t("ballots.tab_new"),
        t("ballots.tab_paper"),
        t("ballots.tab_conflicts", n=n_conflicts),
        t("ballots.tab_register"),
    ]
)

with tab_list:
    if not ballots:
        st.info(t("ballots.none"))
    for b in ballots:
        with st.container(border=True):
            ballot_line(b)
            if states[b.id] == "open":
                with shown_errors(), transaction(engine()) as session:
                    partial = ballot_service.tally_ballot(session, b.id).partial_owners
                if partial:  # warn before the close (issue 17.3)
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
            cols = st.columns([1, 1, 3])
            results_link(b, cols[0])
            if states[b.id] == "open" and cols[1].button(
                t("ballots.close"), key=f"close_{b.id}", type="primary"
            ):
                with shown_errors(), transaction(engine()) as session:
                    res = ballot_service.close_ballot(session, b.id, who=who)
                    st.success(
                        t(
                            "ballots.closed_ok",
                            outcome=escape_markdown(decision_text.headline(lang(), res.decision)),
                        )
                    )

with tab_new, st.form("new_ballot"):
    title = st.text_input(t("ballots.question"), key="new_title")
    description = st.text_area(t("ballots.description"), key="new_description", height=80)
    kind = st.selectbox(
        t("ballots.kind"), list(KINDS), format_func=lambda k: t(f"ballots.kind.{k}"), key="new_kind"
    )
    picked_options = st.multiselect(
        t("ballots.options"), option_names, key="new_options", placeholder=t("marks.choose")
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
        sorted({h.building for h in register}, key=lambda b: (len(b), b)),
        key="new_buildings",
        placeholder=t("marks.choose"),
    )
    c1, c2 = st.columns(2)
    today_china = to_china(utcnow()).date()
    closes_date = c1.date_input(
        t("ballots.closes_date"), value=today_china + timedelta(days=7), key="new_closes_date"
    )
    closes_time = c2.time_input(t("ballots.closes_time"), value=time(20, 0), key="new_closes_time")
    show_running = st.checkbox(t("ballots.show_running"), value=True, key="new_show_running")
    e_voting = st.checkbox(t("ballots.e_voting"), value=False, key="new_e_voting")
    tie_break = st.selectbox(
        t("decision.tie_break.label"),
        list(TIE_BREAKS),
        format_func=lambda k: t(f"decision.tie_break.{k}"),
        key="new_tie_break",
    )
    if st.form_submit_button(t("ballots.create"), type="primary"):
        params = {}
        for line in params_text.splitlines():
            key, _, value = line.partition("=")
            if key.strip():
                params[key.strip()] = value.strip()
        closes = from_china(datetime.combine(closes_date, closes_time))
        with shown_errors(), transaction(engine()) as session:
            advice = (
                ballot_service.rule_for_options(session, slug, picked_options)
                if picked_options
                else None
            )
            created = ballot_service.create_ballot(
                session,
                slug,
                title,
                None if rule == "auto" else rule,
                params,
                []
                if kind == "yes-no" or picked_options
                else [c for c in choices_text.splitlines() if c.strip()],
                kind=kind,
                options=picked_options,
                advice=advice,
                buildings=buildings,
                matter_class=None if matter == "auto" else matter,
                description=description,
                closes_at=closes,
                show_running=show_running,
                e_voting_recognised=e_voting,
                who=who,
                tie_break=tie_break,
            )
            st.success(t("ballots.created", id=created.id))
            if advice is not None and advice.reasons:
                why = "；".join(
                    t(f"ballots.why.{code}", option=name) for name, code in advice.reasons
                )
                st.info(
                    t("ballots.rule_from_options", rule=rule_name(lang(), created.rule), why=why)
                )

with tab_paper:
    if not open_ids:
        st.info(t("ballots.no_open"))
    else:
        bid = st.selectbox(
            t("ballots.pick_ballot"),
            open_ids,
            format_func=lambda i: f"#{i} {titles[i]}",
            key="paper_ballot",
        )
        ballot = next(b for b in ballots if b.id == bid)
        options = (
            ["yes", "no", "abstain"] if ballot.kind == "yes-no" else [*ballot.choices, "abstain"]
        )
        with st.form("paper_vote", clear_on_submit=True):
            hid = st.selectbox(
                t("ballots.household"),
                [h.id for h in register],
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
                with shown_errors(), transaction(engine()) as session:
                    cast = ballot_service.cast_vote(
                        session,
                        bid,
                        hid,
                        choice,
                        channel,
                        ballot_no.strip() or None,
                        who=who,
                    )
                    if cast.status == "conflict":
                        st.warning(t("ballots.conflict_recorded", label=labels[hid]))
                    else:
                        st.success(
                            t(
                                "ballots.recorded",
                                label=labels[hid],
                                choice=escape_markdown(choice_label(cast.choice)),
                            )
                        )
        upload = st.file_uploader(t("ballots.paper_file"), type=["csv", "xlsx"], key="paper_file")
        if upload is not None and st.button(t("ballots.import"), key="paper_import"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                with shown_errors(), transaction(engine()) as session:
                    imported = ballot_service.import_paper_votes(session, bid, path, who=who)
                    st.success(t("ballots.imported", **vars(imported)))

with tab_conflicts:
    if not n_conflicts:
        st.info(t("ballots.no_conflicts"))
    with transaction(engine()) as session:
        counted = {
            (b_id, c.household_id): ballot_service.my_vote(session, b_id, c.household_id)
            for b_id, cs in open_conflicts.items()
            for c in cs
        }
    for b_id, cs in open_conflicts.items():
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
                        with shown_errors(), transaction(engine()) as session:
                            ballot_service.resolve_conflict(session, c.id, take, who=who)
                            st.success(t("ballots.settled"))

with tab_register:
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
        register_editor(register, who)
    upload = st.file_uploader(t("ballots.register_file"), type=["csv", "xlsx"], key="register_file")
    if upload is not None and st.button(t("ballots.import"), key="register_import"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            with shown_errors(), transaction(engine()) as session:
                imported = household_service.import_households(
                    session, path, slug, who=who, issue_codes=False
                )
                st.success(
                    t(
                        "ballots.register_imported",
                        created=imported.created,
                        updated=imported.updated,
                    )
                )

    slips_panel(register, bool(open_ids))

staff_accounts.unlock_panel(who)  # admins: accounts paused after wrong passwords
