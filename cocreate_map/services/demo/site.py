"""Which community the demo is: its file, slug and name."""

from cocreate_map import config

DEMO_FILE = config.PROJECT_ROOT / "data" / "demo" / "cotton_compound.geojson"
DEMO_SLUG = "cotton-compound"
DEMO_NAME = "棉花小区"
