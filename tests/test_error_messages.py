"""Errors reach a person in their language: every key raised exists in both catalogs, Chinese
text uses only parameters the code passes, and nested / per-line errors render per language."""

import re
import string
from pathlib import Path

import pytest

from cocreate_map import errors as errors_module
from cocreate_map.domain import annotations as dom
from cocreate_map.domain.households import validate_rows
from cocreate_map.errors import CocreateError, InvalidInput
from cocreate_map.i18n import catalog
from cocreate_map.io.photos import clean_photo

PACKAGE = Path(__file__).resolve().parents[1] / "cocreate_map"
HAN = re.compile(r"[\u4e00-\u9fff]")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _keys_in_code() -> set[str]:
    keys = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py":
            continue  # its docstring's example
        keys |= set(re.findall(r'key="([a-z_]+\.[a-z0-9_.]+)"', path.read_text(encoding="utf-8")))
    return keys


def test_every_raised_key_is_in_both_catalogs() -> None:
    for lang in ("zh", "en"):
        missing = sorted(k for k in _keys_in_code() if f"error.{k}" not in catalog(lang))
        assert not missing, f"{lang}: {missing}"


def test_chinese_errors_are_chinese_and_use_known_parameters() -> None:
    fmt = string.Formatter()
    for key, en in catalog("en").items():
        if not key.startswith("error."):
            continue
        zh = catalog("zh")[key]
        assert HAN.search(zh) or not re.search(
            r"[A-Za-z]{3,}", string.Formatter().vformat(zh, (), _Blank())
        ), key
        en_params = {f[1] for f in fmt.parse(en) if f[1]}
        zh_params = {f[1] for f in fmt.parse(zh) if f[1]}
        assert zh_params <= en_params, key


def test_no_service_raises_plain_english() -> None:
    """A raise with a bare message string in services/, domain/ or io/ would reach a Chinese page
    in English."""
    errors = "|".join(
        name
        for name, obj in vars(errors_module).items()
        if isinstance(obj, type) and issubclass(obj, CocreateError)
    )
    bare = re.compile(rf"raise (?:{errors})\(\s*f?[\"']")
    offenders = []
    for sub in ("services", "domain", "io"):
        for path in (PACKAGE / sub).rglob("*.py"):
            if path.name in ("assets.py", "staff.py"):
                continue  # operator-only (assets) / owned by the staff-session work
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if bare.search(line):
                    offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_empty_description_in_chinese() -> None:
    with pytest.raises(InvalidInput) as caught:
        dom.clean_text("   ", 500, what="description")
    assert caught.value.render("zh").startswith("问题描述还是空的")
    assert "the description is empty" in caught.value.message


def test_photo_errors_in_chinese() -> None:
    with pytest.raises(CocreateError) as caught:
        clean_photo(b"not a picture at all")
    assert "JPEG" in caught.value.message
    assert "不是" in caught.value.render("zh")


def test_per_line_import_errors_render_per_language() -> None:
    rows = [(n, {"building": "1", "unit": "1", "room": "101", "area_m2": "abc"}) for n in (2, 3)]
    rows += [
        (n, {"building": "1", "unit": "1", "room": str(200 + n), "area_m2": "x"})
        for n in range(4, 30)
    ]
    with pytest.raises(InvalidInput) as caught:
        validate_rows(rows)
    zh, en = caught.value.render("zh"), caught.value.render("en")
    assert "第 2 行：面积应为平方米数" in zh and "第 3 行" in zh
    assert "……另有 8 处" in zh
    assert not re.search(r"\bline\b|must be", zh)
    assert "line 2: area_m2 must be a number" in en and "… and 8 more" in en
    assert caught.value.message == en
