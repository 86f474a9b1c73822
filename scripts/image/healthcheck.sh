#!/bin/sh
# Container health: the station is healthy while it keeps writing its outbox. Every running station writes a metrics
# snapshot into the outbox at least once per pipeline:metricsInterval (30 s in the sample stations) and deletes each
# record the broker acknowledged, so an outbox untouched for EDGEINSPECT_HEALTH_MAX_AGE seconds (default 120) means
# a stuck or stopped pipeline. EDGEINSPECT_OUTBOX names the file when the station's outbox:path differs.
# (When the dashboard's /healthz lands (issue 15), this is the place to ask it instead.)
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
