#!/usr/bin/env bash
# I/O benchmark: a 1,000,000 x 20 CSV -> HDF5 (matscreen convert) and the HDF5 read back, on 1
# and 2 ranks, beside h5py/numpy reading the same HDF5 file and numpy parsing the CSV.
# Prints one JSON object per measurement. Usage: benchmarks/io/run.sh [BUILD] [ROWS] [COLS]
set -euo pipefail
BUILD=${1:-build}; ROWS=${2:-1000000}; COLS=${3:-20}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN="$SRC/$BUILD/bin/matscreen"; PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
W=${BENCH_DIR:-$SRC/benchmarks/out/io}; mkdir -p "$W"
CSV="$W/table_${ROWS}x${COLS}.csv"
if [[ ! -f "$CSV" ]]; then
  $PY - "$CSV" "$ROWS" "$COLS" <<'PY'
import sys, numpy as np
path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(12345)
with open(path, "w") as f:
    f.write(",".join(f"x{j}" for j in range(d)) + "\n")
    for s in range(0, n, 100000):
        np.savetxt(f, rng.standard_normal((min(100000, n - s), d)), fmt="%.17g", delimiter=",")
PY
fi
mb=$(stat -c %s "$CSV")
for np_ in 1 2; do
  for rep in 1 2 3; do
    rm -f "$W/t.h5" "$W/t2.h5"
    out=$(mpiexec --oversubscribe --bind-to none -n $np_ "$BIN" convert -input "$CSV" -output "$W/t.h5")
    csv_read=$(echo "$out" | sed -n 's/.*read \([0-9.]*\) MB in \([0-9.]*\) s.*wrote \([0-9.]*\) MB in \([0-9.]*\) s.*/\1 \2 \3 \4/p')
    out2=$(mpiexec --oversubscribe --bind-to none -n $np_ "$BIN" convert -input "$W/t.h5" -output "$W/t2.h5")
    h5=$(echo "$out2" | sed -n 's/.*read \([0-9.]*\) MB in \([0-9.]*\) s.*wrote \([0-9.]*\) MB in \([0-9.]*\) s.*/\1 \2 \3 \4/p')
    read -r cmb cs hmb hs <<<"$csv_read"; read -r rmb rs wmb ws <<<"$h5"
    printf '{"bench":"io","tool":"matscreen","ranks":%d,"rep":%d,"rows":%d,"cols":%d,"csv_parse_MBps":%.1f,"h5_write_MBps":%.1f,"h5_read_MBps":%.1f,"csv_parse_s":%s,"h5_write_s":%s,"h5_read_s":%s}\n' \
      $np_ $rep $ROWS $COLS "$(echo "$cmb/$cs" | bc -l)" "$(echo "$hmb/$hs" | bc -l)" "$(echo "$rmb/$rs" | bc -l)" "$cs" "$hs" "$rs"
  done
done
$PY - "$W/t.h5" "$CSV" "$ROWS" "$COLS" <<'PY'
import sys, time, os, json, h5py, numpy as np
h5, csv, n, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
mb = os.path.getsize(h5) / 1e6
for rep in range(3):
    t = time.perf_counter()
    with h5py.File(h5, "r") as f:
        X = f["features"][:]
    dt = time.perf_counter() - t
    assert X.shape == (n, d)
    print(json.dumps({"bench": "io", "tool": "h5py", "ranks": 1, "rep": rep + 1, "h5_read_MBps": round(mb / dt, 1), "h5_read_s": round(dt, 4)}))
t = time.perf_counter()
X2 = np.loadtxt(csv, delimiter=",", skiprows=1)
dt = time.perf_counter() - t
print(json.dumps({"bench": "io", "tool": "numpy.loadtxt", "ranks": 1, "rep": 1, "csv_parse_MBps": round(os.path.getsize(csv) / 1e6 / dt, 1), "csv_parse_s": round(dt, 3)}))
assert np.array_equal(X, X2), "HDF5 content differs from the CSV"
PY
