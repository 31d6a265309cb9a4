"""Named sample geometries for tests (metric coordinates unless the name says lonlat)."""

from shapely import LineString, Point, Polygon, box

SQUARE_100 = box(0, 0, 100, 100)
HOLED = Polygon([(0, 0), (50, 0), (50, 50), (0, 50)], [[(10, 10), (20, 10), (20, 20), (10, 20)]])
BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
SLIVER = Polygon([(0, 0), (10, 0), (20, 0), (0, 0)])
EMPTY = Polygon()
LINE = LineString([(0, 0), (30, 40)])
ZERO_LINE = LineString([(5, 5), (5, 5)])
POINT = Point(1, 2)
STALL = box(0, 0, 2.5, 5.3)
