#!/usr/bin/env bash
# KAN symbolic read-out (issue 12): a [2, 1, 1] KAN trained by L-BFGS with grid extension 5 -> 10
# on f(x, y) = exp(sin(pi x) + y^2) must
#   - predict the test rows to RMSE < 1e-2 (the snapped model),
#   - store per-edge functions sin (x -> h), x^2 (y -> h), exp (h -> out) in the model file,
#   - print a formula that, evaluated independently here (NumPy, from the text), matches the
#     model's own predictions to 1e-8 relative and, after the joint fine-tuning of the snapped
#     edges (default -kan_snap_finetune 200), the test targets to RMSE < 1e-6 with sin's
#     frequency |a| = pi to 1e-6 (exact recovery; without fine-tuning ~1e-4),
#   - be the same model on 1 and 2 ranks (predictions and formula identical);
# `formula -plot` writes a PNG (valid signature) when gnuplot is present; option errors.
# Usage: kan_snap.sh MATSCREEN MPIEXEC RUN_EXPECT
set -eu
ms=$1; mpiexec=$2; expect=$3
py=${MS_PYTHON:-/usr/bin/python3}
d=kan_snap_cli; rm -rf $d; mkdir -p $d
"$py" "$(dirname "$0")/kan_data.py" $d
args=(train -data $d/train.csv -target f -model kan -kan_widths 1 -kan_grid_schedule 5,10 -kan_optimizer lbfgs -kan_epochs 400
      -kan_snap auto -seed 3 -quiet)
"$mpiexec" --oversubscribe -n 2 "$ms" "${args[@]}" -output $d/k2.h5
"$ms" "${args[@]}" -output $d/k1.h5
for r in 1 2; do
  "$ms" predict -model $d/k$r.h5 -data $d/test.csv -target f -output $d/p$r.csv -quiet
  "$ms" formula -model $d/k$r.h5 > $d/formula$r.txt
done
diff <(grep -v '^#' $d/p1.csv) <(grep -v '^#' $d/p2.csv) || { echo "kan_snap.sh: 1- and 2-rank models predict differently" >&2; exit 1; }
diff $d/formula1.txt $d/formula2.txt || { echo "kan_snap.sh: 1- and 2-rank formulas differ" >&2; exit 1; }
"$py" - "$d" <<'PYEOF'
import sys, numpy as np, pandas as pd, h5py
d = sys.argv[1]
t = np.loadtxt(f"{d}/test.csv", delimiter=",", skiprows=1)
p = pd.read_csv(f"{d}/p2.csv", comment="#")["prediction"].to_numpy()
rmse = float(np.sqrt(np.mean((p - t[:, 2]) ** 2)))
print(f"kan_snap.sh: snapped model test RMSE {rmse:.3g}")
assert rmse < 1e-2, rmse
with h5py.File(f"{d}/k2.h5", "r") as f:
    g = f["model"]
    fns = [s.decode() if isinstance(s, bytes) else str(s) for s in g.attrs["edge_functions"]]
    sym = g["edge_symbolic"][()]
print("kan_snap.sh: edge functions", fns, "R^2", sym[:, 4])
assert fns == ["sin", "x^2", "exp"], fns          # edges x -> h, y -> h, h -> out
assert abs(abs(sym[0, 0]) - np.pi) < 1e-6, sym[0]  # sin(a x + b): |a| = pi
text = open(f"{d}/formula2.txt").read().strip()
lhs, rhs = text.split(" = ", 1)
assert lhs == "f", lhs
ns = {"x": t[:, 0], "y": t[:, 1], "exp": np.exp, "sin": np.sin, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh, "abs": np.abs, "arctan": np.arctan}
v = eval(rhs.replace("^", "**"), {"__builtins__": {}}, ns)
frmse = float(np.sqrt(np.mean((v - t[:, 2]) ** 2)))
print(f"kan_snap.sh: formula {text}\nkan_snap.sh: formula evaluated by NumPy: test RMSE {frmse:.3g}, max |formula - model| {np.max(np.abs(v - p)):.3g}")
assert frmse < 1e-6, frmse
assert np.allclose(v, p, rtol=1e-8, atol=1e-8)
PYEOF
if command -v gnuplot >/dev/null; then
  "$ms" formula -model $d/k1.h5 -plot $d/edges.png > /dev/null
  "$py" -c "import sys; h = open(sys.argv[1], 'rb').read(8); assert h == b'\x89PNG\r\n\x1a\n', h; print('kan_snap.sh: edges.png is a PNG')" $d/edges.png
fi
"$expect" --status 95 --stderr-has "-kan_snap: unknown function 'cosh'" -- "$ms" "${args[@]}" -kan_snap sin,cosh -output $d/x.h5
"$expect" --status 95 --stderr-has "-kan_grid_schedule must increase" -- "$ms" "${args[@]}" -kan_grid_schedule 5,3 -output $d/x.h5
"$expect" --status 95 --stderr-has "-kan_optimizer" -- "$ms" "${args[@]}" -kan_optimizer sgd -output $d/x.h5
"$expect" --status 95 --stderr-has "-kan_snap_r2 must be in [0, 1]" -- "$ms" "${args[@]}" -kan_snap_r2 2 -output $d/x.h5
"$expect" --status 95 --stderr-has "-kan_snap_finetune must be >= 0" -- "$ms" "${args[@]}" -kan_snap_finetune -1 -output $d/x.h5
test ! -e $d/x.h5
echo "kan_snap.sh: ok"
