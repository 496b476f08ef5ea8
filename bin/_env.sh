# Shared by bin/run and bin/test: finds Python 3.11, creates .venv, installs requirements when they change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
# SIGMASIGHT_PYTHON: an interpreter that already has requirements.txt installed (no .venv is made).
if [ -n "${SIGMASIGHT_PYTHON:-}" ]; then PY="$SIGMASIGHT_PYTHON"; fi

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
      echo "$candidate"; return 0
    fi
  done
  echo "SigmaSight needs Python 3.11 (python3.11 or python3 on PATH)." >&2
  return 1
}

ensure_venv() {
  if [ -n "${SIGMASIGHT_PYTHON:-}" ]; then return 0; fi
  if [ ! -x "$PY" ]; then
    local base; base="$(find_python)"
    if ! "$base" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing python3-venv (Debian splits it out of python3)..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        "$base" -m venv "$VENV"
      else
        echo "Cannot create a virtual environment: install python3-venv (sudo apt-get install python3-venv)." >&2
        exit 1
      fi
    fi
  fi
  local stamp="$VENV/.requirements.sha256"
  local want; want="$(sha256sum requirements.txt | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing Python dependencies into .venv (the first time takes a few minutes; pip lists each package) ..."
    "$PY" -m pip install -q --upgrade pip >/dev/null
    # pip's own exit status decides (grep finds nothing to show when every requirement is satisfied)
    "$PY" -m pip install --progress-bar on -r requirements.txt \
      | { grep --line-buffered -E '^(Collecting|Installing|Successfully|ERROR)' || true; }
    if [ "${PIPESTATUS[0]}" != "0" ]; then
      echo "pip install failed: see the messages above." >&2; exit 1
    fi
    echo "$want" > "$stamp"
  fi
}
