#!/bin/bash
# nmf_cmp.sh - two matscreen builds and scikit-learn on bench_ml.py's NMF case, interleaved
# (old, new, peer per round), in CPU seconds as well as wall seconds: the machine is shared.
#
#   benchmarks/ml/nmf_cmp.sh OLD_MATSCREEN NEW_MATSCREEN [ROUNDS=3] [SOLVERS="hals mu"]
#
# Per line: fit wall s (the log), fit CPU s (the log; builds that print it), CPU s of the whole
# process (user + sys; start-up and reading included), ||X - WH||_F. The peer line is the best of
# two fit_transform calls in one fresh interpreter (wall and process time). 1 rank, 1 thread,
# everything under nice -n 19. A wrapper script works as a binary (e.g. to set LD_LIBRARY_PATH).
set -e
OLD=$1; NEW=$2; R=${3:-3}; SOLVERS=${4:-"hals mu"}
[ -x "$OLD" ] && [ -x "$NEW" ] || { echo "usage: $0 OLD_MATSCREEN NEW_MATSCREEN [ROUNDS] [SOLVERS]" >&2; exit 2; }
OLD=$(realpath "$OLD"); NEW=$(realpath "$NEW")
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
DIR=$(mktemp -d /tmp/nmf_cmp.XXXXXX)
trap 'rm -rf "$DIR"' EXIT  # also when a run fails (set -e)
cd "$DIR"
/usr/bin/python3 - <<'EOF'
import numpy as np, h5py
n, d, k = 10000, 500, 10  # bench_ml.py's _zoo_nmf
rng = np.random.default_rng(0)
X = rng.gamma(2.0, size=(n, k)) @ rng.gamma(1.0, size=(k, d)) + 0.1 * np.abs(rng.normal(size=(n, d)))
with h5py.File("nmf.h5", "w") as f:
    ds = f.create_dataset("features", data=X)
    ds.attrs.create("column_names", ["p%d" % j for j in range(d)], dtype=h5py.string_dtype())
EOF
for s in $SOLVERS; do
  for r in $(seq "$R"); do
    for v in old new; do
      B=$OLD; [ $v = new ] && B=$NEW
      out=$( { /usr/bin/time -f "PROC %U %S" nice -n 19 "$B" nmf -data nmf.h5 -nmf_n_components 10 -nmf_solver "$s" -nmf_max_iter 200 -nmf_tol 0 -output $v.h5; } 2>&1 )
      fit=$(echo "$out" | grep -o "iterations) in [0-9.]* s" | grep -o "[0-9.]* s")
      cpu=$(echo "$out" | grep -o "; CPU [0-9.]* s" | grep -o "[0-9.]* s" || true)
      proc=$(echo "$out" | grep PROC | awk '{print $2 + $3}')
      err=$(/usr/bin/python3 -c "import h5py; print('%.13g' % h5py.File('$v.h5')['/nmf'].attrs['reconstruction_err'])")
      echo "$s $v fit $fit CPU ${cpu:--} process CPU $proc err $err"
    done
    nice -n 19 /usr/bin/python3 - "$s" <<'EOF'
import sys, time, warnings, h5py
from sklearn.decomposition import NMF
X = h5py.File("nmf.h5")["features"][()]
s = sys.argv[1]
bc = bw = float("inf")
for _ in range(2):
    m = NMF(n_components=10, init="nndsvda", solver={"hals": "cd", "mu": "mu"}[s], max_iter=200, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c0, w0 = time.process_time(), time.perf_counter()
        m.fit_transform(X)
    bc, bw = min(bc, time.process_time() - c0), min(bw, time.perf_counter() - w0)
print("%s peer fit %.3f s CPU %.3f err %.13g" % (s, bw, bc, m.reconstruction_err_))
EOF
  done
done
