"""The demo residents' marks (data/demo/cotton_marks.json), brought to their states through the
ordinary use cases."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import shapely
import shapely.geometry
from sqlalchemy.orm import Session

from cocreate_map import config
from cocreate_map.domain.annotations import Action, Status
from cocreate_map.errors import (
    InvalidInput,
)
from cocreate_map.io import crs as crs_io
from cocreate_map.services.access import local_admin
from cocreate_map.services.demo.register import DEMO_SEEDED_CODES
from cocreate_map.services.households import households_of
from cocreate_map.services.marks import (
    apply_action,
    rate_mark,
    submit_mark,
)
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.mark_tables import MarkSupportRow
from cocreate_map.storage.tables import utcnow

DEMO_MARKS_FILE = config.PROJECT_ROOT / "data" / "demo" / "cotton_marks.json"
_PATH_TO: dict[str, list[Action]] = {
    "submitted": [],
    "published": [Action.PUBLISH],
    "under_discussion": [Action.PUBLISH, Action.DISCUSS],
    "adopted": [Action.PUBLISH, Action.ADOPT],
    "declined": [Action.PUBLISH, Action.DECLINE],
    "in_progress": [Action.PUBLISH, Action.ADOPT, Action.START],
    "resolved": [Action.PUBLISH, Action.ADOPT, Action.START, Action.RESOLVE],
    "evaluated": [Action.PUBLISH, Action.ADOPT, Action.START, Action.RESOLVE],
}


def load_demo_marks(session: Session, slug: str, path: Path = DEMO_MARKS_FILE) -> int:
    """The demo residents' marks (data/demo/cotton_marks.json), brought to their states through
    the ordinary use cases, with "me too", official replies and ratings. Returns the count."""
    community = repo.community_by_slug(session, slug)
    epsg = community.metric_epsg
    spec = json.loads(path.read_text(encoding="utf-8"))
    anchors = {
        r.source_id: crs_io.to_metric(r.geometry, epsg).centroid
        for r in repo.elements_of(session, community.id)
        if r.source_id
    }
    register = households_of(session, community.id)
    by_label = {f"{h.building}-{h.unit}-{h.room}": h.id for h in register}
    crowd = [h.id for h in register[DEMO_SEEDED_CODES:]]  # the public demo codes stay free
    staff = local_admin("demo")
    t0 = utcnow() - timedelta(days=40)
    for i, m in enumerate(spec["marks"]):
        anchor = anchors.get(m["near"])
        if anchor is None:
            raise InvalidInput(key="mark_files.demo_mark_element_load", i=i + 1, m=m["near"])
        point = crs_io.to_wgs84(
            shapely.geometry.Point(anchor.x + m.get("dx", 0), anchor.y + m.get("dy", 0)), epsg
        )
        author = by_label.get(m["household"]) if m.get("household") else None
        when = t0 + timedelta(days=i * 2)
        mark = submit_mark(
            session, slug, author, m["category"], m["text"], point, safety=m.get("safety"),
            source="online" if author else "paper", staff=None if author else staff, now=when,
        ).mark  # fmt: skip
        step = when
        for action in _PATH_TO[m["status"]]:
            if action is Action.PUBLISH and mark.status is not Status.SUBMITTED:
                continue  # paper opinions are published as they are entered
            step += timedelta(days=1)
            reason = m.get("reason") if action is Action.DECLINE else None
            reply = m.get("reply") if action in (Action.ADOPT, Action.RESOLVE) else None
            if action is Action.ADOPT and m["status"] in ("resolved", "evaluated"):
                reply = None  # the reply comes with the resolution
            apply_action(
                session, mark.id, action.value, staff, reason=reason, reply=reply, now=step
            )
        supporters = [h for h in crowd if h != author]
        offset = (i * 37) % max(1, len(supporters))
        picked = (supporters[offset:] + supporters[:offset])[: m.get("supports", 0)]
        if m["status"] != "submitted":
            for k, h in enumerate(picked):
                _demo_support(session, mark.id, h, when + timedelta(hours=k + 1))
        for k, stars in enumerate(m.get("ratings", [])):
            rate_mark(session, mark.id, picked[k], stars, now=step + timedelta(days=1, hours=k))
    return len(spec["marks"])


def _demo_support(session: Session, mark_id: int, household_id: int, when: datetime) -> None:
    """A "me too" at a given time, whatever the mark's state now (the demo's history)."""
    session.add(MarkSupportRow(mark_id=mark_id, household_id=household_id, created_at=when))
