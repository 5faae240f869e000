#!/usr/bin/env bash
# CLI of `matscreen describe`: inputs (file, batch file, glob, TIFF), 1 rank == 2 ranks exactly,
# outputs and provenance, and bad input -> one clear message, a user-error status, no output.
# usage: describe.sh MPIEXEC...   (env MATSCREEN, MS_SOURCE_DIR, MS_PYTHON from CTest)
set -u
RUN="$MS_SOURCE_DIR/tests/run_expect.sh"
MPI=("$@")
M="$MATSCREEN"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
bad=0
check() { "$RUN" "$@" || bad=1; }

"$M" generate -size 24 -n_points 20 -radius 2 -seed 11 -output "$W/one.h5" >/dev/null || bad=1
"$M" generate -size 24 -n_points 35 -radius 1.5 -seed 12 -stretch 0.6,1,1 -output "$W/two.h5" >/dev/null || bad=1
"$M" generate -batch 4 -size 16 -n_points_range 10,30 -stretch_axis random -seed 3 -output "$W/batch.h5" >/dev/null || bad=1
"$MS_PYTHON" - "$W" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
with h5py.File(f"{w}/bad.h5", "w") as f:
    f.create_dataset("volume", data=np.zeros((4, 4, 4), np.float32))   # wrong dtype
    f.create_dataset("empty", shape=(0, 4, 4), dtype=np.uint8)          # empty volume
    f.create_dataset("flat", data=np.zeros((4, 4), np.uint8))            # 2-D
    f.create_dataset("grey", data=np.arange(64, dtype=np.uint8).reshape(4, 4, 4))  # not segmented
PY

# One volume on 1 and on 2 ranks: every number identical (pair counts are integers).
check --stdout-has "describe: 1 volume(s)" --exists "$W/d1.h5" --exists "$W/d1.csv" --exists "$W/d1.csv.meta.json" \
  -- "$M" describe -input "$W/one.h5" -output "$W/d1.h5" -csv "$W/d1.csv"
check --exists "$W/d2.h5" -- "${MPI[@]}" "$M" describe -input "$W/one.h5" -output "$W/d2.h5"
check --exists "$W/p1.h5" -- "$M" describe -input "$W/one.h5" -boundary padded -output "$W/p1.h5"
check --exists "$W/p2.h5" -- "${MPI[@]}" "$M" describe -input "$W/one.h5" -boundary padded -output "$W/p2.h5"
# A set: a batch file (all of /structures) and a glob, fitted PCA, applied to other volumes.
check --stdout-has "describe: 4 volume(s)" --stdout-has "PCA of 27 two-point features, 2 components" \
  -- "${MPI[@]}" "$M" describe -input "$W/batch.h5" -fit_pca 2 -output "$W/fit.h5"
# The same batch on 1 rank, and on 2 ranks in groups of 1 (volume i on rank i mod 2): identical.
check --exists "$W/fit1.h5" -- "$M" describe -input "$W/batch.h5" -fit_pca 2 -output "$W/fit1.h5"
check --exists "$W/fitg.h5" -- "${MPI[@]}" "$M" describe -input "$W/batch.h5" -fit_pca 2 -ranks_per_volume 1 -output "$W/fitg.h5"
check --stdout-has "describe: 2 volume(s) from 2 file(s)" -- "$M" describe -input "$W/[ot]*.h5" -output "$W/glob.h5"
check --exists "$W/apply.h5" -- "$M" describe -input "$W/batch.h5:/structures/000002,$W/batch.h5:/structures/000000" -pca_model "$W/fit.h5" \
  -output "$W/apply.h5"
"$MS_PYTHON" - "$W" <<'PY' || bad=1
import sys, json, h5py, numpy as np, pandas as pd
w = sys.argv[1]
ok = True
def s_(x): return x.decode() if isinstance(x, bytes) else x
def same(a, b, what):
    global ok
    if not (a.shape == b.shape and np.array_equal(a, b, equal_nan=True)):
        print("differs:", what); ok = False
for b in ("d", "p"):
    with h5py.File(f"{w}/{b}1.h5") as f1, h5py.File(f"{w}/{b}2.h5") as f2:
        for k in ("s2_x", "s2_y", "s2_z", "s2_radial", "chord_hist_x", "chord_hist_y", "chord_hist_z", "summary/features"):
            same(f1["describe"][k][...], f2["describe"][k][...], f"{b} {k}: 1 rank vs 2 ranks")
        ok = ok and f2.attrs["n_ranks"] == 2
for other in ("fit1", "fitg"):
    with h5py.File(f"{w}/fit.h5") as f1, h5py.File(f"{w}/{other}.h5") as f2:
        for k in ("s2_x", "s2_z", "s2_radial", "chord_hist_y", "summary/features", "two_point/features"):
            same(f1["describe"][k][...], f2["describe"][k][...], f"batch {k}: 2 ranks vs {other}")
