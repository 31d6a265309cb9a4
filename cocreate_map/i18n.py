"""Localised strings, zh (default) and en, from ``cocreate_map/locales/*.json``.

Importable from every layer (like ``config`` and ``errors``): the UI translates labels with it and
``errors.CocreateError.render`` translates an error's message key. ``zh_CN.json`` plus every
feature file ``zh_CN.<feature>.json`` make one catalog per language.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
FILES = {"zh": "zh_CN.json", "en": "en.json"}
LANGS = ("zh", "en")


@cache
def catalog(lang: str) -> dict[str, str]:
    """The language's strings: ``zh_CN.json`` plus every feature file ``zh_CN.<feature>.json``."""
    main = LOCALES / FILES[lang]
    data: dict[str, str] = json.loads(main.read_text(encoding="utf-8"))
    for extra in sorted(LOCALES.glob(f"{main.stem}.*.json")):
        data.update(json.loads(extra.read_text(encoding="utf-8")))
    return data


def has_key(key: str) -> bool:
    """Whether the English catalog (the reference every language follows) holds ``key``."""
    return key in catalog("en")


def translate(lang: str, key: str, **kwargs: object) -> str:
    """The text of ``key`` in ``lang`` (English, then the key itself, when missing)."""
    text = catalog(lang).get(key) or catalog("en").get(key) or key
    return text.format(**kwargs) if kwargs else text


def rule_name(lang: str, slug: str) -> str:
    """A voting rule by its name in ``lang`` (the slug itself when the catalog lacks it)."""
    text = catalog(lang).get(f"rule.{slug}")
    return text if text else slug
