#!/usr/bin/env bash
# Liveness of every part on this machine; prints one line per part, exits 1 if any is down.
#   deploy/healthcheck.sh            check only (compose, monitoring)
#   deploy/healthcheck.sh --restart  also restart the systemd unit of each part that is down
# Reads ACTIONS_URL (default http://127.0.0.1:5055), RASA_URL (comma-separated replicas, default
# http://127.0.0.1:5005) and GATEWAY_PORT (default 8080), as the gateway does.
set -uo pipefail
restart=false
[ "${1:-}" = "--restart" ] && restart=true

check() {  # name url unit
  if curl -fsS --max-time 5 -o /dev/null "$2"; then
    echo "ok    $1"
  else
    echo "DOWN  $1 ($2)"
    status=1
    if $restart; then
      echo "restarting $3"
      systemctl restart "$3"
    fi
  fi
}

status=0
actions=${ACTIONS_URL:-http://127.0.0.1:5055}
check "action server" "${actions%/}/health" vhttdl-actions.service
IFS=',' read -ra replicas <<< "${RASA_URL:-http://127.0.0.1:5005}"
for url in "${replicas[@]}"; do
  url=${url%/}
  check "Rasa ${url##*:}" "$url/" "vhttdl-rasa@${url##*:}.service"
done
check "gateway" "http://127.0.0.1:${GATEWAY_PORT:-8080}/health/live" vhttdl-gateway.service
exit $status