with h5py.File(f"{w}/d1.h5") as f:
    g = f["describe"]
    ok = ok and g.attrs["boundary"] == "periodic" and g["s2_x"].shape == (1, 13) and g["s2_radial"].shape == (1, 13)
    ok = ok and g["chord_hist_z"].shape == (1, 24) and "units" in g["s2_x"].attrs and "command_line" in f.attrs
    t = pd.read_csv(f"{w}/d1.csv")
    ok = ok and abs(t["porosity"][0] - g["s2_x"][0, 0]) < 1e-15 and t["volume"][0].endswith("one.h5:/volume")
    ok = ok and "options" in json.load(open(f"{w}/d1.csv.meta.json")) or print("sidecar keys", json.load(open(f"{w}/d1.csv.meta.json")).keys())
with h5py.File(f"{w}/fit.h5") as f, h5py.File(f"{w}/apply.h5") as a:
    ids = [s_(s) for s in f["describe/summary/ids"][...]]
    ok = ok and len(ids) == 4 and ids[3].endswith("batch.h5:/structures/000003") and f["pca/components"].shape == (2, 27)
    names = [s_(s) for s in f["describe/summary/features"].attrs["column_names"]]
    sc = f["describe/summary/features"][:, [names.index("PC1"), names.index("PC2")]]
    sa = a["describe/summary/features"][:, [names.index("PC1"), names.index("PC2")]]
    ok = ok and np.allclose(sa, sc[[2, 0]], atol=1e-12, rtol=0)
print("describe outputs", "ok" if ok else "WRONG"); sys.exit(0 if ok else 1)
PY

# A grey (unsegmented) volume is described but warned about.
check --stderr-has "has voxel values up to 63 (grey levels?)" --exists "$W/grey.h5" -- "$M" describe -input "$W/bad.h5:/grey" -output "$W/grey.h5"

# Bad input: one message naming what and where, a user-error status, no output.
check --status 65 --stderr-has "cannot open '$W/missing.h5'" --absent "$W/o.h5" \
  -- "${MPI[@]}" "$M" describe -input "$W/missing.h5" -output "$W/o.h5"
check --status 66 --stderr-has "bad.h5': volume /volume holds 4-byte floating-point values: expected uint8" --absent "$W/o.h5" \
  -- "$M" describe -input "$W/bad.h5" -output "$W/o.h5"
check --status 66 --stderr-has "volume /empty is empty (shape 0 x 4 x 4)" --absent "$W/o.h5" \
  -- "$M" describe -input "$W/bad.h5:/empty" -output "$W/o.h5"
check --status 66 --stderr-has "dataset /flat is 2-D: a volume must be 3-D" --absent "$W/o.h5" -- "$M" describe -input "$W/bad.h5:/flat" -output "$W/o.h5"
check --status 66 --stderr-has "no volume /nope" --absent "$W/o.h5" -- "$M" describe -input "$W/one.h5:/nope" -output "$W/o.h5"
check --fail --stderr-has "no file matches the pattern" --absent "$W/o.h5" -- "$M" describe -input "$W/zz*.h5" -output "$W/o.h5"
check --status 95 --stderr-has "expected an HDF5 volume file" --absent "$W/o.h5" -- "$M" describe -input "$W/x.raw" -output "$W/o.h5"
check --status 95 --stderr-has "must share a shape" --absent "$W/o.h5" --absent "$W/o.csv" \
  -- "${MPI[@]}" "$M" describe -input "$W/one.h5,$W/batch.h5" -output "$W/o.h5" -csv "$W/o.csv"
check --status 95 --stderr-has "-fit_pca 5: at most 4 components" --absent "$W/o.h5" -- "$M" describe -input "$W/batch.h5" -fit_pca 5 -output "$W/o.h5"
check --status 95 --stderr-has "-fit_pca needs a training set of at least 2 volumes" --absent "$W/o.h5" \
  -- "$M" describe -input "$W/one.h5" -fit_pca 1 -output "$W/o.h5"
check --status 95 --stderr-has "fitted on 27 two-point features" --absent "$W/o.h5" \
  -- "$M" describe -input "$W/one.h5" -pca_model "$W/fit.h5" -output "$W/o.h5"
check --status 95 --stderr-has "no group /pca" --absent "$W/o.h5" -- "$M" describe -input "$W/one.h5" -pca_model "$W/d1.h5" -output "$W/o.h5"
check --status 95 --stderr-has "missing required option -output" -- "$M" describe -input "$W/one.h5"
check --status 95 --stderr-has "-ranks_per_volume -1" -- "$M" describe -input "$W/one.h5" -ranks_per_volume -1 -output "$W/o.h5"
check --status 95 --stderr-has "-boundary" -- "$M" describe -input "$W/one.h5" -boundary mirror -output "$W/o.h5"
check --status 95 --stderr-has "is the input file" -- "$M" describe -input "$W/one.h5" -output "$W/./one.h5"
"$MS_PYTHON" -c "import h5py,sys; h5py.File(sys.argv[1])['volume']" "$W/one.h5" || { echo "FAIL: the input was damaged"; bad=1; }
check --stdout-has "-fit_pca" --stdout-has "-boundary" -- "$M" describe -help
exit $bad
