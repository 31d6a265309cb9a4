"""资金管理 (funds, staff): record donations, contributions, interest and expenses with receipt
photos; approve expenses another account recorded; correct by reversing; enter and verify
volunteer hours; set the labour rate; print the notice and export the ledger. Every action goes
through services.funds, which checks the role again (admins and planners handle money; building
chiefs enter and verify hours)."""

from __future__ import annotations

import streamlit as st

from cocreate_map.domain import funds as dom
from cocreate_map.services import funds as funds_service
from cocreate_map.ui import funds_views, state, widgets
from cocreate_map.ui.feedback import act
from cocreate_map.ui.state import t

NOTICE = state.FUNDS_NOTICE
KINDS = [k.value for k in dom.Kind]
METHODS = [m.value for m in dom.Method]

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("funds_staff.title"))
who = widgets.staff_gate("funds_staff_sign_in")
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(notice, icon=":material/check_circle:")

ledger = widgets.staff_records(lambda session: funds_service.staff_ledger(session, who, slug))
s, pending, recent, labour = ledger.summary, ledger.pending, ledger.recent, ledger.labour


def y(fen: int) -> str:
    return f"¥{dom.yuan_text(fen)}"


if ledger.read_only:
    funds_views.read_only_ledger(ledger)
    st.stop()


def done(message: str) -> None:
    st.session_state[NOTICE] = message
    st.rerun()


tab_add, tab_approve, tab_reverse, tab_labour, tab_print = st.tabs(
    [t("funds_staff.tab_add"), t("funds_staff.tab_approve", n=len(pending)),
     t("funds_staff.tab_reverse"), t("funds_staff.tab_labour"), t("funds_staff.tab_print")]
)  # fmt: skip

with tab_add, st.form("funds_add", clear_on_submit=False):
    kinds = {t(f"funds.kind.{k}"): k for k in KINDS}  # labels as options: AppTest-safe
    kind = kinds[st.selectbox(t("funds.col.kind"), list(kinds))]
    amount = st.text_input(t("funds_staff.amount"), placeholder="3000.00")
    account = st.selectbox(t("funds.col.account"), [a.name for a in s.accounts])
    st.caption(t("funds_staff.donor_help"))
    household = st.text_input(t("funds_staff.household"), placeholder="1-1-101")
    donor = st.text_input(t("funds_staff.donor"))
    sources = {t(f"funds.source.contribution.{k}"): k for k in ("unit", "government")}
    source = sources[st.selectbox(t("funds_staff.source"), list(sources))]
    consent = st.checkbox(t("funds_staff.consent"))
    methods = {t(f"funds.method.{m}"): m for m in METHODS}
    method = methods[st.selectbox(t("funds_staff.method"), list(methods))]
    works = {t("funds_staff.no_work"): None} | {f"{w.title} (#{w.work_id})": w for w in s.works}
    work = works[st.selectbox(t("funds.col.work"), list(works))]
    payee = st.text_input(t("funds_staff.payee"))
    receipt = st.text_input(t("funds.col.receipt"))
    day = st.date_input(t("funds.col.date"))
    note = st.text_input(t("funds.col.note"))
    photo = st.file_uploader(t("funds_staff.photo"), type=["jpg", "jpeg", "png", "webp"])
    if st.form_submit_button(t("funds_staff.record"), type="primary", width="stretch"):
        made: list[funds_service.EntryInfo] = []
        ok = act(
            lambda session: made.append(
                funds_service.add_entry(
                    session, who, slug, kind, amount, account=account, household=household or None,
                    donor=donor or None, source=source, method=method,
                    work_id=work.work_id if work is not None else None, payee=payee,
                    receipt_no=receipt, consent=consent, note=note, occurred_on=day,
                    photo=photo.getvalue() if photo is not None else None,
                )
            )
        )  # fmt: skip
        if ok:
            e = made[0]
            key = (
                "funds_staff.recorded_pending" if e.status == "pending" else "funds_staff.recorded"
            )
            done(t(key, id=e.id, amount=y(e.amount_fen)))

