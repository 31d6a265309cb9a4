"""Violation texts in the reader's language (issue 10.9): every key the metrics raise is in both
catalogs with the same parameters, the Chinese is Chinese, and element labels render per
language."""

import re
import string
from pathlib import Path

from shapely import box

from cocreate_map.domain.elements import Kind, PlanElement
from cocreate_map.domain.metrics import compute_metrics
from cocreate_map.i18n import catalog

METRICS = Path(__file__).resolve().parents[2] / "cocreate_map" / "domain" / "metrics.py"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _keys_in_code() -> set[str]:
    return set(re.findall(r'_violation\(\s*"R\w+",\s*"(\w+)"', METRICS.read_text("utf-8")))


def test_every_violation_key_is_in_both_catalogs_with_the_same_parameters():
    keys = _keys_in_code()
    assert len(keys) >= 12, keys
    fmt = string.Formatter()
    for key in keys:
        en, zh = catalog("en")[f"violation.{key}"], catalog("zh")[f"violation.{key}"]
        assert {f[1] for f in fmt.parse(zh) if f[1]} == {f[1] for f in fmt.parse(en) if f[1]}, key
        assert HAN.search(zh), key
        words = re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", "", zh))
        assert not words, (key, words)


def test_a_narrow_unnamed_stall_reads_in_chinese_and_in_english():
    stall = PlanElement(Kind.PARKING_STALL, box(0, 20, 2.3, 25.3), id=7)
    lawn = PlanElement(Kind.GREEN_BELT, box(0, 0, 100, 10))
    m = compute_metrics([lawn, stall], box(0, 0, 100, 100))
    narrow = next(v for v in m.violations if v.key == "stall_narrow")
    assert narrow.render("en") == narrow.message == "parking_stall#7 is 2.30 m wide, below 2.4 m"
    assert narrow.render("zh") == "停车位#7 宽 2.30 米，小于 2.4 米"
    for v in m.violations:
        assert not re.search(r"[A-Za-z]{3,}", v.render("zh")), v.render("zh")
