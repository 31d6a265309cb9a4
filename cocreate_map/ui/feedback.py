"""The one place that turns a CocreateError into something a person reads, and the one action
runner: a use case in one transaction, the commit, then what the person is told."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from cocreate_map.errors import CocreateError
from cocreate_map.ui import state
from cocreate_map.ui.state import lang

T = TypeVar("T")

# A note shown on the run after a commit: (kind, text, icon); kind is "success", "info" or
# "warning" (the st.* function that shows it).
Note = tuple[str, str, str | None]


@dataclass
class Outcome:
    """What :func:`shown_errors` saw: ``failed`` once a CocreateError was shown."""

    failed: bool = False


@contextmanager
def shown_errors(
    *, warning: bool = False, icon: str | None = ":material/warning:", page: bool = True
) -> Iterator[Outcome]:
    """Run a block; show a CocreateError as st.error (``warning=True``: st.warning) instead of
    a traceback. ``as outcome`` tells the caller afterwards whether it failed. ``page=False``
    renders the message as the command line would (no ``.page`` variant)."""
    outcome = Outcome()
    try:
        yield outcome
    except CocreateError as exc:
        outcome.failed = True
        show = st.warning if warning else st.error
        show(exc.render(lang(), page=page), icon=icon)


def act(
    work: Callable[[Session], T],
    success: str | Callable[[T], str | Sequence[Note]] | None = None,
    *,
    then: Callable[[T], Any] | None = None,
    icon: str | None = None,
    refused: Callable[[CocreateError], object] | None = None,
) -> bool:
    """Run one user action in one transaction; True when it committed. A CocreateError is shown
    (or handed to ``refused``, e.g. to show it next to the control after a rerun) and nothing is
    written.

    Without ``success``: call ``st.rerun()`` *after* this returns (a rerun raised inside the
    transaction would roll the action back). ``then(result)`` runs after the commit (keep what
    the action returned in the session, say).

    With ``success`` (a text, or a function of what ``work`` returned giving a text or a list
    of :data:`Note`): after the commit (and ``then``) the notes are kept in the session and the
    page reruns; the page shows them with :func:`shown_notes`. A text is shown with
    st.success and ``icon``."""
    from cocreate_map.storage.db import transaction
    from cocreate_map.ui.resources import engine

    try:
        with transaction(engine()) as session:
            result = work(session)
    except CocreateError as exc:
        if refused is not None:
            refused(exc)
        else:
            st.error(exc.render(lang(), page=True), icon=":material/warning:")
        return False
    if then is not None:
        then(result)
    if success is None:
        return True
    told = success(result) if callable(success) else success
    notes = [("success", told, icon)] if isinstance(told, str) else list(told)
    st.session_state[state.NOTES] = notes
    st.rerun()


def shown_notes() -> None:
    """Show, once, the notes the last committed action left (see :func:`act`)."""
    for kind, text, icon in st.session_state.pop(state.NOTES, []):
        getattr(st, kind)(text, icon=icon)
