#!/usr/bin/env bash
# Longer fuzz runs than CI's (docs/reliability.md).
#   bash scripts/fuzz.sh [CASES]                 every CsCheck fuzz target, CASES cases each (default 200000; CI runs 10000)
#   bash scripts/fuzz.sh afl TARGET [SECONDS]    coverage-guided: Debian's AFL++ on a SharpFuzz-instrumented
#                                                EdgeInspect.Core, TARGET = envelope | command | manifest (default 600 s)
# A failing CsCheck run prints its seed; replay it with EDGEINSPECT_FUZZ_SEED=<seed> bash scripts/fuzz.sh.
# AFL crashes land in .native/fuzz/findings-TARGET/default/crashes (each file is one input: make it a [Fact]);
# each afl run starts afresh (the previous run's findings for that target are removed).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if [[ "${1:-}" != "afl" ]]; then
  bash scripts/bootstrap.sh
  export EDGEINSPECT_FUZZ_CASES="${1:-200000}"
  exec dotnet test EdgeInspect.sln -c Release --nologo --filter "Category=Fuzz"
fi

target="${2:?usage: bash scripts/fuzz.sh afl envelope|command|manifest [SECONDS]}"
seconds="${3:-600}"
work="$ROOT/.native/fuzz"
command -v afl-fuzz >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq afl++; }
[[ -x "$ROOT/.native/tools/sharpfuzz" ]] || dotnet tool install --tool-path "$ROOT/.native/tools" SharpFuzz.CommandLine --version 2.3.0
# SharpFuzz rewrites the assembly in place. The repo's builds hard-link outputs (Directory.Build.props), so the
# harness is built into one folder and copied (new files, no links) into the one that gets instrumented: otherwise
# the instrumentation would reach every linked EdgeInspect.Core.dll, the test projects' included.
rm -rf "$work/build" "$work/out" "$work/findings-$target"
dotnet build tests/EdgeInspect.Fuzz -c Release -o "$work/build" --nologo -v quiet
cp -r "$work/build" "$work/out"
"$ROOT/.native/tools/sharpfuzz" "$work/out/EdgeInspect.Core.dll"

corpus="$work/corpus/$target"
rm -rf "$corpus" && mkdir -p "$corpus"
case "$target" in
  envelope)
    printf '%s' '{"schema":"edgeinspect.result/1","device":"ei-arm-0042","epoch":3,"seq":1017,"ts":"2026-12-01T12:00:00.000Z","body":{"partId":"station3-1"}}' > "$corpus/1.json"
    printf '%s' '{"schema":"edgeinspect.cmd-response/1","device":"dev","epoch":1,"seq":1,"ts":"2026-12-01T12:00:00.000Z","body":{"verb":"set-mode","accepted":false}}' > "$corpus/2.json" ;;
  command)
    printf '%s' '{"correlationId":"c-2","args":{"position":"left","inspectorId":"badge-0042"}}' > "$corpus/1.json" ;;
  manifest)
    # The manifests without their baseline block: AFL works best on small inputs.
    for m in models/*/model.json; do python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("baseline",None); print(json.dumps(d,separators=(",",":")))' "$m" > "$corpus/$(basename "$(dirname "$m")").json"; done ;;
  *) echo "unknown target '$target' (envelope, command, manifest)" >&2; exit 2 ;;
esac

AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
  afl-fuzz -V "$seconds" -i "$corpus" -o "$work/findings-$target" -t 5000 -m none -- dotnet "$work/out/EdgeInspect.Fuzz.dll" "$target" || true
crashes=$(find "$work/findings-$target/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "afl $target: $crashes crashing inputs in $work/findings-$target/default/crashes"
