#!/usr/bin/env bash
# Runs the whole EdgeInspect test suite on a fresh Debian/Ubuntu machine with the .NET 10 SDK:
# installs and builds the native stack first (scripts/bootstrap.sh), then runs every test project,
# then the reduced linux-arm64 check (scripts/arm64-check.sh --reduced: the arm64 publish and its ELF check; the full
# check under emulation takes far longer than CI allows, docs/arm64.md), then prints one closing line:
# "N passed, N failed" (", N skipped" when any were skipped; the arm64 check counts as one test).
# Extra arguments go to `dotnet test` (for example --filter "Category!=Integration"); with them, the run is a partial
# one and the arm64 check is left out (it says so).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/bootstrap.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test EdgeInspect.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
arm64=skipped
if [ $# -eq 0 ]; then
  if bash scripts/arm64-check.sh --reduced; then arm64=passed; else arm64=failed; status=1; fi
else
  echo "test: arguments given, so the reduced linux-arm64 check is left out (run: bash scripts/arm64-check.sh --reduced)"
fi
set -e

# VSTest prints one line per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ..."
awk -v arm64="$arm64" '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { v = $(i+1); gsub(",", "", v); failed  += v }
      if ($i == "Passed:")  { v = $(i+1); gsub(",", "", v); passed  += v }
      if ($i == "Skipped:") { v = $(i+1); gsub(",", "", v); skipped += v }
    }
    runs++
  }
  END {
    if (runs == 0) { print "no test results (the build or the test host failed; see above)"; exit }
    if (arm64 == "passed") passed++
    if (arm64 == "failed") failed++
    line = passed " passed, " failed " failed"
    if (skipped > 0) line = line ", " skipped " skipped"
    print line
  }' "$log"
exit "$status"
