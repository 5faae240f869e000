#!/usr/bin/env bash
# obelix.sh - the composition example of the main job: Magpie features of the OBELiX solid
# electrolytes (official train/test split), a random forest on log10 of the room-temperature
# ionic conductivity, and its MAE and R^2 on the test split.
#
#   inputs/quickstart/obelix.sh [BUILD_DIR] [NP] [OUT_DIR]      (defaults: build 2 demo-output/obelix)
#
# The data sit beside the repository (../shared/data/obelix; from a git worktree
# ../../shared/data), or wherever MS_SHARED_DATA points. Targets "<1E-10" (conductivity below
# the measurable range) are read as the bound 1e-10, i.e. log10 = -10.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
np=${2:-2}
out=${3:-$here/demo-output/obelix}
ms=$build/bin/matscreen
data=${MS_SHARED_DATA:-}
if [ -z "$data" ]; then
  for d in "$here/../shared/data" "$here/../../shared/data"; do
    [ -d "$d/obelix" ] && data=$d && break
  done
fi
[ -n "$data" ] && [ -f "$data/obelix/train.csv" ] || { echo "obelix.sh: OBELiX data not found (set MS_SHARED_DATA)" >&2; exit 1; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
run() { if [ "$np" -gt 1 ]; then mpiexec -n "$np" "$ms" "$@"; else "$ms" "$@"; fi; }
mkdir -p "$out"

for split in train test; do
  run featurize composition -input "$data/obelix/$split.csv" -formula_column "Reduced Composition" -id ID \
      -target "Ionic conductivity (S cm-1)" -target_log10 -preset magpie -output "$out/$split.h5"
done
run train -data "$out/train.h5" -target "log10(Ionic conductivity (S cm-1))" -id ID -model rf -rf_n_trees 200 -seed 1 \
    -output "$out/rf.h5"
run predict -model "$out/rf.h5" -data "$out/test.h5" -id ID -target "log10(Ionic conductivity (S cm-1))" \
    -output "$out/test_predictions.csv"
run convert -input "$out/test.h5" -output "$out/test_features.csv" -id ID -quiet

# MAE and R^2 of log10(sigma) on the test split: join predictions and targets by ID.
awk -F, '
  /^#/ { next }
  FILENAME != cur { cur = FILENAME; file++; header = 1 }
  header { header = 0; if (file == 1) { for (i = 1; i <= NF; i++) if ($i == "prediction") pc = i } else tc = NF; next }
  file == 1 { pred[$1] = $pc; next }
  ($1 in pred) { y = $tc; p = pred[$1]; n++; sa += (p > y ? p - y : y - p); ss += (p - y) ^ 2; sy += y; syy += y * y }
  END {
    if (n == 0) { print "obelix.sh: no test rows matched" > "/dev/stderr"; exit 1 }
    mae = sa / n; st = syy - sy * sy / n
    printf "OBELiX test split (%d compositions): log10(sigma / S cm^-1) by a random forest on Magpie features: MAE = %.3f, R^2 = %.3f\n", n, mae, 1 - ss / st
  }' "$out/test_predictions.csv" "$out/test_features.csv" | tee "$out/metrics.txt"
echo "OBELiX example: features, model and predictions in $out"
