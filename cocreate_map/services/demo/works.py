"""The demo works of 棉花小区 (seed 003): the residents chose the colour of the exterior walls —
"棉花白", the colour of cotton — in a ballot that closed and passed; the wall painting is in
progress with dated milestones and photos. A second, small work (stairwell lights of 2栋) is
done and accepted, so the map shows the three looks of a work. Everything goes through the
ordinary use cases (audited), at dates before "now"."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cocreate_map.domain.annotations import Category, Role
from cocreate_map.services import ballots
from cocreate_map.services import marks as marks_service
from cocreate_map.services import works as W
from cocreate_map.services.access import local_admin
from cocreate_map.services.demo.register import DEMO_SEEDED_CODES
from cocreate_map.services.households import households_of
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.tables import utcnow

WALL_BALLOT = "外墙刷什么颜色？"
WALL_CHOICES = ["灰色", "米黄色", "棉花白"]
#: votes in the demo ballot: 棉花白 wins clearly (seed 003: "与会的居民代表对'棉花白'纷纷赞同")
WALL_VOTES = {"棉花白": 41, "灰色": 8, "米黄色": 6}
WALL_WORK = "外墙粉刷（棉花白）"
LIGHTS_WORK = "2栋楼道灯更换"
#: the states of a demo wall mark the wall work takes up (a declined one stays declined)
WALL_MARK_STATES = ("published", "under_discussion", "adopted")


def _picture(wall: tuple[int, int, int], scaffold: bool, seed: int) -> bytes:
    """A simple drawing of a six-storey slab (a placeholder photo the demo can show)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (186, 215, 240))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 270, 480, 320], fill=(150, 160, 150))
    d.rectangle([40, 60, 440, 280], fill=wall, outline=(90, 90, 90), width=2)
    for row in range(6):
        for col in range(8):
            x, y = 60 + col * 48, 72 + row * 34
            d.rectangle([x, y, x + 26, y + 20], fill=(70, 90, 110))
    if scaffold:
        for x in range(30, 460, 36 + seed % 5):
            d.line([x, 50, x, 285], fill=(120, 80, 40), width=3)
        for y in range(60, 285, 44):
            d.line([30, y, 450, y], fill=(120, 80, 40), width=3)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _wall_ballot(session: Session, slug: str, t0: datetime) -> int:
    """The closed, passed colour ballot (created once; found by its title afterwards)."""
    for b in ballots.list_ballots(session, slug):
        if b.title == WALL_BALLOT:
            return b.id
    community = repo.community_by_slug(session, slug)
    opens, closes = t0, t0 + timedelta(days=7)
    ballot = ballots.create_ballot(
        session, slug, WALL_BALLOT, "simple-majority", choices=WALL_CHOICES, kind="choose-one",
        description="居民代表会上提出三种颜色，全体住户投票决定外墙颜色（征询意见）。",
        opens_at=opens, closes_at=closes, who=local_admin("demo"), now=opens,
    )  # fmt: skip
    voters = households_of(session, community.id)[DEMO_SEEDED_CODES:]  # demo codes stay free
    k = 0
    for choice, n in WALL_VOTES.items():
        for _ in range(n):
            paper = k % 3 == 0  # paper ballots are entered by staff
            ballots.cast_vote(
                session, ballot.id, voters[k].id, choice, "paper" if paper else "online",
                now=opens + timedelta(hours=2 + k), who=local_admin("demo") if paper else None,
            )  # fmt: skip
            k += 1
    ballots.close_ballot(session, ballot.id, who=local_admin("demo"), now=closes)
    return ballot.id


def load_demo_works(session: Session, slug: str) -> list[int]:
    """Create the demo works (idempotent: works that exist by title are kept). Returns the ids
    created."""
    existing = {w.title for w in W.list_works(session, slug)}
    staff = StaffIdentity("demo", Role.ADMIN)
    now = utcnow()
    t0 = now - timedelta(days=80)
    made = []
    if WALL_WORK not in existing:
        bid = _wall_ballot(session, slug, t0)
        buildings = W.building_labels(session, slug)
        # the residents' wall marks (11栋 "外墙皮一块块往下掉") follow the wall work (issue 14.3)
        walls = [
            m.id for m in marks_service.list_marks(session, slug)
            if m.category is Category.WALLS_FACADES and m.status.value in WALL_MARK_STATES
        ]  # fmt: skip
        w = W.create_work(
            session, slug, WALL_WORK, who=staff, ballot_id=bid, buildings=buildings,
            category="基础类", budget_fen=28_600_000, contractor="武汉棉花建设工程有限公司",
            planned_start=(t0 + timedelta(days=25)).date(),
            planned_end=(now + timedelta(days=30)).date(),
            description="全小区 12 栋楼外墙铲除空鼓、修补、粉刷，颜色按居民表决选定的“棉花白”。"
            "居民代表参与调色和上墙试色。",
            now=t0 + timedelta(days=9),
        )  # fmt: skip
        W.apply_action(session, w.id, "start", who=staff, now=t0 + timedelta(days=25))
        for day, pct, text, wall, scaffold in (
            (25, 5, "进场：搭设1-4栋脚手架，张贴施工公告和监督电话。", (150, 150, 145), True),
            (33, 20, "居民代表参与调色，上墙试色三次，定下最接近棉花颜色的“棉花白”。",
             (236, 234, 226), True),
            (48, 45, "1-4栋外墙铲除空鼓、修补完成，开始刷底漆。", (228, 226, 218), True),
            (66, 60, "1-4栋面漆完成，拆除脚手架；5-8栋脚手架搭好。", (246, 245, 240), False),
        ):  # fmt: skip
            W.post_milestone(
                session, w.id, text, pct, who=staff, happened_on=(t0 + timedelta(days=day)).date(),
                photos=[_picture(wall, scaffold, day)], now=t0 + timedelta(days=day, hours=10),
            )  # fmt: skip
        register = households_of(session, repo.community_by_slug(session, slug).id)
        for h, name in ((register[DEMO_SEEDED_CODES + 2], "杨大爷"), (register[-5], "")):
            W.volunteer(session, w.id, h.id, public_name=name, now=t0 + timedelta(days=20))
        if walls:  # linked after creating: the work's scope stays the buildings' walls
            W.link_marks(session, w.id, walls, who=staff, now=now - timedelta(days=1))
        made.append(w.id)
    if LIGHTS_WORK not in existing:
        w = W.create_work(
            session, slug, LIGHTS_WORK, who=staff, buildings=["2"], category="完善类",
            budget_fen=480_000, contractor="小区帮帮团", now=t0 + timedelta(days=5),
            planned_start=(t0 + timedelta(days=10)).date(),
            planned_end=(t0 + timedelta(days=14)).date(),
            description="2栋 1-6 层楼道灯换成声控 LED 灯。",
        )  # fmt: skip
        W.apply_action(session, w.id, "start", who=staff, now=t0 + timedelta(days=10))
        W.post_milestone(
            session, w.id, "2栋 1-6 层 12 盏楼道灯更换完毕，已逐层试亮。", 100, who=staff,
            happened_on=(t0 + timedelta(days=12)).date(), now=t0 + timedelta(days=12),
        )  # fmt: skip
        W.apply_action(session, w.id, "complete", who=staff, now=t0 + timedelta(days=12, hours=2))
        W.apply_action(session, w.id, "accept", who=staff, now=t0 + timedelta(days=14))
        made.append(w.id)
    return made
