#!/usr/bin/env bash
# Compares two `edgeinspect replay --predictions` files (seq,file,class,score,p_...): the same frames, the same class
# for every frame, and every probability and score within TOLERANCE. Prints each difference; exits 1 on any.
# Usage: compare-predictions.sh EXPECTED.csv ACTUAL.csv [TOLERANCE (default 1e-4)]
set -euo pipefail
expected=${1:?usage: compare-predictions.sh EXPECTED.csv ACTUAL.csv [TOLERANCE]}
actual=${2:?usage: compare-predictions.sh EXPECTED.csv ACTUAL.csv [TOLERANCE]}
tolerance=${3:-1e-4}
awk -F, -v tol="$tolerance" -v expected="$expected" -v actual="$actual" '
  function abs(x) { return x < 0 ? -x : x }
  FNR == 1 { if (NR == 1) header = $0; else if ($0 != header) { print "the two files have different columns"; bad++ } next }
  NR == FNR { rows++; line[$1] = $0; next }
  {
    frames++
    if (!($1 in line)) { print "frame " $1 ": only in " actual; bad++; next }
    split(line[$1], e, ","); seen[$1] = 1
    if (e[3] != $3) { print "frame " $1 " (" $2 "): class " e[3] " in " expected ", " $3 " in " actual; bad++ }
    for (i = 4; i <= NF; i++) {
      d = abs(e[i] - $i); if (d > worst) worst = d
      if (d > tol) { print "frame " $1 " (" $2 "): column " i " differs by " d " (" e[i] " vs " $i ")"; bad++ }
    }
  }
  END {
    for (s in line) if (!(s in seen)) { print "frame " s ": only in " expected; bad++ }
    if (rows == 0) { print "no frames in " expected; bad++ }
    if (bad) { print bad " difference(s) over " frames " frame(s), tolerance " tol; exit 1 }
    printf "%d frames: same class for every frame, largest probability difference %.3g (tolerance %s)\n", frames, worst, tol
  }' "$expected" "$actual"
