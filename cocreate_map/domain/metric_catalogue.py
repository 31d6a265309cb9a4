"""The one catalogue of layout metrics: unit, better direction, rule and label of every figure.

Every key ``Metrics.scalars()`` can produce has a ``MetricSpec`` here (the ``walk_coverage.*``
family once per facility type plus ``waste_point_120m``, the ``cost.*`` family once per
renovation category), plus the two derived rows of the comparison table (``errors``,
``ballot_rule_default``). The comparison table, the option sheet and meeting pack, the vote page
and the projector's options panel take their labels, units and directions from here.

``path`` is where the figure sits in the metrics dict of ``services.option_metrics`` (what
``cocreate metrics --json`` prints, keys unchanged): the scalar key, except the cost categories
(``cost_by_category.<cat>``). Dotted paths go one level down (``layout.metric_value``).

Demolition has no better direction: removing a shed or a building is a loss for the residents
who use it as well as the space a plan needs, so neither more nor fewer demolitions is "best".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cocreate_map.domain.elements import FacilityType
from cocreate_map.domain.metrics import CATEGORIES

Better = Literal["max", "min"]

# Units: what one of the figure counts; ``ratio`` is a share 0–1 shown as a percentage.
COUNT, M2, M, RATIO, M2_PER_PERSON, CNY = "count", "m²", "m", "ratio", "m²/person", "CNY"

WALK_300_LABEL = "options.row.walk_300"  # "{type} within 300 m walk"
COST_CATEGORY_LABEL = "options.row.cost_category"  # "Cost · {cat} (yuan)"


@dataclass(frozen=True)
class MetricSpec:
    """One figure of a layout.

    ``label`` is the translation key of the comparison table and the printed sheets,
    ``vote_label`` the one of the vote page, ``meeting_label`` the one of the projector panel
    (None where that surface does not show the figure). ``shows_change`` is False for a
    requirement derived from the layout (accessible stalls required): no change is shown.
    """

    key: str
    unit: str | None
    better: Better | None
    rule: str | None
    label: str | None
    vote_label: str | None = None
    meeting_label: str | None = None
    path: str = ""
    shows_change: bool = True
    scalar: bool = True  # a key of ``Metrics.scalars()`` (False: derived table rows)
    # The vote page shows the change uncoloured: every option costs more than doing nothing, so
    # a red figure on each would alarm without telling the options apart (the table still marks
    # the cheapest).
    neutral_on_ballot: bool = False

    def __post_init__(self) -> None:
        if not self.path:
            object.__setattr__(self, "path", self.key)

    @property
    def family(self) -> str | None:
        """``walk_coverage`` or ``cost`` for a member of a family, else None."""
        head, dot, _tail = self.key.partition(".")
        return head if dot else None

    @property
    def member(self) -> str | None:
        """The facility type or category of a family member (``waste_point_120m``, ``基础类``)."""
        _head, dot, tail = self.key.partition(".")
        return tail if dot else None

    def judge(self, change: float) -> int:
        """+1 when ``change`` makes the figure better, -1 worse, 0 when it has no direction.

        >>> metric_spec("parking_stalls").judge(3), metric_spec("cost_total").judge(5.0)
        (1, -1)
        >>> metric_spec("demolished_count").judge(2)
        0
        """
        if self.better is None or change == 0:
            return 0
        up = 1 if change > 0 else -1
        return up if self.better == "max" else -up

    def judge_on_ballot(self, change: float) -> int:
        """``judge`` as the vote page colours it (0 for a figure neutral on the ballot).

        >>> metric_spec("cost_total").judge_on_ballot(5.0), metric_spec("violations").judge_on_ballot(-1)
        (0, 1)
        """
        return 0 if self.neutral_on_ballot else self.judge(change)

    def label_text(self, tr: Callable[..., str]) -> str:
        """The table/sheet label through ``tr(key, **kwargs)`` (a translate function).

        >>> metric_spec("walk_coverage.fitness").label_text(lambda k, **kw: f"{k}{kw}")
        "options.row.walk_300{'type': 'facility.fitness{}'}"
        """
        if self.label == WALK_300_LABEL:
            return tr(self.label, type=tr(f"facility.{self.member}"))
        if self.label == COST_CATEGORY_LABEL:
            return tr(self.label, cat=self.member)
        return tr(self.label or self.key)


def _walk(ftype: str) -> MetricSpec:
    return MetricSpec(f"walk_coverage.{ftype}", RATIO, "max", "R17", WALK_300_LABEL)


def _cost(cat: str) -> MetricSpec:
    return MetricSpec(
        f"cost.{cat}", CNY, None, "R18", COST_CATEGORY_LABEL, path=f"cost_by_category.{cat}"
    )


_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "parking_stalls",
        COUNT,
        "max",
        "R13",
        "options.row.parking_stalls",
        "vote.metric.parking_stalls",
        "meeting.metric.parking",
    ),
    MetricSpec(
        "accessible_stalls_required",
        COUNT,
        None,
        "R13",
        "options.row.accessible_stalls_required",
        shows_change=False,
    ),
    MetricSpec("accessible_stalls", COUNT, "max", "R13", None),
    MetricSpec("bike_places", COUNT, "max", None, None),
    MetricSpec(
        "ebike_places",
        COUNT,
        "max",
        "R15",
        "options.row.ebike_places",
        None,
        "meeting.metric.ebike",
    ),
    MetricSpec(
        "green_area_m2",
        M2,
        "max",
        "R14",
        "options.row.green_area_m2",
        "vote.metric.green_area_m2",
        "meeting.metric.green",
    ),
    MetricSpec(
        "green_ratio", RATIO, "max", "R14", "options.row.green_ratio", "vote.metric.green_ratio"
    ),
    MetricSpec("centralised_green_m2", M2, "max", "R14", None),
    MetricSpec(
        "centralised_green_per_person_m2",
        M2_PER_PERSON,
        "max",
        "R14",
        "options.row.centralised_green_per_person_m2",
    ),
    MetricSpec(
        "demolished_count",
        COUNT,
        None,
        None,
        "options.row.demolished_count",
        "vote.metric.demolished_count",
        "meeting.metric.demolished",
    ),
    MetricSpec("demolished_area_m2", M2, None, None, "options.row.demolished_area_m2"),
    MetricSpec(
        "fire_lane_min_clear_width_m",
        M,
        "max",
        "R11",
        "options.row.fire_lane_min_clear_width_m",
        "vote.metric.fire_lane_min_clear_width_m",
        "meeting.metric.fire_lane",
    ),
    *(_walk(ftype.value) for ftype in FacilityType),
    MetricSpec(
        "walk_coverage.waste_point_120m",
        RATIO,
        "max",
        "R16",
        "options.row.walk_coverage.waste_point_120m",
    ),
    MetricSpec("conflicts", COUNT, "min", None, "options.row.conflicts"),
    MetricSpec("violations", COUNT, "min", None, None, "vote.metric.violations"),
    MetricSpec(
        "cost_total",
        CNY,
        "min",
        "R18",
        "options.row.cost_total",
        "vote.metric.cost_total",
        "meeting.metric.cost",
        neutral_on_ballot=True,
    ),
    *(_cost(cat) for cat in CATEGORIES),
    # derived rows of the comparison table, not keys of Metrics.scalars()
    MetricSpec("errors", COUNT, "min", None, "options.row.errors", scalar=False),
    MetricSpec(
        "ballot_rule_default", None, None, "R1", "options.row.ballot_rule_default", scalar=False
    ),
)

#: the figures of an option on the projector's options panel, in this order (each has a
#: ``meeting_label``; a work's story shows the same ones)
MEETING_METRICS: tuple[str, ...] = (
    "parking_stalls",
    "ebike_places",
    "green_area_m2",
    "demolished_count",
    "fire_lane_min_clear_width_m",
    "cost_total",
)

#: the figures of an option on the vote page, in this order (each has a ``vote_label``)
BALLOT_METRICS: tuple[str, ...] = (
    "parking_stalls",
    "green_area_m2",
    "green_ratio",
    "fire_lane_min_clear_width_m",
    "demolished_count",
    "cost_total",
    "violations",
)

#: every metric by its scalar key and by its path in the metrics dict
CATALOGUE: dict[str, MetricSpec] = {s.key: s for s in _SPECS}
_BY_PATH: dict[str, MetricSpec] = {s.path: s for s in _SPECS}


def metric_spec(key: str) -> MetricSpec:
    """The spec of a scalar key or metrics-dict path; a facility type the catalogue does not
    list yet gets the ``walk_coverage`` family's spec.

    >>> metric_spec("cost_by_category.基础类") is metric_spec("cost.基础类")
    True
    >>> metric_spec("walk_coverage.sauna").better
    'max'
    """
    spec = CATALOGUE.get(key) or _BY_PATH.get(key)
    if spec is not None:
        return spec
    head, dot, tail = key.partition(".")
    if dot and head == "walk_coverage":
        return _walk(tail)
    raise KeyError(f"no metric {key!r} in the catalogue")