with tab_approve:
    if not pending:
        st.info(t("funds_staff.none_pending"), icon=":material/task_alt:")
    for e in pending:
        with st.container(border=True):
            st.markdown(
                f"**No.{e.id}** {y(e.amount_fen)} · {e.work_title} · {e.payee} · {e.receipt_no}"
            )
            st.caption(t("funds_staff.recorded_by", user=e.recorded_by, date=str(e.occurred_on)))
            mine = e.recorded_by == who.username
            if mine:
                st.caption(t("funds_staff.not_yours"))
            if st.button(
                t("funds_staff.approve"), key=f"approve_{e.id}", disabled=mine, type="primary"
            ) and act(lambda session, i=e.id: funds_service.approve_entry(session, who, i)):
                done(t("funds_staff.approved", id=e.id))

with tab_reverse, st.form("funds_reverse"):
    targets = {
        f"No.{e.id} {t(f'funds.kind.{e.kind.value}')} {y(e.amount_fen)} {e.donor_private or e.payee}": e
        for e in recent
        if e.status in ("counted", "pending")
    }
    picked = st.selectbox(t("funds_staff.reverse_pick"), list(targets))
    target = targets.get(picked) if picked is not None else None
    reason = st.text_input(t("funds_staff.reason"))
    st.caption(t("funds_staff.reverse_help"))
    if st.form_submit_button(t("funds_staff.reverse"), width="stretch") and target is not None:
        if act(lambda session: funds_service.reverse_entry(session, who, target.id, reason)):
            done(t("funds_staff.reversed", id=target.id))

with tab_labour:
    waiting = [i for i in labour if i.verified_by is None]
    st.markdown(f"**{t('funds_staff.to_verify', n=len(waiting))}**")
    for i in waiting:
        with st.container(border=True):
            st.write(
                f"No.{i.id} {i.who_private} · {i.work_title} · {i.task} · {dom.hours_text(i.quarter_hours)} h · {i.worked_on}"
            )
            mine = i.entered_by == who.username
            if st.button(t("funds_staff.verify"), key=f"verify_{i.id}", disabled=mine) and act(
                lambda session, k=i.id: funds_service.verify_labour(session, who, k)
            ):
                done(t("funds_staff.verified", id=i.id))
    with st.form("funds_labour_add"):
        st.markdown(f"**{t('funds_staff.labour_add')}**")
        lwork = st.selectbox(t("funds.col.work"), s.works, format_func=lambda w: w.title)
        person = st.text_input(t("funds.col.who"))
        lhouse = st.text_input(
            t("funds_staff.household"), placeholder="1-1-101", key="labour_household"
        )
        hours = st.text_input(t("funds.col.hours"), placeholder="2.5")
        task = st.text_input(t("funds.col.task"))
        team = st.selectbox(t("funds.col.team"), ["", *s.teams])
        show = st.checkbox(t("funds.show_me"))
        if (
            st.form_submit_button(t("funds_staff.labour_record"), width="stretch")
            and lwork is not None
        ):
            if act(
                lambda session: funds_service.add_labour(
                    session, who, slug, lwork.work_id, hours, person=person or None,
                    household=lhouse or None, task=task, team=team or None, show_name=show,
                )
            ):  # fmt: skip
                done(t("funds_staff.labour_recorded"))
    with st.form("funds_rate"):
        current = dom.yuan_plain(s.labour_rate_fen) if s.labour_rate_fen else ""
        rate = st.text_input(t("funds_staff.rate"), value=current, placeholder="25")
        if st.form_submit_button(t("funds_staff.save")) and act(
            lambda session: funds_service.set_setting(
                session, who, slug, "labour_rate_yuan_per_hour", rate
            )
        ):
            done(t("funds_staff.rate_saved", rate=rate))
    with st.form("funds_team"):
        name = st.text_input(t("funds_staff.team_name"), placeholder="翁茂武志愿服务队")
        if st.form_submit_button(t("funds_staff.team_add")) and act(
            lambda session: funds_service.add_team(session, who, slug, name)
        ):
            done(t("funds_staff.team_added", name=name))

with tab_print:
    funds_views.notice_tab(slug)
