"""Walking graph and network distances (network.py)."""

import math

import networkx as nx
import pytest
from shapely import LineString, Point, box

from cocreate_map.domain.elements import Kind, PlanElement
from cocreate_map.domain.network import build_walk_graph, walk_distances, walkable_area


def _l_shaped_roads() -> list[PlanElement]:
    # a 4 m road along the south edge and one up the east edge of a 100 x 100 m site
    return [
        PlanElement(Kind.ROAD, box(0, 0, 100, 4), attrs={"width_m": 4}),
        PlanElement(Kind.FOOTPATH, LineString([(98, 4), (98, 100)]), attrs={"width_m": 2}),
    ]


def test_graph_over_overlapping_polygons_and_lines_is_connected():
    g = build_walk_graph(_l_shaped_roads())
    assert nx.is_connected(g.graph)
    assert g.node_count > 100


def test_network_distance_follows_the_roads_not_the_straight_line():
    g = build_walk_graph(_l_shaped_roads())
    house = box(0, 6, 8, 16)  # entrance (4, 4.5) just north of the south road
    waste = Point(98, 90)  # on the east path
    r = walk_distances(g, {"h": house}, [waste])
    walk = r.distances_m["h"]
    straight = house.distance(waste)
    # along the roads: ~94 m east + ~86 m north; straight line ~117 m
    assert 178 <= walk <= 190
    assert walk > straight
    assert r.euclidean_fallback == frozenset()


def test_nearest_of_several_destinations():
    g = build_walk_graph(_l_shaped_roads())
    r = walk_distances(g, {"h": box(0, 6, 8, 16)}, [Point(98, 90), Point(20, 2)])
    assert r.distances_m["h"] == pytest.approx(
        1.5 + math.hypot(16, 2.5), abs=2.0
    )  # grid snaps ≤ 1.4 m


def test_unconnected_building_falls_back_to_euclidean_and_is_reported():
    g = build_walk_graph(_l_shaped_roads())
    far = box(40, 60, 50, 70)  # 36 m from any road: beyond max_access_m = 30
    r = walk_distances(g, {"far": far, "near": box(0, 6, 8, 16)}, [Point(20, 2)])
    assert r.euclidean_fallback == frozenset({"far"})
    assert r.distances_m["far"] == pytest.approx(far.distance(Point(20, 2)))


def test_separate_network_component_falls_back():
    island = PlanElement(Kind.FOOTPATH, box(40, 50, 60, 52))
    g = build_walk_graph([*_l_shaped_roads(), island])
    r = walk_distances(g, {"h": box(45, 54, 55, 60)}, [Point(20, 2)])
    assert r.euclidean_fallback == frozenset({"h"})


def test_no_roads_at_all_and_no_destinations():
    g = build_walk_graph([])
    r = walk_distances(g, {"h": box(0, 0, 1, 1)}, [Point(5, 0)])
    assert r.distances_m["h"] == 4 and r.euclidean_fallback == frozenset({"h"})
    assert math.isinf(walk_distances(g, {"h": box(0, 0, 1, 1)}, []).distances_m["h"])


def test_walkable_area_buffers_lines_to_their_width():
    area = walkable_area(_l_shaped_roads(), tolerance_m=0)
    assert area.area == pytest.approx(400 + 2 * 96)
