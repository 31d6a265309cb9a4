"""Walking network: network (not buffer) distances for life-circle coverage (DOMAIN §2.1, R16, R17).

How the graph is built (a "walkable-area grid", chosen over a polygon skeleton because it needs no
centreline extraction, copes with overlapping road polygons — e.g. the fire-lane overlay on the ring
road — and never leaves two touching roads unconnected):

1. The walkable area is the union of road, footpath and fire-lane polygons; line elements are
   buffered to their ``width_m`` (default per kind). The union is grown by ``tolerance_m`` (a person
   steps onto a road's edge), so even a 2 m path holds at least one row of grid nodes.
2. Nodes sit on a square grid of ``grid_m`` spacing inside that area. Each node links to its 16
   neighbours (offsets (1,0), (1,1), (2,1), … in grid units) when the straight segment between them
   stays inside the area; weight = segment length. 16-neighbour paths overestimate a straight walk by
   at most ~2.7 % (8-neighbour: ~8 %).
3. A building's entrance is the walkable point nearest its centroid; its access length is the
   distance from the building's edge to that point plus the straight link to each grid node within
   1.5 cells. A
   destination (facility) links the same way from its own geometry.
4. Distances come from one multi-source Dijkstra per destination set over the networkx graph (read
   only, so a cached graph can serve every option and thread). When a building or
   all destinations cannot be linked (no walkable area within ``max_access_m``, or a separate graph
   component), the straight-line distance is used instead and the building is listed in
   ``WalkDistances.euclidean_fallback`` — never silently.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import networkx as nx
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from cocreate_map.domain.elements import Kind, PlanElement, geometry_family

K = TypeVar("K", bound=Hashable)

WALKABLE_KINDS = (Kind.ROAD, Kind.FOOTPATH, Kind.FIRE_LANE)
DEFAULT_LINE_WIDTH_M = {Kind.ROAD: 4.0, Kind.FOOTPATH: 2.0, Kind.FIRE_LANE: 4.0}
# 16-neighbourhood, one direction of each undirected pair (grid units).
_OFFSETS = ((1, 0), (0, 1), (1, 1), (1, -1), (2, 1), (1, 2), (2, -1), (1, -2))


@dataclass(frozen=True)
class WalkGraph:
    """The grid graph over the walkable area (metric CRS)."""

    graph: nx.Graph
    xy: np.ndarray  # (n, 2) node coordinates; node id = row index
    walkable: BaseGeometry
    tree: shapely.STRtree | None
    grid_m: float = 2.0

    @property
    def node_count(self) -> int:
        return int(self.xy.shape[0])


@dataclass(frozen=True)
class WalkDistances:
    """Walking distance (m) from each origin to its nearest destination.

    ``euclidean_fallback`` lists the origins whose figure is a straight-line distance because the
    graph could not connect them; ``math.inf`` means there was no destination at all.
    """

    distances_m: dict[Hashable, float]
    euclidean_fallback: frozenset[Hashable] = field(default_factory=frozenset)


def walkable_area(elements: Iterable[PlanElement], *, tolerance_m: float = 0.5) -> BaseGeometry:
    """Union of the walkable elements, lines buffered to their width, grown by ``tolerance_m``.

    >>> from shapely import LineString
    >>> path = PlanElement(Kind.FOOTPATH, LineString([(0, 0), (10, 0)]), attrs={"width_m": 2})
    >>> round(walkable_area([path], tolerance_m=0).area, 6)
    20.0
    """
    parts: list[BaseGeometry] = []
    for e in elements:
        if e.kind not in WALKABLE_KINDS or e.geometry.is_empty:
            continue
        family = geometry_family(e.geometry)
        if family == "polygon":
            parts.append(e.geometry)
        elif family == "line":
            width = float(e.attrs.get("width_m") or DEFAULT_LINE_WIDTH_M[e.kind])
            parts.append(e.geometry.buffer(width / 2, cap_style="flat"))
    if not parts:
        return shapely.Polygon()
    area = shapely.union_all(parts)
    return area.buffer(tolerance_m) if tolerance_m > 0 else area


def build_walk_graph(
    elements: Iterable[PlanElement], *, grid_m: float = 2.0, tolerance_m: float = 0.5
) -> WalkGraph:
    """Grid graph over the walkable area (see the module docstring).

    >>> from shapely import box
    >>> road = PlanElement(Kind.ROAD, box(0, 0, 20, 4))
    >>> g = build_walk_graph([road], grid_m=2.0, tolerance_m=0.0)
    >>> g.node_count, nx.is_connected(g.graph)
    (33, True)
    """
    walkable = walkable_area(elements, tolerance_m=tolerance_m)
    graph: nx.Graph = nx.Graph()
    if walkable.is_empty:
        return WalkGraph(graph, np.zeros((0, 2)), walkable, None, grid_m)
    shapely.prepare(walkable)
    minx, miny, maxx, maxy = walkable.bounds
    nx_cells = int(np.floor((maxx - minx) / grid_m)) + 1
    ny_cells = int(np.floor((maxy - miny) / grid_m)) + 1
    gi, gj = np.meshgrid(np.arange(nx_cells), np.arange(ny_cells), indexing="ij")
    ii, jj = gi.ravel(), gj.ravel()
    xs, ys = minx + ii * grid_m, miny + jj * grid_m
    inside = shapely.contains_xy(walkable, xs, ys) | shapely.intersects_xy(walkable, xs, ys)
    ii, jj, xs, ys = ii[inside], jj[inside], xs[inside], ys[inside]
    n = int(ii.shape[0])
    index = -np.ones((nx_cells + 2, ny_cells + 4), dtype=np.int64)
    index[ii, jj + 2] = np.arange(n)
    graph.add_nodes_from(range(n))
    xy = np.column_stack([xs, ys])
    for di, dj in _OFFSETS:
        ti, tj = ii + di, jj + dj
        ok = (ti < nx_cells) & (tj >= 0) & (tj < ny_cells)
        src = np.nonzero(ok)[0]
        dst = index[ti[ok], tj[ok] + 2]
        has = dst >= 0
        src, dst = src[has], dst[has]
        if src.size == 0:
            continue
        segs = shapely.linestrings(np.stack([xy[src], xy[dst]], axis=1))
        covered = shapely.covered_by(segs, walkable)
        length = grid_m * float(np.hypot(di, dj))
        graph.add_weighted_edges_from(
            (int(a), int(b), length) for a, b in zip(src[covered], dst[covered], strict=True)
        )
    tree = shapely.STRtree(shapely.points(xy)) if n else None
    return WalkGraph(graph, xy, walkable, tree, grid_m)


def _link(
    wg: WalkGraph, geom: BaseGeometry, max_access_m: float, grid_m: float
) -> list[tuple[int, float]]:
    """(node, access length) pairs linking a geometry to the graph; empty when it cannot be.

    The entrance links to every node within 1.5 grid cells (not just the nearest), which keeps
    the snapping error well under a grid cell.
    """
    if wg.tree is None or geom.is_empty:
        return []
    anchor = geom.centroid if geometry_family(geom) == "polygon" else geom
    entrance = nearest_points(wg.walkable, anchor)[0]
    gap = float(geom.distance(entrance))
    if gap > max_access_m:
        return []
    nodes = wg.tree.query(entrance, predicate="dwithin", distance=1.5 * grid_m)
    if nodes.size == 0:
        nodes = np.atleast_1d(wg.tree.nearest(entrance))
    here = np.array([entrance.x, entrance.y])
    snaps = np.hypot(*(wg.xy[nodes] - here).T)
    return [(int(n), gap + float(d)) for n, d in zip(nodes, snaps, strict=True)]


def _dijkstra(graph: nx.Graph, starts: Mapping[int, float]) -> dict[int, float]:
    """Shortest distance from a virtual source linked to ``starts`` (node -> link length) to
    every node it reaches; the graph is only read, so one graph serves any number of threads.

    The same walk as ``networkx.single_source_dijkstra_path_length`` from a source node joined to
    ``starts`` (heap order, tie-break by push count, relaxations), hence the same figures."""
    adj = graph._adj
    dist: dict[int, float] = {}
    seen: dict[int, float] = {}
    heap: list[tuple[float, int, int]] = []
    count = 0
    for node, gap in starts.items():
        seen[node] = gap
        heap.append((gap, count, node))
        count += 1
    heapq.heapify(heap)
    while heap:
        d, _, v = heapq.heappop(heap)
        if v in dist:
            continue
        dist[v] = d
        for u, attrs in adj[v].items():
            vu = d + attrs["weight"]
            if u in dist:
                continue
            if u not in seen or vu < seen[u]:
                seen[u] = vu
                heapq.heappush(heap, (vu, count, u))
                count += 1
    return dist


def walk_distances(
    wg: WalkGraph,
    origins: Mapping[K, BaseGeometry],
    destinations: Sequence[BaseGeometry],
    *,
    max_access_m: float = 30.0,
) -> WalkDistances:
    """Walking distance from every origin to the nearest destination.

    >>> from shapely import Point, box
    >>> road = PlanElement(Kind.ROAD, box(0, 0, 100, 4))
    >>> g = build_walk_graph([road], tolerance_m=0.0)
    >>> house = box(0, 10, 8, 20)  # entrance (4, 4) below the centroid; 6 m from the house
    >>> r = walk_distances(g, {"h": house}, [Point(94, 2)])
    >>> round(r.distances_m["h"], 2), r.euclidean_fallback  # 6 + 90.47 (grid path, true 90.02)
    (96.47, frozenset())
    """
    starts: dict[int, float] = {}  # node -> shortest access from any destination, first seen first
    for d in destinations:
        for node, gap in _link(wg, d, max_access_m, wg.grid_m):
            if node not in starts or starts[node] > gap:
                starts[node] = gap
    lengths = _dijkstra(wg.graph, starts)
    dest_array = np.array(list(destinations), dtype=object)
    out: dict[Hashable, float] = {}
    fallback: set[Hashable] = set()
    for key, geom in origins.items():
        reach = [
            lengths[n] + gap for n, gap in _link(wg, geom, max_access_m, wg.grid_m) if n in lengths
        ]
        if reach:
            out[key] = min(reach)
            continue
        if not destinations:
            out[key] = math.inf
            continue
        out[key] = float(np.min(shapely.distance(geom, dest_array)))
        fallback.add(key)
    return WalkDistances(out, frozenset(fallback))
