#!/usr/bin/env bash
# Opt-in scale-out test (make scale-test): two Rasa replicas on PostgreSQL + Redis, one killed in
# the middle of a 50-conversation load; see bench/scale_test.py and docs/reliability.md.
# Installs Debian's postgresql and redis-server when missing (root, or sudo), starts them on
# loopback in temporary folders, and removes them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for p in postgresql redis-server; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "Installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
fi
exec .venv/bin/python bench/scale_test.py "$@"
