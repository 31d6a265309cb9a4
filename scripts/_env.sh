# Shared by scripts/serve and scripts/test: make .venv with the project installed, and the map assets.
# Sourced, not run. Uses python3.11+ from PATH (PYTHON overrides).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "cocreate-map needs Python 3.11 or newer as '$PYTHON' (set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi
VENV="$ROOT/.venv"
# One install for serve and test (the test extras, a superset), stamped by pyproject.toml only:
# while the stamp is there, pip is never called, so a restart works without a package index.
STAMP="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  # The build backend goes into the venv and the project builds without isolation, so a rebuild
  # needs no index once setuptools is there.
  "$VENV/bin/python" -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 77)' 2>/dev/null \
    || "$VENV/bin/python" -m pip install -q "setuptools>=77"
  "$VENV/bin/python" -m pip install -q --no-build-isolation -e ".[test]"
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
if ! "$VENV/bin/python" -c 'import sys; from cocreate_map.io import assets; sys.exit(1 if assets.missing() else 0)' 2>/dev/null; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "installing npm (needed once to fetch the map's JS/CSS assets)…" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null
    else sudo apt-get update -q >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null; fi
  fi
  "$VENV/bin/python" -m cocreate_map.io.assets
fi
