"""Helpers for the marks tests: the demo community, its households, places and staff."""

from __future__ import annotations

import io
from dataclasses import dataclass

from shapely.geometry import Point
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.domain.annotations import Role
from cocreate_map.services import households as H
from cocreate_map.services import marks as M
from cocreate_map.services.access import local_admin
from cocreate_map.services.demo import register as DR
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.db import transaction
from cocreate_map.storage.mark_tables import MarkRow

SLUG = "cotton-compound"
#: representative points of demo buildings 1 and 2 (WGS-84), inside the community
B1 = Point(114.33518225, 30.5314264)
B2 = Point(114.33601529938827, 30.5314435)
#: metres per degree near 30.53° N
M_PER_DEG_LAT = 110_860.0
M_PER_DEG_LON = 95_980.0


def offset(p: Point, east_m: float = 0.0, north_m: float = 0.0) -> Point:
    return Point(p.x + east_m / M_PER_DEG_LON, p.y + north_m / M_PER_DEG_LAT)


@dataclass(frozen=True)
class Demo:
    slug: str
    community_id: int
    households: dict[str, int]  # "1-1-101" → id

    def hh(self, label: str) -> int:
        return self.households[label]


def load_demo(engine) -> Demo:  # noqa: ANN001
    """The demo community (map + 300 households) without its demo marks: tests start empty."""
    with transaction(engine) as s:
        services.import_file(
            s, services.DEMO_FILE, SLUG, create_name=services.DEMO_NAME, who=local_admin("test")
        )
        DR.add_demo_households(s, SLUG)
    with transaction(engine) as s:
        cid = repo.community_by_slug(s, SLUG).id
        ids = {h.label: h.id for h in H.list_households(s, SLUG)}
    return Demo(SLUG, cid, ids)


def planner(demo: Demo | None = None, name: str = "planner") -> StaffIdentity:
    return StaffIdentity(name, Role.PLANNER, demo.community_id if demo else None)


def chief(demo: Demo, *buildings: str) -> StaffIdentity:
    return StaffIdentity("chief", Role.BUILDING_CHIEF, demo.community_id, tuple(buildings))


def submit(engine, household_id, text="路灯不亮", category="lighting", where=B1, **kw) -> int:  # noqa: ANN001
    with transaction(engine) as s:
        return M.submit_mark(s, SLUG, household_id, category, text, where, **kw).mark.id


def act(engine, mark_id, *actions, staff=None, reason="理由") -> None:  # noqa: ANN001
    for a in actions:
        with transaction(engine) as s:
            M.apply_action(s, mark_id, a, staff or planner(), reason=reason)


def published(engine, household_id, *args, **kw) -> int:  # noqa: ANN001
    mark_id = submit(engine, household_id, *args, **kw)
    act(engine, mark_id, "publish")
    return mark_id


def status(engine, mark_id) -> str:  # noqa: ANN001
    with transaction(engine) as s:
        return M.get_mark(s, mark_id).status.value


def n_marks(engine) -> int:  # noqa: ANN001
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(MarkRow)) or 0


def audit_actions(engine, community_id: int) -> list[str]:  # noqa: ANN001
    with transaction(engine) as s:
        return [a for (a,) in s.execute(
            select(AuditRow.action).where(AuditRow.community_id == community_id)
            .order_by(AuditRow.seq)
        )]  # fmt: skip


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A real JPEG whose EXIF carries a camera model and a GPS position (+ a JPEG comment)."""
    from PIL import Image

    img = Image.new("RGB", size, (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (30.0, 31.0, 52.0), 3: "E", 4: (114.0, 20.0, 5.0)})
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, comment=b"home 1-1-101")
    return buf.getvalue()


def png_bytes(size: tuple[int, int] = (30, 20)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(buf, "PNG")
    return buf.getvalue()
