"""Issue 11.14: visitors never see tracebacks with server paths: the Streamlit config turns error
details off with an option and a value the installed Streamlit knows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config as st_config

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def test_error_details_are_off_for_visitors():
    value = tomllib.loads(CONFIG.read_text())["client"]["showErrorDetails"]
    assert "client.showErrorDetails" in st_config._config_options_template
    assert value in ("none", False)
    st_config.set_option("client.showErrorDetails", value)  # a value this Streamlit accepts
    assert st_config.get_option("client.showErrorDetails") == value
