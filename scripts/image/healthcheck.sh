#!/bin/sh
# Container health: the station is healthy while it keeps writing its outbox. Every running station writes a metrics
# snapshot into the outbox at least once per pipeline:metricsInterval (30 s in the sample stations) and deletes each
# record the broker acknowledged, so an outbox untouched for EDGEINSPECT_HEALTH_MAX_AGE seconds (default 120) means
# a stuck or stopped pipeline. EDGEINSPECT_OUTBOX names the file when the station's outbox:path differs.
# With the dashboard on (dashboard:enabled, the default), its /healthz answers first: 200 healthy, 503 unhealthy (a
# stalled pipeline). EDGEINSPECT_DASHBOARD_URL names it when dashboard:url differs from http://127.0.0.1:8080; "off"
# skips it. A dashboard that does not answer at all (off in the station file, or not up yet) leaves the outbox check.
dashboard=${EDGEINSPECT_DASHBOARD_URL:-http://127.0.0.1:8080}
healthz_status() {
  url="${dashboard%/}/healthz"
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" 2>/dev/null || true
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 5 -S -O /dev/null "$url" 2>&1 | awk '/^  HTTP\//{c=$2} END{print c}'
  elif command -v bash >/dev/null 2>&1; then
    hostport=${dashboard#http://}; hostport=${hostport%%/*}
    bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1##*:}" && printf "GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && head -n1 <&3 | cut -d" " -f2' _ "$hostport" 2>/dev/null || true
  fi
}
if [ "$dashboard" != "off" ]; then
  code=$(healthz_status)
  case "$code" in
    200) echo "healthy: $dashboard/healthz answered 200"; exit 0 ;;
    503) echo "unhealthy: $dashboard/healthz answered 503 (the pipeline stalled)"; exit 1 ;;
  esac
fi
outbox=${EDGEINSPECT_OUTBOX:-/var/lib/edgeinspect/outbox.db}
max_age=${EDGEINSPECT_HEALTH_MAX_AGE:-120}
newest=0
for f in "$outbox" "$outbox-wal"; do
  [ -f "$f" ] || continue
  t=$(stat -c %Y "$f")
  [ "$t" -gt "$newest" ] && newest=$t
done
if [ "$newest" -eq 0 ]; then
  echo "unhealthy: no outbox at $outbox (is outbox:path there?)"
  exit 1
fi
age=$(( $(date +%s) - newest ))
if [ "$age" -gt "$max_age" ]; then
  echo "unhealthy: $outbox last written ${age} s ago (limit ${max_age} s)"
  exit 1
fi
echo "healthy: $outbox written ${age} s ago"
