#!/usr/bin/env bash
# Label campaign throughput: the same campaign on P ranks with -ranks_per_structure 1 (P
# structures at once) and P (one structure at a time on all ranks), side by side in one run.
# One JSON object per line: {"bench":"campaign","ranks":P,"ranks_per_structure":r,"n":N,
# "size":S,"wall_s":..,"structures_per_min":..,"mean_structure_s":..,"max_rel_tau_diff_vs_r1":..}
#   benchmarks/campaign/bench.sh [BUILD_DIR] [N] [SIZE] [P]      defaults: build 16 64 2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
n=${2:-16}; size=${3:-64}; np=${4:-2}
M="$build/bin/matscreen"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
C=(-n "$n" -size "$size" -n_points_range 40,170 -radius_range 2.5,4.5 -stretch_axis random -stretch_range 0.5,1 -seed 1 -quiet)
for r in 1 "$np"; do
  t0=$(date +%s.%N)
  mpirun --oversubscribe -n "$np" "$M" label "${C[@]}" -ranks_per_structure "$r" -output "$work/r$r.h5"
  t1=$(date +%s.%N)
  /usr/bin/python3 - "$work/r$r.h5" "$work/r1.h5" "$np" "$r" "$n" "$size" "$t0" "$t1" <<'PY'
import sys, json, h5py, numpy as np
f, ref, np_, r, n, size, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
g, h = h5py.File(f)["labels"], h5py.File(ref)["labels"]
assert (g["done"][...] == 1).all()
d = 0.0
for a in "xyz":
    x, y = g["tau_" + a][...], h["tau_" + a][...]
    ok = np.isfinite(x) & np.isfinite(y)
    d = max(d, float(np.max(np.abs(x[ok] - y[ok]) / y[ok])) if ok.any() else 0.0)
wall = t1 - t0
print(json.dumps({"bench": "campaign", "ranks": np_, "ranks_per_structure": r, "n": n, "size": size, "wall_s": round(wall, 2),
                  "structures_per_min": round(60 * n / wall, 2), "mean_structure_s": round(float(np.mean(g["seconds"][...])), 3),
                  "max_rel_tau_diff_vs_r1": d}))
PY
done
