"""Use cases, one module per area; the names used by the UI and the CLI are re-exported here.

- ``community``: communities, import/export, the demo, map data (issue 2)
"""

from cocreate_map.services.community import (
    DEMO_FILE,
    DEMO_NAME,
    DEMO_SLUG,
    ImportSummary,
    MapData,
    create_community,
    delete_community,
    ensure_demo,
    export_community,
    import_file,
    list_communities,
    load_demo,
    map_data,
    preview_import,
    preview_map_data,
)

__all__ = [
    "DEMO_FILE",
    "DEMO_NAME",
    "DEMO_SLUG",
    "ImportSummary",
    "MapData",
    "create_community",
    "delete_community",
    "ensure_demo",
    "export_community",
    "import_file",
    "list_communities",
    "load_demo",
    "map_data",
    "preview_import",
    "preview_map_data",
]
