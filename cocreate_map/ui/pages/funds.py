"""资金公示 (funds, Civil Code art. 281), phone first and for everyone: totals in / out / balance
by account, income by source, spending against budget per work, the ledger with its receipts,
donors as they consented, volunteer labour in kind and the thanks board. A household signed in
with its code can report its own volunteer hours (they count once staff verify them). Staff
record, approve and reverse on the 资金管理 page (funds_staff.py)."""

from __future__ import annotations

import streamlit as st

from cocreate_map.services import funds as funds_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import funds_public as view
from cocreate_map.ui import widgets
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t

st.html(view.PAGE_STYLE)

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
with transaction(engine()) as session:
    s = funds_service.summary(session, slug)
    entries = funds_service.list_entries(session, slug, limit=300)
    labour = funds_service.list_labour(session, slug)

st.title(t("funds.title"))
st.caption(t("funds.caption", name=community.name))
view.notice()
view.totals(s)
view.by_account(s)
view.by_source(s)
view.by_work(s)
view.ledger(entries)
view.donors(s)
view.labour_section(s, labour)
view.report_hours(slug, s)

st.divider()
st.caption(t("funds.audit_line", head=s.audit_head[:16], n=s.entries))
