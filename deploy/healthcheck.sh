#!/usr/bin/env bash
# Liveness of every part on this machine; prints one line per part, exits 1 if any is down.
#   deploy/healthcheck.sh            check only (compose, monitoring)
#   deploy/healthcheck.sh --restart  also restart the systemd unit of each part that is down
# Reads ACTIONS_URL (default http://127.0.0.1:5055), RASA_URL (comma-separated replicas, default
# http://127.0.0.1:5005) and GATEWAY_PORT (default 8080), as the gateway does. A unit started less
# than HEALTH_GRACE seconds ago (default 180: Rasa loads its model) is never restarted by this
# script, so that it cannot keep restarting a server that is still loading.
set -uo pipefail
restart=false
[ "${1:-}" = "--restart" ] && restart=true

young() {  # unit: did it (re)start less than HEALTH_GRACE seconds ago?
  local since now
  since=$(systemctl show -p ActiveEnterTimestampMonotonic --value "$1" 2>/dev/null)
  now=$(awk '{printf "%d", $1 * 1000000}' /proc/uptime)
  [ -n "$since" ] && [ "$since" -gt 0 ] && [ $(( (now - since) / 1000000 )) -lt "${HEALTH_GRACE:-180}" ]
}

check() {  # name url unit
  if curl -fsS --max-time 5 -o /dev/null "$2"; then
    echo "ok    $1"
  else
    echo "DOWN  $1 ($2)"
    status=1
    if $restart; then
      if young "$3"; then
        echo "not restarting $3: started less than ${HEALTH_GRACE:-180} s ago"
      else
        echo "restarting $3"
        systemctl restart "$3"
      fi
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
