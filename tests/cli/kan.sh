#!/usr/bin/env bash
# `-model kan` through the command line: a [2, 5, 1] KAN (G = 5, cubic) learns
# f(x, y) = exp(sin(pi x) + y^2) on [-1, 1]^2 to test RMSE < 1e-2 (issue 12's criterion; the
# function spans 0.37..7.4), trained on 2 ranks; the 1-rank model predicts the same digits.
# Usage: kan.sh MATSCREEN MPIEXEC RUN_EXPECT
set -eu
ms=$1; mpiexec=$2; expect=$3
py=${MS_PYTHON:-/usr/bin/python3}
d=kan_cli; rm -rf $d; mkdir -p $d
"$py" "$(dirname "$0")/kan_data.py" $d
args=(train -data $d/train.csv -target f -model kan -kan_widths 5 -kan_grid 5 -kan_epochs 1500 -kan_lr 0.02 -seed 1 -quiet)
"$mpiexec" --oversubscribe -n 2 "$ms" "${args[@]}" -output $d/k2.h5
"$ms" "${args[@]}" -output $d/k1.h5
for r in 1 2; do "$ms" predict -model $d/k$r.h5 -data $d/test.csv -target f -output $d/p$r.csv -quiet; done
diff <(grep -v '^#' $d/p1.csv) <(grep -v '^#' $d/p2.csv) || { echo "kan.sh: 1- and 2-rank models predict differently" >&2; exit 1; }
"$py" - "$d" <<'PYEOF'
import sys, numpy as np, pandas as pd
d = sys.argv[1]
f = np.loadtxt(f"{d}/test.csv", delimiter=",", skiprows=1)[:, 2]
p = pd.read_csv(f"{d}/p2.csv", comment="#")["prediction"].to_numpy()
rmse = float(np.sqrt(np.mean((p - f) ** 2)))
print(f"kan.sh: test RMSE {rmse:.4g} on exp(sin(pi x) + y^2)")
assert rmse < 1e-2, rmse
PYEOF
"$expect" --status 95 --stderr-has "-kan_grid must be 1..58" -- "$ms" "${args[@]}" -kan_grid 80 -output $d/x.h5
"$expect" --status 95 --stderr-has "-kan_lr must be > 0" -- "$ms" "${args[@]}" -kan_lr -1 -output $d/x.h5
"$expect" --status 95 --stderr-has "trained without symbolic snapping" -- "$ms" formula -model $d/k1.h5
echo "kan.sh: ok"
