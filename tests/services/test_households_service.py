"""Register import (CSV/XLSX, Chinese headers, all-or-nothing), codes, joining, the demo."""

from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.errors import InvalidInput
from cocreate_map.services import households as H
from cocreate_map.services.access import local_admin
from cocreate_map.storage.ballot_tables import AuditRow, HouseholdRow
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow


def n_households(engine):
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(HouseholdRow))


@pytest.fixture
def community(engine):
    with transaction(engine) as s:
        services.create_community(s, "estate", "测试小区", who=local_admin("test"))
    return "estate"


def test_import_csv_with_chinese_headers_then_update(engine, community, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(
        "楼栋,单元,房号,面积,业主,人数\n1栋,1,101,65.37,张三,3\n1,1,102,70.10,张三,\n", "utf-8"
    )
    with transaction(engine) as s:
        res = services.import_households(s, f, community, who=local_admin("test"))
    assert (res.created, res.updated, len(res.codes)) == (2, 0, 2)
    f.write_text("building,unit,room,area_m2\n1,1,101,65.40\n", "utf-8")
    with transaction(engine) as s:
        res = services.import_households(s, f, community, who=local_admin("test"))
        rows = {h.label: h for h in services.list_households(s, community)}
    assert (res.created, res.updated) == (0, 1)
    assert rows["1-1-101"].area_m2 == "65.40" and rows["1-1-102"].owner_id == "张三"


def test_import_xlsx(engine, community, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["楼栋", "单元", "房号", "面积"])
    ws.append([3, 1, 501, 88.5])
    ws.append([3, 2, 502, 90])
    f = tmp_path / "r.xlsx"
    wb.save(f)
    with transaction(engine) as s:
        res = services.import_households(s, f, community, who=local_admin("test"))
    assert res.created == 2
    with transaction(engine) as s:
        assert {h.area_m2 for h in services.list_households(s, community)} == {"88.50", "90.00"}


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(engine, community, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("楼栋,单元,房号,面积\n1,1,101,60\n1,1,102,六十\n1,1,101,61\n", "utf-8")
    with pytest.raises(InvalidInput, match=r"line 3.*line 4"):
        with transaction(engine) as s:
            services.import_households(s, f, community, who=local_admin("test"))
    assert n_households(engine) == 0
    f.write_text("building,room\n1,101\n", "utf-8")
    with pytest.raises(InvalidInput, match="lacks the column"):
        with transaction(engine) as s:
            services.import_households(s, f, community, who=local_admin("test"))


def test_join_with_code_regenerate_and_rate_limit(engine, community, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("building,unit,room,area_m2\n1,1,101,60\n", "utf-8")
    with transaction(engine) as s:
        [(label, code)] = services.import_households(s, f, community, who=local_admin("test")).codes
    with transaction(engine) as s:
        joined = services.join_with_code(s, community, code.lower().replace("-", " "))
    assert joined.household is not None and joined.household.label == label
    with transaction(engine) as s:
        [(_, new_code)] = services.regenerate_codes(s, community, who=local_admin("test"))
    with transaction(engine) as s:
        assert services.join_with_code(s, community, code).household is None  # old code dead
        assert services.join_with_code(s, community, new_code).household is not None
    now = utcnow()
    guesser = "203.0.113.9|tab-1"
    for k in range(H.JOIN_MAX_FAILURES):
        with transaction(engine) as s:
            wrong = services.join_with_code(s, community, WRONG[k], now, client=guesser)
        assert wrong.household is None
    assert wrong.left == 0 and wrong.locked_until is not None  # locked at the last guess
    with transaction(engine) as s:  # the guesser is refused even with the right code …
        refused = services.join_with_code(s, community, new_code, now, client=guesser)
    assert refused.household is None and refused.throttled
    with transaction(engine) as s:  # … the neighbours are not
        other = services.join_with_code(s, community, new_code, now, client="198.51.100.4|t")
    assert other.household is not None
    with transaction(engine) as s:  # the lock ends
        later = now + H.JOIN_CLIENT.base_lock + timedelta(seconds=1)
        again = services.join_with_code(s, community, new_code, later, client=guesser)
    assert again.household is not None
    with pytest.raises(InvalidInput, match="never contain"):
        with transaction(engine) as s:
            services.join_with_code(s, community, "OOO-OOO-OOOO", later)


WRONG = [f"ABC-DEF-GH{a}{b}" for a in "HJKMN" for b in "PQRST"]


def test_demo_has_a_register_and_the_published_demo_codes_work(engine):
    with transaction(engine) as s:
        services.load_demo(s)
    with transaction(engine) as s:
        rows = services.list_households(s, services.DEMO_SLUG)
        assert len(rows) == 300
        assert {h.building for h in rows} == {str(i) for i in range(1, 13)}
        assert all(45 <= float(h.area_m2) <= 90 for h in rows)
        for label, code in services.demo_codes():
            joined = services.join_with_code(s, services.DEMO_SLUG, code)
            assert joined.household is not None and joined.household.label == label
        assert s.scalar(select(func.count()).select_from(AuditRow)) >= 1
