"""Every docstring example in the package runs (DESIGN §4: examples on metric functions are
doctests). Page scripts and migration scripts are skipped: importing them runs them."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cocreate_map"
SKIP = ("ui/pages/", "storage/migrations/")


def _modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(SKIP) or ">>>" not in path.read_text(encoding="utf-8"):
            continue
        out.append("cocreate_map." + rel[:-3].replace("/", ".").removesuffix(".__init__"))
    return out


MODULES = _modules()


def test_the_package_has_doctests():
    assert len(MODULES) >= 10, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
    assert result.attempted > 0, f"{name} has '>>>' but no example ran"
