#!/usr/bin/env bash
# The long runs of the reliability campaigns (docs/reliability.md). CI runs each one smaller inside `bash scripts/test.sh`.
#   bash scripts/reliability.sh models   # 1,000 malformed models through the child-process check
#   bash scripts/reliability.sh disk     # full disk, broker down 60 s (needs root: the test mounts a 3 MiB tmpfs)
#   bash scripts/reliability.sh crash    # 100 SIGKILLs against mosquitto and a gateway
#   bash scripts/reliability.sh camera   # 20 kill/freeze cycles of an ffmpeg network camera
#   bash scripts/reliability.sh soak [MINUTES]   # edgeinspect soak, 60 minutes by default
#   bash scripts/reliability.sh all
# Each campaign writes its figures as JSON to .native/reliability/ and prints them.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT="$ROOT/.native/reliability"
mkdir -p "$OUT"
bash scripts/bootstrap.sh
dotnet build tests/EdgeInspect.Worker.Tests -c Release --nologo -v q

campaign() { # name filter VAR=value...
  local name=$1 filter=$2; shift 2
  echo "reliability: $name"
  env EDGEINSPECT_RELIABILITY_OUT="$OUT" "$@" dotnet test tests/EdgeInspect.Worker.Tests -c Release --no-build --nologo \
    --filter "FullyQualifiedName~$filter" --logger "console;verbosity=normal"
}

soak() {
  local minutes=${1:-60}
  echo "reliability: soak, $minutes minutes"
  dotnet src/EdgeInspect.Worker/bin/Release/net10.0/edgeinspect.dll soak --minutes "$minutes" --fps 10 --sample-every 00:00:10 \
    --json --samples-csv "$OUT/soak-$minutes.csv" | tee "$OUT/soak-$minutes.json"
}

case "${1:-all}" in
  models) campaign models MalformedModelTests.Every_Mutant EDGEINSPECT_MODEL_MUTANTS=1000 ;;
  disk)   campaign disk FullDiskTests EDGEINSPECT_DISK_BROKER_DOWN_S=60 ;;
  crash)  campaign crash CrashLoopTests EDGEINSPECT_CRASH_CYCLES=100 ;;
  camera) campaign camera LostCameraTests EDGEINSPECT_CAMERA_CYCLES=20 ;;
  soak)   soak "${2:-60}" ;;
  all)    "$0" models && "$0" disk && "$0" crash && "$0" camera && "$0" soak ;;
  *) echo "usage: bash scripts/reliability.sh models|disk|crash|camera|soak [MINUTES]|all" >&2; exit 2 ;;
esac
