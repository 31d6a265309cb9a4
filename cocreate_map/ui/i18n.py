"""The UI's view of the one translation loader in ``cocreate_map/i18n.py``."""

from __future__ import annotations

from cocreate_map.i18n import FILES, LANGS, LOCALES, catalog, translate

__all__ = ["FILES", "LANGS", "LOCALES", "catalog", "translate"]
