#!/usr/bin/env bash
# Debian packages the tests need at run time, installed only when missing (safe to re-run).
#   chromium        the real browser of the widget tests (tests/test_widget_browser.py), driven by
#                   Playwright through /usr/bin/chromium; Playwright's own browsers are never downloaded
#   fonts-noto-core Vietnamese glyphs for the widget screenshot (scripts/widget_screenshot.py)
#   postgresql      a throw-away server for the staff console store's PostgreSQL tests
#                   (tests/postgres.py, tests/test_analytics.py); never started as a service
#   redis-server    a throw-away Redis for the lock store's tests (tests/redis_server.py)
set -euo pipefail

packages=(chromium fonts-noto-core postgresql redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "Installing Debian packages: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
