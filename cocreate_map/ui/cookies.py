"""The one way the app keeps a browser signed in: a cookie holding a random session token.

The token means nothing by itself: the database keeps its hash, its expiry and whether it was
ended (services/sessions.py). Streamlit reads cookies only from the page's first request
(``st.context.cookies``) and cannot send a ``Set-Cookie`` header from a page run, so the cookie
is written by a small script on the page: SameSite=Lax, Secure when the page is served over
https, but not HttpOnly (a script-written cookie cannot be) — see README "Sign-in and cookies".
"""

from __future__ import annotations

import re

import streamlit as st

_NAME = re.compile(r"^[a-z_]{1,40}$")
_VALUE = re.compile(r"^[0-9a-f]{0,128}$")


def read(name: str, *, ignore: bool = False) -> str | None:
    """The cookie the page was opened with (None under AppTest, or when ``ignore``)."""
    if ignore:
        return None
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) and _VALUE.match(value) else None


def write(name: str, value: str, max_age_s: int) -> None:
    """Set (``max_age_s`` > 0) or drop (0) the cookie in this browser."""
    assert _NAME.match(name) and _VALUE.match(value), "cookie names and tokens are ours"
    st.html(
        f"<script>document.cookie = '{name}={value}; path=/; max-age={int(max_age_s)}; "
        "SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )
