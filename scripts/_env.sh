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
STAMP="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${COCREATE_EXTRAS:-app}"
if [ ! -f "$STAMP" ]; then
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  if [ "${COCREATE_EXTRAS:-app}" = "test" ]; then
    "$VENV/bin/python" -m pip install -q -e ".[test]"
  else
    "$VENV/bin/python" -m pip install -q -e .
  fi
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "installing npm (needed once to fetch the map's JS/CSS assets)…" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null
  else sudo apt-get update -q >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null; fi
fi
"$VENV/bin/python" -m cocreate_map.io.assets
