"""The demo's 共评·共享 (seed 003): the first phase of the 棉花白 wall work (buildings 1–4)
finished and rated by part of their households (five-star reviews, a few reservations), and the
seven-article sanitation convention signed by half of the households. Loaded through the same use cases the app uses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from cocreate_map.domain.annotations import Role
from cocreate_map.services import conventions as C
from cocreate_map.services import evaluation as E
from cocreate_map.services import works as W
from cocreate_map.services.demo.register import DEMO_SEEDED_CODES
from cocreate_map.services.demo.works import WALL_WORK
from cocreate_map.services.households import households_of
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.tables import utcnow

PHASE_ONE = "外墙粉刷一期（1-4栋）"
PHASE_ONE_BUILDINGS = ("1", "2", "3", "4")
CONVENTION = "棉花小区卫生公约"
ARTICLES = (
    "生活垃圾分类投放，定时定点，不乱扔乱倒。",
    "楼道、消防通道不堆放杂物，不停放电动车。",
    "电动车到集中棚充电，不私拉电线“飞线”充电。",
    "爱护绿地和花木，不在绿地上种菜、停车。",
    "文明养犬，及时清理犬只粪便。",
    "晾晒衣物到公共晾晒区，不占用通道。",
    "每月第一个周六参加楼栋卫生大扫除，楼栋长轮流检查并公示。",
)
# stars of the households that rate, in order (about 60 % of them rate)
STARS_CYCLE = (5, 5, 4, 5, 5, 4, 5, 3, 5, 4, 5, 5, 2, 5, 4)
COMMENTS = {
    2: "三楼窗下还有一块没刷匀。",
    3: "颜色好看，但施工时灰尘有点大。",
    5: "像新房子一样，谢谢大家！",
}


def load_demo_evaluation(session: Session, slug: str) -> None:
    community = repo.community_by_slug(session, slug)
    staff = StaffIdentity("demo", Role.ADMIN)
    now = utcnow()
    register = households_of(session, community.id)
    voters = register[DEMO_SEEDED_CODES:]  # the README's demo codes stay free to try
    if not any(w.title == PHASE_ONE for w in W.list_works(session, slug)):
        wall = next((w for w in W.list_works(session, slug) if w.title == WALL_WORK), None)
        t0 = now - timedelta(days=60)
        work = W.create_work(
            session, slug, PHASE_ONE, who=staff, ballot_id=None if wall is None else wall.ballot_id,
            buildings=list(PHASE_ONE_BUILDINGS), category="基础类", budget_fen=9_600_000,
            contractor="武汉棉花建设工程有限公司",
            description="外墙粉刷的第一期：1-4栋铲除空鼓、修补、刷“棉花白”面漆，先完工先评价。",
            now=t0,
        )  # fmt: skip
        W.apply_action(session, work.id, "start", who=staff, now=t0 + timedelta(days=1))
        W.post_milestone(
            session, work.id, "1-4栋面漆完成，脚手架拆除，居民代表和监督员逐栋查看。", 100,
            who=staff, happened_on=(now - timedelta(days=6)).date(), now=now - timedelta(days=6),
        )  # fmt: skip
        W.apply_action(session, work.id, "complete", who=staff, now=now - timedelta(days=5))
        concerned = [h for h in voters if h.building in PHASE_ONE_BUILDINGS]
        raters = [h for k, h in enumerate(concerned) if k % 5 in (0, 1, 3)]  # 3 in 5 rate
        for i, h in enumerate(raters):
            stars = STARS_CYCLE[i % len(STARS_CYCLE)]
            E.rate_work(
                session, work.id, h.id, stars, COMMENTS.get(stars, "") if i % 4 == 0 else "",
                paper=i % 3 == 0, who=staff, now=now - timedelta(days=4) + timedelta(hours=i % 48),
            )  # fmt: skip
    convention = C.create_convention(
        session, slug, CONVENTION, "\n".join(ARTICLES), who=staff, now=now - timedelta(days=40)
    )
    for i, h in enumerate(voters[: len(register) // 2]):
        C.sign(
            session,
            convention.id,
            h.id,
            paper=i % 2 == 0,
            who=staff,
            now=now - timedelta(days=39 - i % 30),
        )
