"""Meeting mode (issue 6). ``?view=projector`` (or the button) turns the page into a full-screen
view for a 1920×1080 projector: no app chrome, figures ≥ 32 px, Chinese first. The host steps
through the panels (map · options · ballot · result · works · story · convention) with the
buttons or the ← → keys; each panel is a shareable link
``?community=…&view=projector&panel=…&ballot=ID`` (the story panel takes ``&work=ID``, the
convention panel ``&convention=ID``). This page reads the address, draws the header and the
navigation, and shows one panel from ui/meeting_panels.py."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cocreate_map.services import meeting as meeting_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import meeting_panels as panels
from cocreate_map.ui import widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import t

PANELS = meeting_service.PANELS

# ---------------------------------------------------------------- state from the address

community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
projector = st.query_params.get("view") == "projector"
panel = st.query_params.get("panel") or ("ballot" if projector else "map")
if panel not in PANELS:
    panel = "map"
if st.query_params.get("panel") != panel:
    st.query_params["panel"] = panel

with transaction(engine()) as session:
    ballots = meeting_service.meeting_ballots(session, slug)
ids = [b.id for b in ballots]
wanted = widgets.id_param("ballot")
ballot_id: int | None = wanted if wanted in ids else (ids[0] if ids else None)

st.markdown(panels.BASE_CSS, unsafe_allow_html=True)
if projector:
    st.markdown(panels.PROJECTOR_CSS, unsafe_allow_html=True)


def go(to: str) -> None:
    st.query_params["panel"] = to


def step(delta: int) -> None:
    i = PANELS.index(st.query_params.get("panel") or panel)
    st.query_params["panel"] = PANELS[(i + delta) % len(PANELS)]


def set_view(on: bool) -> None:
    if on:
        st.query_params["view"] = "projector"
    elif "view" in st.query_params:
        del st.query_params["view"]


# ---------------------------------------------------------------- header and navigation

title_col, nav_col = st.columns([2, 3] if projector else [1, 1], vertical_alignment="center")
title_col.title(f"{escape_markdown(community.name)} · {t(f'meeting.panel.{panel}')}")
if not projector:
    st.caption(t("meeting.intro"))
    if ballots:
        labels = {b.id: f"#{b.id} {b.title} · {t(f'ballots.status.{b.status}')}" for b in ballots}
        picked = st.selectbox(
            t("meeting.pick_ballot"),
            ids,
            index=ids.index(ballot_id) if ballot_id in ids else 0,
            format_func=labels.__getitem__,
            key="meeting_ballot_pick",
        )
        ballot_id = picked
with nav_col:
    cols = st.columns(len(PANELS) + 2 if projector else len(PANELS))
    if projector:
        cols[0].button("◀", key="meeting_prev", on_click=step, args=(-1,), width="stretch")
        for c, name in zip(cols[1:-1], PANELS, strict=True):
            c.button(
                t(f"meeting.panel.{name}"),
                key=f"meeting_go_{name}",
                on_click=go,
                args=(name,),
                type="primary" if name == panel else "secondary",
                width="stretch",
            )
        cols[-1].button("▶", key="meeting_next", on_click=step, args=(1,), width="stretch")
    else:
        for c, name in zip(cols, PANELS, strict=True):
            c.button(
                t(f"meeting.panel.{name}"),
                key=f"meeting_go_{name}",
                on_click=go,
                args=(name,),
                type="primary" if name == panel else "secondary",
                width="stretch",
            )
if ballot_id is not None and st.query_params.get("ballot") != str(ballot_id):
    st.query_params["ballot"] = str(ballot_id)

if projector:
    # ← → step through the panels: clicks the ◀ ▶ buttons of the parent document.
    st.container(key="meeting_keys").iframe(
        """<script>
        const doc = window.parent.document;
        if (!window.parent.__ccMeetingKeys) {
          window.parent.__ccMeetingKeys = true;
          doc.addEventListener('keydown', (e) => {
            const tag = (e.target && e.target.tagName) || '';
            if (tag === 'INPUT' || tag === 'TEXTAREA') return;
            const key = e.key === 'ArrowRight' || e.key === 'PageDown' ? 'meeting_next'
              : e.key === 'ArrowLeft' || e.key === 'PageUp' ? 'meeting_prev' : null;
            if (!key) return;
            const b = doc.querySelector('.st-key-' + key + ' button');
            if (b) { e.preventDefault(); b.click(); }
          });
        }
        </script>""",
        height=1,
    )
else:
    st.button(
        t("meeting.projector"),
        icon=":material/slideshow:",
        key="meeting_projector",
        on_click=set_view,
        args=(True,),
        type="primary",
    )


# ---------------------------------------------------------------- the panel shown

if panel == "map":
    panels.map_panel(slug, projector)
elif panel == "works":
    panels.works_panel(slug, projector)
elif panel == "story":
    panels.story_panel(slug, projector)
elif panel == "convention":
    panels.convention_panel(slug, projector)
elif panel == "options":
    panels.options_panel(slug)
elif ballot_id is None:
    st.info(t("meeting.no_ballot"))
elif panel == "ballot":
    panels.ballot_panel(slug, ballot_id, next(b.title for b in ballots if b.id == ballot_id))
else:
    panels.result_reveal(ballot_id)

if projector:  # pinned to the top right corner (PROJECTOR_CSS): in view on every panel
    st.button(
        t("meeting.exit_projector"),
        icon=":material/close_fullscreen:",
        key="meeting_exit",
        on_click=set_view,
        args=(False,),
    )
else:
    st.caption(t("meeting.share"))
    params: dict[str, Any] = {"community": slug, "view": "projector", "panel": panel}
    if ballot_id is not None:
        params["ballot"] = ballot_id
    st.code("?" + "&".join(f"{k}={v}" for k, v in params.items()), language=None)
    st.caption(escape_markdown(t("meeting.pack_hint")))
    st.code(f"cocreate meeting-pack {ballot_id or 'ID'} --out pack.pdf", language="bash")
