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


# ------------------------------------------------------------ our own packages (issue 12)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _our_imports(path: Path) -> list[tuple[str, bool]]:
    """(module of ours imported, at module level?) for every import statement of ``path``; a
    ``from package import name`` counts as the submodule when ``name`` is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    top |= {id(c) for n in tree.body if isinstance(n, (ast.If, ast.Try)) for c in n.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "cocreate_map":
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.append((sub if sub in MODULES else node.module, id(node) in top))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cocreate_map":
                    out.append((alias.name, id(node) in top))
    return out


GRAPH = {m: {t for t, _ in _our_imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycles_are_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_between_our_modules():
    """Counting the imports inside functions too: a circle held together by a function-local
    import is still a circle."""
    assert _cycles(GRAPH) == []


def test_services_import_each_other_at_module_level():
    """No function-local import between services: the order of the use cases is visible at the
    top of each module (and a circle would fail at import time, not hide until a call)."""
    local = [
        f"{m} imports {t} inside a function"
        for m, p in MODULES.items()
        if m.startswith("cocreate_map.services")
        for t, at_top in _our_imports(p)
        if not at_top and t.startswith("cocreate_map.services")
    ]
    assert local == []


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    if parts[1].startswith("cli"):
        return "cli"
    return parts[1] if parts[1] in {"ui", "services", "storage", "io", "domain"} else "shared"


# what each layer must never import: ui → services → domain / storage / io, never back
NEVER = {
    "domain": {"ui", "services", "storage", "io", "cli"},
    "storage": {"ui", "services", "io", "cli"},
    "io": {"ui", "services", "storage", "cli"},
    "services": {"ui", "cli"},
    "ui": {"cli"},
    "shared": {"ui", "services", "storage", "io", "cli"},  # config, errors, i18n, keys …
}


def test_layers_point_down():
    back = [
        f"{m} ({_layer(m)}) imports {t} ({_layer(t)})"
        for m, targets in GRAPH.items()
        for t in targets
        if _layer(t) in NEVER.get(_layer(m), set())
    ]
    assert back == []


def test_the_layer_rule_sees_a_step_back():
    assert _layer("cocreate_map.io.reports_funds") == "io"
    assert _layer("cocreate_map.services.funds") in NEVER["io"]
    assert _layer("cocreate_map.errors") == "shared"


# Services that still issue their own SQL (issue 12.1, one aggregate at a time): a module leaves
# this list when its queries have moved into storage/ — and may not come back.
SQL_STILL_IN_SERVICES = {
    "ballots",
    "households",
    "marks",
    "options",
}
# what a service may take from sqlalchemy: the unit of work it is handed and its lifecycle hooks
# (``event.listens_for(Session, "after_commit")``), nothing that queries
SQLALCHEMY_TYPES = {
    ("sqlalchemy.orm", "Session"),
    ("sqlalchemy", "Engine"),
    ("sqlalchemy", "event"),
}
STATEMENT_CALLS = ("session.execute(", "session.scalar(", "session.scalars(", "session.get(")


def _issues_sql(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = [call for call in STATEMENT_CALLS if call in text]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [
                f"{node.module}.{a.name}"
                for a in node.names
                if (node.module, a.name) not in SQLALCHEMY_TYPES
            ]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("sqlalchemy")]
    return found


SERVICE_MODULES = {
    str(p.relative_to(PACKAGE / "services").with_suffix("")).replace("/", "."): p
    for p in sorted((PACKAGE / "services").rglob("*.py"))
}


@pytest.mark.parametrize("name", sorted(set(SERVICE_MODULES) - SQL_STILL_IN_SERVICES))
def test_services_leave_the_sql_to_storage(name):
    found = _issues_sql(SERVICE_MODULES[name])
    assert not found, f"services/{name}.py issues SQL itself ({found}); add a storage/ function"


def test_the_list_of_services_with_sql_only_shrinks():
    still = {name for name in SQL_STILL_IN_SERVICES if _issues_sql(SERVICE_MODULES[name])}
    assert still == SQL_STILL_IN_SERVICES, (
        f"{sorted(SQL_STILL_IN_SERVICES - still)} no longer issue SQL: remove them from the list"
    )
