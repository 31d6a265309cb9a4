"""The demo funds of 棉花小区 (seed 003): at the fundraising meeting the residents, the former
employer 棉花公司 and the old party member 杨继安 (¥15,000, who agreed to be named) raised the
自治公益金 of ¥73,000. It pays for the 棉花白 wall painting and the stairwell lights: expenses
with receipt photos, approved by a second account (one still waiting), one double entry
reversed; residents and the 帮帮团 give volunteer hours, valued at ¥25/hour. Everything goes
through the ordinary use cases (audited), at dates before "now"."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cocreate_map.domain.annotations import Role
from cocreate_map.services import funds as F
from cocreate_map.services import works as W
from cocreate_map.services.demo.works import LIGHTS_WORK, WALL_WORK
from cocreate_map.services.households import households_of
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.tables import utcnow

TEAM = "棉花小区帮帮团"
#: (amount, consent) of household gifts at the meeting: 38 households, ¥38,000 together
HOUSEHOLD_GIFTS = [("2000.00", True), ("2000.00", False), ("1500.00", True)] + [
    ("1000.00", i % 3 == 0) for i in range(25)
] + [("750.00", i % 2 == 0) for i in range(10)]  # fmt: skip


def _receipt(lines: list[str], seed: int) -> bytes:
    """A drawn receipt (发票/收据) the demo can show as its photo."""
    from PIL import Image, ImageDraw, ImageFont

    from cocreate_map.io.reports_ballots import cjk_font

    img = Image.new("RGB", (420, 300), (238, 232, 220))
    d = ImageDraw.Draw(img)
    d.rectangle([20, 20, 400, 280], fill=(255, 253, 246), outline=(190, 60, 60), width=3)
    try:
        path, index = cjk_font()
        font = ImageFont.truetype(str(path), 22, index=index)
        small = ImageFont.truetype(str(path), 16, index=index)
    except Exception:  # noqa: BLE001 - no CJK font: a receipt without text still shows
        font = small = ImageFont.load_default()
    d.text((40, 34), "收  据", fill=(190, 60, 60), font=font)
    for i, line in enumerate(lines):
        d.text((40, 80 + i * 34), line, fill=(40, 40, 40), font=small)
    d.ellipse([300, 190, 380, 270], outline=(200, 40, 40), width=3)
    d.text((318, 218), f"No.{seed}", fill=(200, 40, 40), font=small)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def load_demo_funds(session: Session, slug: str) -> int:
    """Create the demo ledger once (nothing when the community has entries). Returns the number
    of ledger entries made."""
    community = repo.community_by_slug(session, slug)
    if F.list_entries(session, slug, limit=1):
        return 0
    works = {w.title: w.id for w in W.list_works(session, slug)}
    wall, lights = works.get(WALL_WORK), works.get(LIGHTS_WORK)
    treasurer = StaffIdentity("demo.treasurer", Role.ADMIN, community.id)
    reviewer = StaffIdentity("demo.reviewer", Role.PLANNER, community.id)
    now = utcnow()
    t0 = now - timedelta(days=80)

    def at(day: int, hour: int = 10) -> datetime:
        return t0 + timedelta(days=day, hours=hour)

    made = 0
    meeting = at(3).date()
    F.add_entry(
        session, treasurer, slug, "donation", "15000.00", donor="杨继安", consent=True,
        method="cash", receipt_no="MH-2022-001", occurred_on=meeting,
        note="“小区就是我的家，共同缔造必须要有我一份！”", now=at(3),
        photo=_receipt(["今收到 杨继安", "捐赠 自治公益金", "人民币 壹万伍仟元整", "¥15,000.00"], 1),
    )  # fmt: skip
    F.add_entry(
        session, treasurer, slug, "contribution", "20000.00", donor="棉花公司", source="unit",
        method="transfer", receipt_no="MH-2022-002", occurred_on=meeting, now=at(3, 11),
    )  # fmt: skip
    made += 2
    register = households_of(session, community.id)
    donors = register[10 : 10 + len(HOUSEHOLD_GIFTS)]
    for k, (h, (amount, consent)) in enumerate(zip(donors, HOUSEHOLD_GIFTS, strict=False)):
        F.add_entry(
            session, treasurer, slug, "donation", amount,
            household=f"{h.building}-{h.unit}-{h.room}", consent=consent,
            method=("cash", "wechat", "transfer")[k % 3], receipt_no=f"MH-2022-{k + 3:03d}",
            occurred_on=meeting, now=at(3, 12) + timedelta(minutes=k),
        )  # fmt: skip
        made += 1
    if wall is None or lights is None:
        return made
    expenses = [
        (lights, "4800.00", "小区帮帮团（灯具材料）", "FP-0311", 11, True,
         ["2栋楼道声控LED灯 12盏", "灯具及线材", "¥4,800.00"]),
        (wall, "600.00", "新堤涂料经营部", "FP-0412", 33, True, ["试色样板 3块", "¥600.00"]),
        (wall, "12800.00", "新堤涂料经营部", "FP-0418", 40, True,
         ["外墙乳胶漆（棉花白）", "20桶 × ¥640", "¥12,800.00"]),
        (wall, "9600.00", "武汉棉花建设工程有限公司", "FP-0502", 50, True,
         ["1-4栋外墙修补人工", "¥9,600.00"]),
        (wall, "1200.00", "新堤脚手架租赁站", "FP-0530", 70, False, ["脚手架租赁 15天", "¥1,200.00"]),
    ]  # fmt: skip
    ids = []
    for work_id, amount, payee, receipt, day, approve, lines in expenses:
        e = F.add_entry(
            session, treasurer, slug, "expense", amount, work_id=work_id, payee=payee,
            receipt_no=receipt, method="transfer", occurred_on=at(day).date(), now=at(day),
            photo=_receipt(lines, day),
        )  # fmt: skip
        made += 1
        ids.append(e.id)
        if approve:
            F.approve_entry(session, reviewer, e.id, now=at(day + 1))
    # the paint invoice typed in twice: the second is reversed, never deleted
    twice = F.add_entry(
        session, treasurer, slug, "expense", "12800.00", work_id=wall, payee="新堤涂料经营部",
        receipt_no="FP-0418", method="transfer", occurred_on=at(40).date(), now=at(40, 15),
    )  # fmt: skip
    F.reverse_entry(
        session, reviewer, twice.id, "重复记账：发票 FP-0418 已在前一笔记过", now=at(41)
    )
    made += 2
    F.set_setting(session, treasurer, slug, "labour_rate_yuan_per_hour", "25", now=at(20))
    F.add_team(session, treasurer, slug, TEAM)
    helpers = [
        ("杨志勇", 12, "组织居民清理楼道杂物、搬移花草", "8", True),
        ("刘奶奶", 30, "参与调色和上墙试色", "3", True),
        ("王大爷", 26, "拆除自家防盗护栏，配合搭脚手架", "4.5", True),
        ("刘大爷", 28, "提出并协助预留洗衣机水管", "2", True),
        ("", 27, "清洗水箱、擦洗墙面", "6", False),
        ("", 45, "搬运涂料、清扫建筑垃圾", "5.5", False),
    ]
    for k, (name, day, task, hours, show) in enumerate(helpers):
        household = None
        if not name:
            h = register[40 + k]
            household = f"{h.building}-{h.unit}-{h.room}"
        info = F.add_labour(
            session, treasurer, slug, wall, hours, person=name or None, household=household,
            task=task, worked_on=at(day).date(), team=TEAM if k % 2 == 0 else None,
            show_name=show, now=at(day, 18),
        )  # fmt: skip
        if k < len(helpers) - 1:  # the newest hours still wait for a check
            F.verify_labour(session, reviewer, info.id, now=at(day + 1))
    return made
