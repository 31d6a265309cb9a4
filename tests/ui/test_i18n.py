"""Every key exists in both languages, and every key the code uses exists."""

import re
from pathlib import Path

from cocreate_map.ui.i18n import LANGS, catalog, translate

PACKAGE = Path(__file__).resolve().parents[2] / "cocreate_map"


def test_both_languages_have_the_same_keys():
    assert set(catalog("zh")) == set(catalog("en"))


def test_every_literal_key_used_in_the_ui_exists():
    used = set()
    for path in [*(PACKAGE / "ui").rglob("*.py"), PACKAGE.parent / "app.py"]:
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    for lang in LANGS:
        missing = sorted(k for k in used if k not in catalog(lang))
        assert not missing, f"{lang}: {missing}"


def test_chinese_is_chinese():
    assert translate("zh", "nav.map") == "社区地图"
    assert translate("en", "nav.map") == "Community map"
    assert translate("en", "map.elements", n=3) == "3 elements"
