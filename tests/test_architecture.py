"""The domain stays pure (DESIGN §2): no UI, storage or file libraries, no file access."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cocreate_map"
FORBIDDEN_IN_DOMAIN = {
    "streamlit",
    "streamlit_folium",
    "folium",
    "sqlalchemy",
    "alembic",
    "pyogrio",
    "geopandas",
    "fiona",
    "ezdxf",
    "pandas",
    "os",
    "pathlib",
    "io",
    "open",
}
UI_ONLY = {"streamlit", "streamlit_folium", "folium"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            found.add("open")
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "domain").rglob("*.py")), ids=lambda p: p.name)
def test_domain_is_pure(path):
    bad = imports(path) & FORBIDDEN_IN_DOMAIN
    assert not bad, f"{path.name} imports {sorted(bad)}; the domain must stay pure (DESIGN §2)"


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_only_ui_imports_streamlit_and_folium(path):
    bad = imports(path) & UI_ONLY
    assert not bad, f"{path} imports {sorted(bad)}; only cocreate_map/ui may (DESIGN §2)"


def test_only_config_reads_the_environment():
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "os.environ" in p.read_text(encoding="utf-8") and p.name != "config.py"
    ]
    assert offenders == []


def _declared_dependencies() -> set[str]:
    import re
    import tomllib

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    names = project["project"]["dependencies"]
    return {re.split(r"[<>=\[; ]", n, maxsplit=1)[0].lower().replace("_", "-") for n in names}


def test_every_third_party_import_is_a_declared_dependency():
    """A clean machine installs only pyproject's dependencies: an undeclared import breaks it."""
    import sys
    from importlib.metadata import packages_distributions

    dists = packages_distributions()
    declared = _declared_dependencies()
    missing = {}
    for path in [*PACKAGE.rglob("*.py"), PACKAGE.parent / "app.py"]:
        for module in imports(path) - {"open", "cocreate_map"}:
            if module in sys.stdlib_module_names:
                continue
            for dist in dists.get(module, [module]):
                if dist.lower().replace("_", "-") not in declared:
                    missing.setdefault(dist, set()).add(str(path.relative_to(PACKAGE.parent)))
    assert not missing, f"imported but not in pyproject dependencies: {missing}"
