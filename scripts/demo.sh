#!/usr/bin/env bash
# The main job on embedded defaults: `edgeinspect demo` (see README.md). Installs and builds the native stack
# first (scripts/bootstrap.sh). Extra arguments go to the demo (for example --keep or --passes 3).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh
dotnet build src/EdgeInspect.Worker -c Release --nologo -v quiet -tl:off -clp:NoSummary >/dev/null || dotnet build src/EdgeInspect.Worker -c Release --nologo -v quiet -tl:off
exec dotnet src/EdgeInspect.Worker/bin/Release/net10.0/edgeinspect.dll demo "$@"
