#!/usr/bin/env bash
# Re-pin every package (constraints.txt) after changing requirements*.txt: installs the
# requirements into a throw-away Python 3.10 venv without constraints and freezes it.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
tmp=$(mktemp -d)
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet -r requirements-dev.txt
{
  echo "# Exact versions of every package in the Python 3.10 venv, produced by \`pip freeze\` after"
  echo "# installing requirements-dev.txt. scripts/setup.sh installs with \`-c constraints.txt\` so a fresh"
  echo "# machine gets the same set. Regenerate with: make lock"
  "$tmp/venv/bin/pip" freeze --exclude-editable
} > constraints.txt
rm -rf "$tmp"
echo "constraints.txt updated; review the diff."
