#!/usr/bin/env bash
# matscreen bo benchmarks (JSON lines): `bo suggest` latency on the LATP stage-2 space (2574
# candidates) and on a 10^7-point grid, on 1 and 2 ranks; a 200-repeat `bo benchmark` (UCB,
# n_init 10, the 80-point pool of tests/cli/bo_data) on 1 and 2 ranks beside the same loop
# written with scikit-learn (sklearn_loop.py).  Usage: benchmarks/bo/run.sh [build] [repeats]
set -euo pipefail
BUILD=${1:-build}; REPEATS=${2:-200}
SRC=$(cd "$(dirname "$0")/../.." && pwd); MS="$SRC/$BUILD/bin/matscreen"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
POOL="$SRC/tests/cli/bo_data/latp_like_pool_80.csv"
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

# LATP stage 2: Table 4.2, UCB + Kriging believer, q = 6
for np in 1 2; do
  s=$(secs mpiexec -n $np "$MS" bo suggest -data "$SRC/inputs/latp/bo_samples_table_4_2.csv" -space "$SRC/inputs/latp/search_space_table_4_1.csv" \
      -stage iterations_3_4 -target ionic_conductivity_s_per_cm -target_transform log10 -batch 6 -output "$W/latp.csv" -quiet)
  echo "{\"case\": \"suggest latp stage 2 (2574 candidates, q=6)\", \"ranks\": $np, \"seconds\": $s}"
done

# 10^7-point grid: 4 integer dimensions 100 x 100 x 100 x 10, 40 measured points of a smooth function
printf 'dimension,type,values\na,int,1 100\nb,int,1 100\nc,int,1 100\nd,int,1 10\n' > "$W/grid.csv"
/usr/bin/python3 - "$W/grid_data.csv" <<'PY'
import sys, numpy as np
r = np.random.default_rng(3); X = np.column_stack([r.integers(1, 101, 40), r.integers(1, 101, 40), r.integers(1, 101, 40), r.integers(1, 11, 40)])
y = -((X[:, 0] - 60) / 30.0) ** 2 - ((X[:, 1] - 40) / 25.0) ** 2 - ((X[:, 2] - 70) / 40.0) ** 2 - ((X[:, 3] - 3) / 4.0) ** 2
np.savetxt(sys.argv[1], np.column_stack([X, y]), delimiter=",", header="a,b,c,d,y", comments="", fmt=["%d"] * 4 + ["%.10g"])
PY
for np in 1 2; do
  s=$(secs mpiexec -n $np "$MS" bo suggest -data "$W/grid_data.csv" -space "$W/grid.csv" -target y -batch 1 -output "$W/g$np.csv" -quiet)
  echo "{\"case\": \"suggest 10^7-point grid (q=1)\", \"ranks\": $np, \"seconds\": $s}"
done
cmp <(grep -v '^#' "$W/g1.csv") <(grep -v '^#' "$W/g2.csv") && echo '{"check": "10^7 grid: same suggestion on 1 and 2 ranks"}'

# virtual experiment: 200 repeats of UCB, n_init 10
for np in 1 2; do
  s=$(secs mpiexec -n $np "$MS" bo benchmark -pool "$POOL" -target ionic_conductivity_s_per_cm -strategies ucb -init 10 -repeats "$REPEATS" \
      -output "$W/bench$np.csv" -quiet)
  row=$(grep '^ucb' "$W/bench$np.csv")
  echo "{\"case\": \"bo benchmark ucb n_init 10 x $REPEATS repeats\", \"ranks\": $np, \"seconds\": $s, \"row\": \"$row\"}"
done
/usr/bin/python3 "$SRC/benchmarks/bo/sklearn_loop.py" --pool "$POOL" --target ionic_conductivity_s_per_cm --init 10 --repeats "$REPEATS"
