"""The address phones open, seen from a page (issue 10.4): the one the host's browser used, or
this machine's LAN address when that was localhost (``services/address.py``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from cocreate_map.services.address import PublicAddress, public_address


def page_address() -> PublicAddress:
    try:
        url = st.context.url  # scheme, host, port and page path of the browser's address
    except Exception:  # noqa: BLE001 - no browser context (bare script run): the LAN address
        url = None
    base = str(st.get_option("server.baseUrlPath") or "")
    listen = st.get_option("server.address")
    port = (urlsplit(url).port if url else None) or st.get_option("server.port")
    return public_address(
        url,
        base_path=base,
        port=int(port) if port else None,
        listen=None if listen is None else str(listen),
    )
