"""The one place that turns a CocreateError into something a person reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from cocreate_map.errors import CocreateError


@contextmanager
def shown_errors() -> Iterator[None]:
    """Run a block; show a CocreateError as st.error instead of a traceback."""
    try:
        yield
    except CocreateError as exc:
        st.error(exc.message, icon=":material/warning:")
