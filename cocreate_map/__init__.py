"""cocreate-map (共同缔造·社区规划地图): plan an old community's renovation together, on a map."""

__version__ = "0.1.0"
