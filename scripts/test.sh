#!/usr/bin/env bash
# Runs the whole EdgeInspect test suite on a fresh Debian/Ubuntu machine with the .NET 10 SDK:
# installs and builds the native stack first (scripts/bootstrap.sh), then runs every test project,
# then prints one closing line: "N passed, N failed" (", N skipped" when any were skipped).
# Extra arguments go to `dotnet test` (for example --filter "Category!=Integration").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/bootstrap.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test EdgeInspect.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# VSTest prints one line per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ..."
awk '
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
    line = passed " passed, " failed " failed"
    if (skipped > 0) line = line ", " skipped " skipped"
    print line
  }' "$log"
exit "$status"
