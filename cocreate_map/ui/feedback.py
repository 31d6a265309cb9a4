"""The one place that turns a CocreateError into something a person reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.orm import Session

from cocreate_map.errors import CocreateError
from cocreate_map.ui.state import lang


@contextmanager
def shown_errors() -> Iterator[None]:
    """Run a block; show a CocreateError as st.error instead of a traceback."""
    try:
        yield
    except CocreateError as exc:
        st.error(exc.render(lang(), page=True), icon=":material/warning:")


def act(
    work: Callable[[Session], object],
    refused: Callable[[CocreateError], object] | None = None,
) -> bool:
    """Run one user action in one transaction; True when it committed. A CocreateError is shown
    (or handed to ``refused``, e.g. to show it next to the control after a rerun) and nothing is
    written. Call ``st.rerun()`` *after* this returns: a rerun raised inside the transaction
    would roll the action back."""
    from cocreate_map.storage.db import transaction
    from cocreate_map.ui.resources import engine

    try:
        with transaction(engine()) as session:
            work(session)
    except CocreateError as exc:
        if refused is not None:
            refused(exc)
        else:
            st.error(exc.render(lang(), page=True), icon=":material/warning:")
        return False
    return True
