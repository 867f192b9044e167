#!/usr/bin/env bash
# Create .venv from a Python 3.10 interpreter (Rasa 3.6 refuses 3.11+) and install the pinned
# dependencies plus this project in editable mode. Safe to re-run: does nothing when the
# requirement files have not changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  local candidates=()
  [ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
  candidates+=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root 2>/dev/null || true)
    [ -n "$root" ] && candidates+=("$root"/versions/3.10*/bin/python3.10)
  fi
  candidates+=("$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10)
  local c
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
      echo "$c"; return 0
    fi
  done
  return 1
}

stamp_inputs="requirements.txt requirements-dev.txt constraints.txt pyproject.toml"
want=$(cat $stamp_inputs | sha256sum | cut -c1-16)
if [ -x .venv/bin/python ] && [ "$(cat .venv/.installed 2>/dev/null)" = "$want" ]; then
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  py=$(find_python310) || {
    echo "error: Python 3.10 not found (Rasa 3.6 needs 3.8-3.10). Install it, e.g. 'pyenv install 3.10', or set PYTHON310=/path/to/python3.10." >&2
    exit 1
  }
  echo "Creating .venv with $py"
  "$py" -m venv .venv
fi

.venv/bin/python -m pip install --quiet --upgrade "pip<27" wheel 2>&1 | grep -v "^WARNING: Location" || true
echo "Installing pinned dependencies (first time: about 2-3 minutes)..."
.venv/bin/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt -e . 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import rasa, rasa_sdk, rapidfuzz, pyvi, sqlite_utils, requests, pytest, telegram" || {
  echo "error: dependency installation failed; see the pip output above." >&2
  exit 1
}
echo "$want" > .venv/.installed
