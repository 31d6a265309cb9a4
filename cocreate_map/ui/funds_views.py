"""Parts of the funds staff page (资金管理): the read-only view for a district admin (issue 15:
the expenses waiting for approval, the ledger with donors' names and the volunteer hours, with
no forms), and the tab that prints the notice and exports the ledger."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from cocreate_map.domain import funds as dom
from cocreate_map.io.reports_funds import export_ledger, funds_notice
from cocreate_map.services import funds as funds_service
from cocreate_map.services.funds import StaffLedger
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow
from cocreate_map.ui import state
from cocreate_map.ui.address import page_address
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t


def y(fen: int) -> str:
    return f"¥{dom.yuan_text(fen)}"


def read_only_ledger(ledger: StaffLedger) -> None:
    """A district admin of the community's sub-district: the same records, no forms."""
    pending, recent, labour = ledger.pending, ledger.recent, ledger.labour
    st.info(t("funds_staff.read_only"), icon=":material/visibility:")
    st.subheader(t("funds_staff.pending_heading", n=len(pending)))
    if not pending:
        st.caption(t("funds_staff.none_pending"))
    for e in pending:
        st.markdown(
            f"**No.{e.id}** {y(e.amount_fen)} · {escape_markdown(e.work_title)} · "
            f"{escape_markdown(e.payee)} · "
            + t("funds_staff.recorded_by", user=e.recorded_by, date=str(e.occurred_on))
        )
    st.subheader(t("funds.ledger"))
    st.dataframe(
        pd.DataFrame(
            {
                "No.": [e.id for e in recent],
                t("funds.col.date"): [str(e.occurred_on or "") for e in recent],
                t("funds.col.kind"): [t(f"funds.kind.{e.kind.value}") for e in recent],
                t("funds.col.amount"): [y(e.amount_fen) for e in recent],
                t("funds.col.source"): [e.donor_private or e.payee for e in recent],
                t("funds.col.work"): [e.work_title for e in recent],
                t("funds.col.status"): [t(f"funds.status.{e.status}") for e in recent],
                t("funds.col.approved"): [e.approved_by or "" for e in recent],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(t("funds_staff.tab_labour"))
    st.dataframe(
        pd.DataFrame(
            {
                "No.": [i.id for i in labour],
                t("funds.col.who"): [i.who_private for i in labour],
                t("funds.col.work"): [i.work_title for i in labour],
                t("funds.col.task"): [i.task for i in labour],
                t("funds.col.hours"): [dom.hours_text(i.quarter_hours) for i in labour],
                t("funds.col.status"): [
                    t("funds_staff.verified_by", user=i.verified_by)
                    if i.verified_by
                    else t("funds_staff.not_verified")
                    for i in labour
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def notice_tab(slug: str) -> None:
    """Make the funds notice (PDF) and the ledger exports (CSV, Excel) and offer them."""
    if st.button(t("funds_staff.make_notice"), type="primary"):
        with transaction(engine()) as session:
            data = funds_service.notice_data(session, slug)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "funds.pdf"
            funds_notice(data, page_address().url, out, utcnow())
            st.session_state[state.FUNDS_FILES] = {
                "pdf": out.read_bytes(), "csv": export_ledger(data, "csv"),
                "xlsx": export_ledger(data, "xlsx"),
            }  # fmt: skip
    files = st.session_state.get(state.FUNDS_FILES)
    if files:
        st.download_button(
            t("funds_staff.download_notice"), files["pdf"], file_name=f"{slug}-funds.pdf",
            mime="application/pdf",
        )  # fmt: skip
        st.download_button(
            t("funds_staff.csv"), files["csv"], file_name=f"{slug}-ledger.csv", mime="text/csv"
        )
        st.download_button(
            t("funds_staff.xlsx"), files["xlsx"], file_name=f"{slug}-ledger.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )  # fmt: skip
