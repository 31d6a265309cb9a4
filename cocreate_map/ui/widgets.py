"""Widgets shared by pages: the sidebar (language, community picker)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.orm import Session
from streamlit.errors import StreamlitAPIException

from cocreate_map import config, services
from cocreate_map.domain.community import CommunityInfo
from cocreate_map.errors import PermissionDenied
from cocreate_map.services import households as household_service
from cocreate_map.services import sessions as session_service
from cocreate_map.services import staff as staff_service
from cocreate_map.services.access import EDITORS
from cocreate_map.services.sessions import STAFF_LIFETIME
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import scope
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow
from cocreate_map.ui import cookies, state
from cocreate_map.ui.client import client_key
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.i18n import LANGS
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

T = TypeVar("T")

LANG_LABELS = {"zh": "中文", "en": "English"}


def _on_lang_change() -> None:
    st.query_params["lang"] = st.session_state[state.LANG]
    st.session_state[state.LANG_PARAM_SEEN] = st.session_state[state.LANG]


def sidebar() -> None:
    state.lang()
    with st.sidebar:
        st.radio(
            t("lang.label"),
            LANGS,
            key=state.LANG,
            format_func=LANG_LABELS.__getitem__,
            horizontal=True,
            on_change=_on_lang_change,
        )


def communities() -> list[CommunityInfo]:
    with transaction(engine()) as session:
        return services.list_communities(session)


def current_community() -> CommunityInfo | None:
    """The community named by ?community=SLUG, else the first; a picker when there are several."""
    known = communities()
    if not known:
        st.info(t("community.none"))
        return None
    slugs = [c.slug for c in known]
    wanted = st.query_params.get("community")
    if wanted and wanted not in slugs:
        shown = escape_markdown(wanted[:60] + ("…" if len(wanted) > 60 else ""))
        st.warning(t("community.unknown", slug=shown, name=escape_markdown(known[0].name)))
        wanted = None
    current = wanted or st.session_state.get(state.COMMUNITY) or slugs[0]
    if current not in slugs:
        current = slugs[0]
    if len(known) > 1:
        by_slug = {c.slug: c for c in known}
        current = st.sidebar.selectbox(
            t("community.label"),
            slugs,
            index=slugs.index(current),
            format_func=lambda s: f"{by_slug[s].name} ({s})",
        )
    st.session_state[state.COMMUNITY] = current
    if st.query_params.get("community") != current:
        st.query_params["community"] = current
    chosen = next(c for c in known if c.slug == current)
    # from here on this run's transactions see and change only this community's rows
    # (storage/scope.py), whatever id a link or a form carries
    scope.enter(chosen.id)
    return chosen


# ---------------------------------------------------------------- numbers in the address

#: an id in the address: ASCII digits only (``"²".isdigit()`` is true and ``int()`` refuses it),
#: short enough for a database integer (a 5,000-digit ``?mark=`` made ``int()`` raise)
_ID_PARAM = re.compile(r"[0-9]{1,15}")


def id_param(name: str) -> int | None:
    """The number in ``?name=`` (a mark, a ballot, a work), or None when absent. Anything else is
    a mistyped or cut link: a page saying so in the reader's language, a way back, and the page
    stops there (no traceback, nothing of the server)."""
    raw = st.query_params.get(name)
    if raw is None or raw == "":
        return None
    if _ID_PARAM.fullmatch(raw) and int(raw) > 0:
        return int(raw)
    bad_address(name)
    raise AssertionError("unreachable")  # bad_address stops the run


def bad_address(name: str) -> None:
    """The friendly page of an address whose ``?name=`` is not a number: what happened, what to
    do, and a button back to the same page without the parameter."""
    st.error(t(f"address.bad_{name}"), icon=":material/link_off:")
    st.markdown(t("address.what_to_do"))

    def back() -> None:
        st.query_params.pop(name, None)

    st.button(t("address.back"), key="address_back", on_click=back, type="primary")
    st.stop()


# ---------------------------------------------------------------- households: join with a code

COOKIE_DAYS = 180  # the cookie's life; the session itself ends sooner when unused


def _remember(info: household_service.HouseholdInfo) -> None:
    st.session_state[state.HOUSEHOLD] = {
        "id": info.id,
        "slug": info.community_slug,
        "building": info.building,
        "unit": info.unit,
        "room": info.room,
    }


def _household_token() -> str | None:
    token = st.session_state.get(state.HOUSEHOLD_TOKEN)
    if isinstance(token, str):
        return token
    return cookies.read(
        state.HOUSEHOLD_COOKIE, ignore=bool(st.session_state.get(state.HOUSEHOLD_LEFT))
    )


def current_household(slug: str) -> dict[str, Any] | None:
    """The household signed in on this phone for community ``slug``, checked against its
    session on every run: a signed-out, expired or renewed-code session is gone at once."""
    token = _household_token()
    info = None
    if token:
        with transaction(engine()) as session:
            info = session_service.household_of(session, slug, token)
    if info is None:
        me = st.session_state.get(state.HOUSEHOLD)
        if me is not None and me.get("slug") == slug:
            st.session_state.pop(state.HOUSEHOLD, None)
            st.session_state.pop(state.HOUSEHOLD_TOKEN, None)
        return None
    st.session_state[state.HOUSEHOLD_TOKEN] = token
    _remember(info)
    return dict(st.session_state[state.HOUSEHOLD])


def _join_message(result: household_service.JoinResult) -> str:
    if result.locked_until is not None:
        minutes = max(1, int((result.locked_until - utcnow()).total_seconds() + 59) // 60)
        return t("auth.join_locked", minutes=minutes)
    return t("vote.wrong_code", n=result.left)


def join_household(slug: str, code: str) -> bool:
    """Join with a typed or scanned code; on success open a session for this phone (kept in a
    cookie). Wrong codes show how many tries are left, or for how long this phone must wait."""
    result = None
    token = None
    with shown_errors(), transaction(engine()) as session:
        result = household_service.join_with_code(session, slug, code, client=client_key())
        if result.household is not None:
            token = session_service.open_household_session(session, result.household.id)
    if result is None:
        return False
    if result.household is None or token is None:
        st.error(_join_message(result), icon=":material/key_off:")
        return False
    _remember(result.household)
    st.session_state[state.HOUSEHOLD_TOKEN] = token
    st.session_state[state.HOUSEHOLD_COOKIE_PENDING] = token
    st.session_state.pop(state.HOUSEHOLD_LEFT, None)
    return True


def household_gate(
    slug: str,
    *,
    form_key: str,
    required: bool = True,
    compact: bool = False,
    expander_label: str | None = None,
) -> dict[str, Any] | None:
    """The signed-in household, or the join form (from ?code= on the slip's QR as well).

    With ``required`` the page stops below the form; else the caller goes on read-only.
    ``compact`` folds the form into an expander (pages that are useful without joining).
    """
    if st.session_state.pop(state.HOUSEHOLD_FORGET, False):
        cookies.write(state.HOUSEHOLD_COOKIE, "", 0)
    me = current_household(slug)
    pending = st.session_state.pop(state.HOUSEHOLD_COOKIE_PENDING, None)
    if me is not None:
        if pending:
            cookies.write(state.HOUSEHOLD_COOKIE, pending, COOKIE_DAYS * 86400)
        return me
    qr_code = st.query_params.get("code")
    if qr_code and st.session_state.get(state.HOUSEHOLD_QR_TRIED) != qr_code:
        st.session_state[state.HOUSEHOLD_QR_TRIED] = qr_code
        if join_household(slug, qr_code):
            del st.query_params["code"]  # the code does not stay in the address bar
            st.rerun()
    holder = (
        st.expander(expander_label or t("vote.join_expander"), icon=":material/key:")
        if compact
        else st.columns([3, 2])[0]  # narrow on a desk, full width on a phone
    )
    with holder, st.form(form_key):
        typed = st.text_input(
            t("vote.code_label"), placeholder=t("vote.code_placeholder"), help=t("vote.code_help")
        )
        if st.form_submit_button(t("vote.join"), type="primary", width="stretch"):
            if join_household(slug, typed):
                st.rerun()
    if required:
        st.stop()
    return None


def leave_household() -> None:
    """Sign this phone out (退出): the session ends in the database at once, and the cookie is
    dropped on the next run (call st.rerun() after this)."""
    token = _household_token()
    if token:
        with transaction(engine()) as session:
            session_service.end_session(session, token)
    st.session_state.pop(state.HOUSEHOLD, None)
    st.session_state.pop(state.HOUSEHOLD_TOKEN, None)
    st.session_state[state.HOUSEHOLD_LEFT] = True
    st.session_state[state.HOUSEHOLD_FORGET] = True


def household_label(me: dict[str, Any]) -> str:
    return t("vote.household_label", b=me["building"], u=me["unit"], r=me["room"])


# ---------------------------------------------------------------- staff: sign in


def _staff_token() -> str | None:
    token = st.session_state.get(state.STAFF_TOKEN)
    if isinstance(token, str):
        return token
    return cookies.read(state.STAFF_COOKIE, ignore=bool(st.session_state.get(state.STAFF_LEFT)))


def current_staff() -> StaffIdentity | None:
    """The signed-in staff member, checked against the session on every run (a disabled
    account, a new password or a sign-out elsewhere ends it at once)."""
    token = _staff_token()
    who = None
    if token:
        with transaction(engine()) as session:
            who = session_service.staff_of(session, token)
    if who is None:
        st.session_state.pop(state.STAFF, None)
        st.session_state.pop(state.STAFF_TOKEN, None)
        return None
    st.session_state[state.STAFF_TOKEN] = token
    st.session_state[state.STAFF] = who
    return who


def _sign_out_staff() -> None:
    token = _staff_token()
    if token:
        with transaction(engine()) as session:
            session_service.end_session(session, token)
    st.session_state.pop(state.STAFF, None)
    st.session_state.pop(state.STAFF_TOKEN, None)
    st.session_state[state.STAFF_LEFT] = True
    st.session_state[state.STAFF_FORGET] = True


def may_edit(community_id: int) -> bool:
    """A signed-in admin or planner of this community (to show editing sections; the use cases
    check again)."""
    who = current_staff()
    return who is not None and who.role in EDITORS and who.may_work_in(community_id)


STAFF_PAGE = "cocreate_map/ui/pages/staff.py"


def staff_records(read: Callable[[Session], T]) -> T:
    """What a staff page shows, read by a use case that checks the signed-in account (its own
    community's staff, or its sub-district's admin read only). Refused: the page's sentence for
    a building chief or another community's account, else the use case's own words (another
    sub-district's admin); the page stops there."""
    try:
        with transaction(engine()) as session:
            return read(session)
    except PermissionDenied as exc:
        if exc.key in ("access.role", "access.other_community"):
            text = t("staff.not_for_role")
        else:
            text = exc.render(lang(), page=True)
        st.warning(text, icon=":material/lock:")
        st.stop()


def staff_entry() -> None:
    """The small "staff sign-in" link shown where a staff section is left out."""
    try:
        st.page_link(
            STAFF_PAGE,
            label=t("staff.entry"),
            icon=":material/badge:",
            query_params={"lang": state.lang()},
        )
    except StreamlitAPIException:  # the page runs alone (no navigation): a plain link
        st.markdown(f"[{t('staff.entry')}](/staff?lang={state.lang()})")


def staff_gate(form_key: str = "staff_sign_in") -> StaffIdentity:
    """The signed-in staff member, or the sign-in form (the page stops below it)."""
    if st.session_state.pop(state.STAFF_FORGET, False):
        cookies.write(state.STAFF_COOKIE, "", 0)
    who = current_staff()
    pending = st.session_state.pop(state.STAFF_COOKIE_PENDING, None)
    if who is not None:
        if pending:
            cookies.write(state.STAFF_COOKIE, pending, int(STAFF_LIFETIME.absolute.total_seconds()))
        if st.sidebar.button(t("staff.sign_out"), key="staff_sign_out"):
            _sign_out_staff()
            st.rerun()
        st.sidebar.caption(t("staff.signed_in_as", name=who.username, role=t(f"role.{who.role}")))
        return who
    with transaction(engine()) as session:
        accounts = len(staff_service.list_users(session))
    if not accounts and not config.get("admin_password"):
        st.warning(t("staff.locked"), icon=":material/lock:")
        st.stop()
    with st.form(form_key):
        user = st.text_input(t("staff.username"), key=f"{form_key}_user")
        password = st.text_input(t("staff.password"), type="password", key=f"{form_key}_pw")
        if st.form_submit_button(t("staff.sign_in"), type="primary"):
            identity = error = token = None
            with shown_errors(), transaction(engine()) as session:
                identity, error = staff_service.sign_in(
                    session, user, password, client=client_key()
                )
                if identity is not None:
                    token = session_service.open_staff_session(session, identity)
            if identity is not None and token is not None:
                st.session_state[state.STAFF_TOKEN] = token
                st.session_state[state.STAFF_COOKIE_PENDING] = token
                st.session_state.pop(state.STAFF_LEFT, None)
                st.rerun()
            if error is not None:
                st.error(error.render(lang()), icon=":material/lock:")
    st.stop()


def register_change_text(change: dict[str, Any]) -> str:
    """One register change in words: an import's counts, or an edit's fields before → after."""
    if change.get("what") == "import":
        return t(
            "results.change_import",
            created=change.get("created_count", len(change.get("created") or [])),
            updated=len(change.get("updated") or []),
        )
    fields = "；".join(
        f"{t('results.field.' + name)} {before if before is not None else '—'} → "
        f"{after if after is not None else '—'}"
        for name, (before, after) in (change.get("changed") or {}).items()
    )
    return t("results.change_edit", household=change.get("household", ""), fields=fields)
