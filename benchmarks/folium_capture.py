"""What ``st_folium`` would send the browser for one render, captured instead of sent.

Shared by the map benchmarks: the payload a rerun costs is the JSON of these arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import streamlit_folium


def captured_args(render: Callable[[], object]) -> dict[str, Any]:
    """Run ``render`` (which calls ``st_folium``) with the component swapped for a recorder."""
    captured: dict[str, Any] = {}

    def fake_component(**kwargs: Any) -> dict[str, Any]:
        captured.update(kwargs)
        return {}

    original = streamlit_folium._component_func
    streamlit_folium._component_func = fake_component
    try:
        render()
    finally:
        streamlit_folium._component_func = original
    captured.pop("on_change", None)
    return captured


def payload_bytes(args: dict[str, Any]) -> int:
    return len(json.dumps(args, ensure_ascii=False).encode("utf-8"))
