"""The metric catalogue (metric_catalogue.py): one entry for every key ``Metrics.scalars()`` can
produce, labels present in both catalogs, and the directions the comparison table judges by."""

import re

import pytest
from shapely import Point, box

from cocreate_map.domain.elements import FacilityType, Kind, PlanElement
from cocreate_map.domain.layout import COMPARISON_ROWS, best_columns
from cocreate_map.domain.metric_catalogue import (
    CATALOGUE,
    COST_CATEGORY_LABEL,
    MEETING_METRICS,
    WALK_300_LABEL,
    metric_spec,
)
from cocreate_map.domain.metrics import RULES, compute_metrics
from cocreate_map.domain.options import Change, LayoutOption, apply
from cocreate_map.i18n import catalog

SITE = box(0, 0, 100, 100)


def _every_scalar_key() -> set[str]:
    """Scalars of a small site that has a facility of every type (each gets a walk_coverage
    key) and an option that costs something in every category."""
    house = PlanElement(Kind.BUILDING, box(10, 60, 40, 72), attrs={"households": 12}, id=1)
    path = PlanElement(Kind.FOOTPATH, box(0, 50, 100, 52), id=2)
    shed = PlanElement(Kind.ILLEGAL_STRUCTURE, box(70, 70, 75, 75), id=3)
    base = [house, path, shed]
    new = [
        PlanElement(Kind.FACILITY, Point(5 + 6 * i, 40), attrs={"facility_type": ftype.value})
        for i, ftype in enumerate(FacilityType)
    ]
    option = LayoutOption("all", [*(Change("add", e) for e in new), Change("remove", ref=3)])
    after = compute_metrics(apply(base, option), SITE, base=base)
    keys = set(after.scalars())
    keys |= set(compute_metrics(base, SITE, base=base).scalars())
    return keys


def test_every_scalar_key_has_one_catalogue_entry_and_no_entry_is_invented():
    produced = _every_scalar_key()
    assert {f"walk_coverage.{t.value}" for t in FacilityType} <= produced
    assert {"cost.基础类", "cost.完善类", "cost.提升类"} <= produced
    listed = {k for k, spec in CATALOGUE.items() if spec.scalar}
    assert produced == listed


def test_demo_like_site_scalars_are_catalogued():
    lawn = PlanElement(Kind.GREEN_BELT, box(0, 0, 100, 10))
    cars = PlanElement(Kind.PARKING_STALL, box(0, 20, 2.5, 25.3))
    for key in compute_metrics([lawn, cars], SITE).scalars():
        assert metric_spec(key).key == key


def _label_keys() -> set[str]:
    keys: set[str] = set()
    for spec in CATALOGUE.values():
        keys |= {k for k in (spec.label, spec.vote_label, spec.meeting_label) if k}
        if spec.label == WALK_300_LABEL:
            keys.add(f"facility.{spec.member}")
    return keys


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_label_key_is_in_the_catalog(lang):
    missing = sorted(k for k in _label_keys() if k not in catalog(lang))
    assert not missing


def test_labels_are_the_ones_the_surfaces_used():
    for key, _better in COMPARISON_ROWS:
        assert metric_spec(key).label == f"options.row.{key}"
    vote = {k: s.vote_label for k, s in CATALOGUE.items() if s.vote_label}
    assert vote == {k: f"vote.metric.{k}" for k in vote}
    assert set(vote) == {
        "parking_stalls",
        "green_area_m2",
        "green_ratio",
        "fire_lane_min_clear_width_m",
        "demolished_count",
        "cost_total",
        "violations",
    }
    assert all(metric_spec(k).meeting_label for k in MEETING_METRICS)
    assert metric_spec("cost.基础类").label == COST_CATEGORY_LABEL
    assert metric_spec("cost.基础类").path == "cost_by_category.基础类"


def test_label_text_fills_the_family_templates():
    def tr(key, **kwargs):
        return catalog("en")[key].format(**kwargs)

    assert metric_spec("walk_coverage.fitness").label_text(tr) == "Fitness within 300 m walk"
    assert metric_spec("cost_by_category.基础类").label_text(tr) == "Cost · 基础类 (yuan)"
    assert metric_spec("green_ratio").label_text(tr) == "Green ratio"


def test_rules_are_rule_ids_of_domain_md():
    for spec in CATALOGUE.values():
        assert spec.rule is None or re.fullmatch(r"R\d+[a-z]?", spec.rule), spec


def test_the_comparison_table_judges_in_these_directions():
    assert dict(COMPARISON_ROWS) == {
        "parking_stalls": "max",
        "accessible_stalls_required": None,
        "ebike_places": "max",
        "green_area_m2": "max",
        "green_ratio": "max",
        "centralised_green_per_person_m2": "max",
        "demolished_count": None,  # a loss for residents as well as space: no "best"
        "demolished_area_m2": None,
        "fire_lane_min_clear_width_m": "max",
        "walk_coverage.waste_point_120m": "max",
        "conflicts": "min",
        "errors": "min",
        "cost_total": "min",
        "ballot_rule_default": None,
    }
    assert metric_spec("walk_coverage.playground").better == "max"
    assert metric_spec("cost_by_category.提升类").better is None


def test_demolition_is_neither_best_nor_better_on_any_surface():
    spec = metric_spec("demolished_count")
    assert best_columns([0, 4, 2], spec.better) == set()
    assert spec.judge(4) == 0 and spec.judge(-4) == 0
    assert metric_spec("demolished_area_m2").judge(30.0) == 0


def test_judge_follows_the_direction():
    assert metric_spec("green_area_m2").judge(-5.0) == -1
    assert metric_spec("violations").judge(-1) == 1
    assert metric_spec("cost_total").judge(1000.0) == -1
    assert metric_spec("accessible_stalls_required").judge(1) == 0
    assert metric_spec("parking_stalls").judge(0) == 0


def test_unknown_metric_is_refused():
    with pytest.raises(KeyError):
        metric_spec("sunshine_hours")


def test_rule_ids_agree_with_the_rules_text_of_metrics():
    for spec in CATALOGUE.values():
        text = RULES.get(spec.key) or RULES.get(spec.family or "")
        if text is None:
            continue
        named = re.findall(r"R\d+", text)
        if spec.rule is not None and named:
            assert spec.rule in text, (spec.key, text)
        if spec.rule is None:
            assert not named, (spec.key, text)


def test_the_vote_page_leaves_money_uncoloured_and_colours_the_rest():
    assert metric_spec("cost_total").judge_on_ballot(1000.0) == 0
    assert metric_spec("cost_total").judge(1000.0) == -1  # the table still marks the cheapest
    assert metric_spec("parking_stalls").judge_on_ballot(3) == 1
    assert metric_spec("fire_lane_min_clear_width_m").judge_on_ballot(-0.5) == -1
