"""Who is asking, for the sign-in throttles: "address|browser session" (services take it as a
plain string). The address is the connection's, or, when the connection comes from a proxy
listed in COCREATE_TRUSTED_PROXIES (the district nginx), the visitor's from X-Forwarded-For."""

from __future__ import annotations

import secrets

import streamlit as st

from cocreate_map import config
from cocreate_map.domain.throttle import client_address
from cocreate_map.ui import state


def trusted_proxies() -> frozenset[str]:
    raw: str = config.get("trusted_proxies")
    return frozenset(p.strip() for p in raw.split(",") if p.strip())


def client_key() -> str:
    ip = st.context.ip_address  # None for the local machine (and not a str under AppTest)
    remote = ip if isinstance(ip, str) and ip else "127.0.0.1"
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - no HTTP request behind this session (AppTest)
        forwarded = None
    address = client_address(
        remote, forwarded if isinstance(forwarded, str) else None, trusted_proxies()
    )
    session_id = st.session_state.get(state.CLIENT_SESSION)
    if not isinstance(session_id, str):  # one random id per browser session (tab)
        session_id = st.session_state[state.CLIENT_SESSION] = secrets.token_hex(8)
    return f"{address}|{session_id}"
