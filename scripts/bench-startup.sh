#!/usr/bin/env bash
# Startup bench: the time from starting `edgeinspect run` to the first result message at an MQTT subscriber
# (docs/performance.md, "Startup"). Not a test: it prints figures.
#
# Each run: a fresh mosquitto on a free loopback port, mosquitto_sub subscribed to .../result (the broker's log says
# when), then the clock starts and the station starts on a copy of firmware-config/stations/demo.json in live mode
# (the model decides, so no inspector delay is counted) with a fresh outbox; the clock stops at the subscriber's
# receive time of the first result (mosquitto_sub -F %U). The station is then stopped with SIGTERM.
#
# Usage: bash scripts/bench-startup.sh [--runs N] [--only dll|r2r]   (BENCH_KEEP_LOG=1: print each run's station log)
#   dll: `dotnet edgeinspect.dll` from the Release build (what scripts/demo.sh runs; JIT only)
#   r2r: the self-contained ReadyToRun publish that scripts/install.sh installs (`edgeinspect` on PATH)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=5
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "usage: bench-startup.sh [--runs N] [--only dll|r2r]" >&2; exit 2 ;;
  esac
done

say() { echo "bench-startup: $*"; }
die() { echo "bench-startup: ERROR: $*" >&2; exit 1; }

bash scripts/bootstrap.sh >/dev/null
if ! command -v mosquitto_sub >/dev/null 2>&1; then
  say "installing mosquitto-clients (mosquitto_sub)"
  { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq --no-install-recommends mosquitto-clients || sudo apt-get install -y -qq --no-install-recommends mosquitto-clients; } >/dev/null \
    || die "install mosquitto-clients: sudo apt-get install -y mosquitto-clients"
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQUITTO" ] || die "mosquitto not found (bash scripts/bootstrap.sh installs it)"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the two ways the command starts ---------------------------------------------------------------------------------
declare -A COMMANDS
if [ -z "$ONLY" ] || [ "$ONLY" = dll ]; then
  dotnet build src/EdgeInspect.Worker -c Release --nologo -v quiet -tl:off -clp:NoSummary >/dev/null
  COMMANDS[dll]="dotnet $ROOT/src/EdgeInspect.Worker/bin/Release/net10.0/edgeinspect.dll"
fi
if [ -z "$ONLY" ] || [ "$ONLY" = r2r ]; then
  case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) die "unsupported $(uname -m)" ;; esac
  publish="$ROOT/.native/bench-startup/$rid"
  say "publishing self-contained ReadyToRun for $rid (as scripts/install.sh does)"
  dotnet publish src/EdgeInspect.Worker/EdgeInspect.Worker.csproj -c Release -r "$rid" --self-contained true \
    --artifacts-path "$ROOT/.native/install/artifacts" -o "$publish" --nologo -v quiet -tl:off -clp:NoSummary >/dev/null
  COMMANDS[r2r]="$publish/edgeinspect"
fi

free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
  die "no free port"
}

wait_for() { # FILE PATTERN SECONDS
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.02
  done
}

one_run() { # NAME COMMAND → prints seconds
  local name=$1 cmd=$2 dir port t0 t1 station sub broker
  dir="$WORK/$name-$RANDOM"
  mkdir -p "$dir"
  port=$(free_port)
  # Logged to stderr (unbuffered): started as root, mosquitto drops to its own user, which may not write into $dir.
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nlog_dest stderr\nlog_type subscribe\nlog_type error\npersistence false\n' \
    "$port" >"$dir/mosquitto.conf"
  "$MOSQUITTO" -c "$dir/mosquitto.conf" >"$dir/broker.log" 2>&1 &
  broker=$!
  PIDS+=("$broker")
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done
  mosquitto_sub -h 127.0.0.1 -p "$port" -t 'edgeinspect/+/+/+/+/result' -C 1 -F '%U' >"$dir/first" 2>"$dir/sub.err" &
  sub=$!
  PIDS+=("$sub")
  wait_for "$dir/broker.log" "/result" 10 || die "the subscriber did not subscribe (see $dir/broker.log)"
  sed -e "s|\"port\": 1883|\"port\": $port|" \
      -e "s|\"mode\": \"shadow\"|\"mode\": \"live\"|" \
      -e "s|var/demo/|$dir/|g" \
      -e "s|\"folder:tests/|\"folder:$ROOT/tests/|" \
      -e "s|\"models/|\"$ROOT/models/|g; s|\"modelsFolder\": \"models\"|\"modelsFolder\": \"$ROOT/models\"|" \
      -e "s|\"tests/data/|\"$ROOT/tests/data/|g" \
      firmware-config/stations/demo.json >"$dir/station.json"
  t0=$(date +%s.%N)
  (cd "$dir" && exec $cmd run --config "$dir/station.json") >"$dir/station.log" 2>&1 &
  station=$!
  PIDS+=("$station")
  local deadline=$((SECONDS + 60))
  while kill -0 "$sub" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "$name: no result within 60 s (see $dir/station.log)"
    kill -0 "$station" 2>/dev/null || { tail -n 20 "$dir/station.log" >&2; die "$name: the station exited before its first result"; }
    sleep 0.01
  done
  t1=$(head -n 1 "$dir/first")
  [ -z "${BENCH_KEEP_LOG:-}" ] || { echo "t0 $(date -d "@$t0" +%T.%N | cut -c1-12)  first result $(date -d "@$t1" +%T.%N | cut -c1-12)"; cat "$dir/station.log"; } >&2
  [ -n "$t1" ] || die "$name: the subscriber got no result"
  kill -TERM "$station" 2>/dev/null || true
  wait "$station" 2>/dev/null || true
  kill "$broker" 2>/dev/null || true
  wait "$broker" 2>/dev/null || true
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

say "$RUNS runs each; load average now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for name in dll r2r; do
  [ -n "${COMMANDS[$name]:-}" ] || continue
  one_run "$name" "${COMMANDS[$name]}" >/dev/null # warm the file cache once
  times=()
  for i in $(seq "$RUNS"); do times+=("$(one_run "$name" "${COMMANDS[$name]}")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v runs="$RUNS" '
    { v[NR] = $1 }
    END { med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "bench-startup: %-4s start -> first result: median %.2f s, min %.2f s, max %.2f s (%d runs)\n", name, med, v[1], v[NR], runs }'
done
