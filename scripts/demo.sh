#!/usr/bin/env bash
# The main job on embedded defaults. Installs and builds the native stack first (scripts/bootstrap.sh).
# Until the station demo lands, this runs `edgeinspect doctor`: every native engine loaded and answering.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh
dotnet build src/EdgeInspect.Worker -c Release --nologo -v quiet -tl:off -clp:NoSummary >/dev/null || dotnet build src/EdgeInspect.Worker -c Release --nologo -v quiet -tl:off
exec dotnet src/EdgeInspect.Worker/bin/Release/net10.0/edgeinspect.dll doctor "$@"
