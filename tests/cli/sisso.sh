#!/usr/bin/env bash
# `-model sisso` through the command line: train on 2 ranks recovers y = 3 x1 x2 / x3^2
# from noisy data and saves the formula; `formula` prints it; `predict` re-evaluates it
# from the primary features (to 1e-9 of the formula evaluated here by numpy); the 1-rank
# model file holds the same formula and coefficients. Bad options and a prediction row
# outside the formula's domain fail with messages naming them. Classification: three classes
# set by x1 x2 / x3 are separated by that one descriptor, and new rows classified right.
# Usage: sisso.sh MATSCREEN MPIEXEC RUN_EXPECT
set -eu
ms=$1; mpiexec=$2; expect=$3
py=${MS_PYTHON:-/usr/bin/python3}
d=sisso_cli; rm -rf $d; mkdir -p $d
"$py" - "$d" <<'PYEOF'
import sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(5); n = 50
X = rng.uniform(0.5, 2.0, (n, 3))
y = 3 * X[:, 0] * X[:, 1] / X[:, 2]**2 * (1 + 0.01 * rng.standard_normal(n))
np.savetxt(f"{d}/train.csv", np.c_[X, y], delimiter=",", header="x1,x2,x3,y", comments="", fmt="%.17g")
T = rng.uniform(0.7, 1.8, (20, 3))
np.savetxt(f"{d}/test.csv", T, delimiter=",", header="x1,x2,x3", comments="", fmt="%.17g")
T[7, 2] = 0.0  # x3 = 0: the formula divides by zero on data row 8
np.savetxt(f"{d}/bad.csv", T, delimiter=",", header="x1,x2,x3", comments="", fmt="%.17g")
PYEOF
args=(train -data $d/train.csv -target y -model sisso -sisso_rung 2 -sisso_dim 1 -sisso_n_sis 10 -quiet)
"$mpiexec" --oversubscribe -n 2 "$ms" "${args[@]}" -output $d/m2.h5
"$ms" "${args[@]}" -output $d/m1.h5
f2=$("$ms" formula -model $d/m2.h5); f1=$("$ms" formula -model $d/m1.h5)
echo "formula (2 ranks): $f2"
[[ "$f1" == "$f2" ]] || { echo "sisso.sh: 1-rank formula '$f1' differs from 2-rank '$f2'" >&2; exit 1; }
[[ "$f2" == *"* ((x1*x2)/x3^2)" ]] || { echo "sisso.sh: planted descriptor not recovered: $f2" >&2; exit 1; }
"$mpiexec" --oversubscribe -n 2 "$ms" predict -model $d/m2.h5 -data $d/test.csv -output $d/pred.csv -quiet
"$py" - "$d" "$f2" <<'PYEOF'
import sys, re, numpy as np, pandas as pd
d, f = sys.argv[1], sys.argv[2]
m = re.match(r"y = (\S+) \+ (\S+) \* \(\(x1\*x2\)/x3\^2\)$", f)
assert m, f
c0, c1 = float(m.group(1)), float(m.group(2))
assert abs(c1 - 3) < 0.03 and abs(c0) < 0.05, (c0, c1)
T = np.loadtxt(f"{d}/test.csv", delimiter=",", skiprows=1)
p = pd.read_csv(f"{d}/pred.csv", comment="#")["prediction"].to_numpy()
ref = c0 + c1 * T[:, 0] * T[:, 1] / T[:, 2]**2
assert np.allclose(p, ref, rtol=1e-9, atol=0), np.abs(p - ref).max()
print("sisso.sh: predictions re-evaluate the formula, max |diff|", np.abs(p - ref).max())
PYEOF
"$expect" --status 95 --stderr-has "-sisso_rung must be 0..3, got 5" -- "$ms" "${args[@]}" -sisso_rung 5 -output $d/x.h5
"$expect" --status 95 --stderr-has "-sisso_ops: unknown operator 'pow'" -- "$ms" "${args[@]}" -sisso_ops mul,pow -output $d/x.h5
"$expect" --status 95 --stderr-has "more than -sisso_max_stored 50 allows" -- "$ms" "${args[@]}" -sisso_rung 3 -sisso_max_stored 50 -output $d/x.h5
"$expect" --status 95 --stderr-has "'x9' is not a feature" -- "$ms" "${args[@]}" -sisso_units x9=eV -output $d/x.h5
"$expect" --fail --stderr-has "is not finite at data row 8" --absent $d/badpred.csv -- \
  "$mpiexec" --oversubscribe -n 2 "$ms" predict -model $d/m2.h5 -data $d/bad.csv -output $d/badpred.csv -quiet
# classification: three classes by thresholds of x1 x2 / x3 (a rung-2 descriptor)
"$py" - "$d" <<'PYEOF'
import sys, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(4)
for name, n in (("cls", 90), ("clst", 60)):
    X = rng.uniform(0.5, 2, (n, 3)); q = X[:, 0] * X[:, 1] / X[:, 2]
    lab = np.where(q < 0.8, "low", np.where(q < 2.0, "mid", "high"))
    with open(f"{d}/{name}.csv", "w") as f:
        f.write("x1,x2,x3,cls\n")
        for x, l in zip(X, lab): f.write(f"{x[0]!r},{x[1]!r},{x[2]!r},{l}\n")
PYEOF
"$mpiexec" --oversubscribe -n 2 "$ms" train -data $d/cls.csv -target cls -model sisso -sisso_dim 1 -sisso_n_sis 10 -output $d/c.h5 -quiet
"$expect" --stdout-has "class domains (convex hulls) in the space of d1 = (x3/(x1*x2)); 0 training rows" -- "$ms" formula -model $d/c.h5
acc=$("$mpiexec" --oversubscribe -n 2 "$ms" predict -model $d/c.h5 -data $d/clst.csv -target cls -output $d/cp.csv | grep -o "accuracy [0-9.]*" | cut -d' ' -f2)
echo "sisso.sh: classification accuracy on new rows $acc"
"$py" -c "import sys; sys.exit(0 if float('$acc') >= 0.95 else 1)" || { echo "sisso.sh: classification accuracy $acc < 0.95" >&2; exit 1; }
# a model file whose descriptor program names a column the model does not have
cp $d/m1.h5 $d/bad.h5
"$py" -c "
import h5py, numpy as np
with h5py.File('$d/bad.h5', 'r+') as f:
    g = f['model']; p = [s.decode() if isinstance(s, bytes) else s for s in g.attrs['programs']]
    del g.attrs['programs']; g.attrs['programs'] = np.array(['f0 f7 mul'] + p[1:], dtype=h5py.string_dtype())
"
"$expect" --status 66 --stderr-has "token 2 'f7' is not a feature column f0..f2" -- "$ms" formula -model $d/bad.h5
"$ms" train -data $d/train.csv -target y -model linear -output $d/lin.h5 -quiet
"$expect" --status 95 --stderr-has "model type 'linear' has no formula" -- "$ms" formula -model $d/lin.h5
echo "sisso.sh: ok"
