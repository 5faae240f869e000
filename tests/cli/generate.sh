#!/usr/bin/env bash
# `matscreen generate`: help, option errors, and the outputs (1 vs 2 ranks identical, batch
# layout and parameter columns, -params tables), checked with h5py.
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
PY="${MS_PYTHON:-/usr/bin/python3}"
G1=("$MATSCREEN" generate)
G2=(mpiexec --oversubscribe -n 2 "$MATSCREEN" generate)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail=0
check() { "$R" "$@" || fail=1; }

check --stdout-has "-n_points" --stdout-has "-stretch" --stdout-has "-batch" --stdout-has "-stretch_axis" -- "${G1[@]}" -help
check --status 95 --stderr-has "unknown or unused option: -n_pointz" --absent o.h5 -- "${G2[@]}" -size 24 -n_pointz 5 -output o.h5
check --status 95 --stderr-has "-stretch component 0 is 1.5" --absent o.h5 -- "${G2[@]}" -size 24 -stretch 1.5,1,1 -output o.h5
check --status 95 --stderr-has "-stretch needs three factors" --absent o.h5 -- "${G1[@]}" -size 24 -stretch 0.5,1 -output o.h5
check --status 95 --stderr-has "-radius -2" --absent o.h5 -- "${G1[@]}" -size 24 -radius -2 -output o.h5
check --status 95 --stderr-has "-seed 'abc'" --absent o.h5 -- "${G1[@]}" -size 24 -seed abc -output o.h5
check --status 95 --stderr-has "missing required option -output" -- "${G1[@]}" -size 24
check --status 95 --stderr-has "need -batch N" --absent o.h5 -- "${G1[@]}" -size 24 -n_points_range 5,9 -output o.h5
check --status 95 --stderr-has "-n_points_range lo,hi" --absent o.h5 -- "${G1[@]}" -size 24 -batch 2 -n_points_range 9,5 -output o.h5
check --status 95 --stderr-has "option -stretch_axis: unknown value 'diagonal' (choices:" --absent o.h5 -- "${G1[@]}" -size 24 -batch 2 -stretch_axis diagonal -output o.h5
printf 'n_points,radius,stretchy\n40,3,0.7\n' > badcol.csv
check --status 95 --stderr-has "unknown column 'stretchy'" --absent o.h5 -- "${G2[@]}" -size 24 -params badcol.csv -output o.h5
printf 'n_points,radius\n40,3\n40,-1\n' > badrow.csv
check --status 95 --stderr-has "data row 2" --absent o.h5 -- "${G2[@]}" -size 24 -params badrow.csv -output o.h5
check --status 65 --stderr-has "missing.csv" --absent o.h5 -- "${G1[@]}" -size 24 -params missing.csv -output o.h5
check --status 95 --stderr-has "exclusive" --absent o.h5 -- "${G1[@]}" -size 24 -batch 2 -params badcol.csv -output o.h5

# One structure on 1 and 2 ranks: identical voxels; parameters recorded as attributes.
check --stdout-has "porosity" --exists one1.h5 -- "${G1[@]}" -size 40,32,24 -n_points 30 -radius 2.5 -stretch 1,0.6,1 -seed 9 -output one1.h5
check --exists one2.h5 -- "${G2[@]}" -size 40,32,24 -n_points 30 -radius 2.5 -stretch 1,0.6,1 -seed 9 -output one2.h5
# Batches on 1 and 2 ranks (5 structures: rank 1 gets 2, rank 0 gets 3), resized.
B=(-batch 5 -size 40 -n_points_range 20,60 -radius_range 2,3 -stretch_axis random -stretch_range 0.5,1 -seed 4 -resize 32)
check --exists b1.h5 -- "${G1[@]}" "${B[@]}" -output b1.h5
check --exists b2.h5 -- "${G2[@]}" "${B[@]}" -output b2.h5
check --exists fx.h5 -- "${G1[@]}" -batch 3 -size 24 -stretch 1,0.7,1 -n_points_range 20,30 -output fx.h5 -quiet
check --exists pr.h5 -- "${G1[@]}" -batch 4 -size 24 -stretch_axis pair -stretch_range 0.6,0.8 -output pr.h5 -quiet
printf 'n_points,radius,stretch_z,seed\n25,2.0,0.5,11\n50,3.0,1.0,12\n' > table.csv
check --exists t.h5 -- "${G2[@]}" -size 36 -params table.csv -output t.h5
# -resume: a batch file with structures missing (as a signal leaves it) is completed in place
R5=(-batch 5 -size 32 -n_points_range 20,40 -seed 8)
check --exists ref.h5 -- "${G1[@]}" "${R5[@]}" -output ref.h5 -quiet
check --exists res.h5 -- "${G1[@]}" "${R5[@]}" -output res.h5 -quiet
"$PY" -c "
import h5py, numpy as np
f = h5py.File('res.h5', 'r+')
d = f['parameters/done'][...]; d[[1, 3]] = 0; f['parameters/done'][...] = d
p = f['parameters/porosity'][...]; p[[1, 3]] = np.nan; f['parameters/porosity'][...] = p
f['structures/000001'][...] = 0
del f['structures/000003']
f.close()
# the damage must have happened, or 'resumed = uninterrupted' below proves nothing
g = h5py.File('res.h5', 'r')
assert g['parameters/done'][...].tolist() == [1, 0, 1, 0, 1], g['parameters/done'][...]
assert '000003' not in g['structures'] and not g['structures/000001'][...].any()
assert np.isnan(g['parameters/porosity'][[1, 3]]).all()" || { echo "FAIL: the damage step did not run"; fail=1; }
check -- "${G2[@]}" "${R5[@]}" -output res.h5 -resume -quiet  # not --exists: that deletes the file it resumes
check --status 95 --stderr-has "not the same batch" -- "${G2[@]}" -batch 5 -size 32 -n_points_range 20,41 -seed 8 -output res.h5 -resume
check --status 95 --stderr-has "-resume continues a batch" -- "${G1[@]}" -size 32 -output res.h5 -resume
check --status 65 --stderr-has "nofile.h5" -- "${G1[@]}" "${R5[@]}" -output nofile.h5 -resume
"$PY" - <<'PY' || fail=1
import h5py, numpy as np, sys
ok = True
def req(c, what):
    global ok
    if not c: print("FAIL:", what); ok = False
a, b = h5py.File("one1.h5")["volume"], h5py.File("one2.h5")["volume"]
req(a.shape == (24, 32, 40), f"shape (nz,ny,nx) = {a.shape}")
req(a.dtype == np.uint8 and set(np.unique(a[...])) <= {0, 1}, "uint8 0/1 voxels")
req((a[...] == b[...]).all(), "1-rank and 2-rank volumes identical")
req(isinstance(a.attrs["n_points"], np.integer) and a.attrs["n_points"] == 30, "n_points attribute (int64)")
req(isinstance(a.attrs["stretch_y"], np.floating) and a.attrs["stretch_y"] == 0.6, f"stretch_y attribute {a.attrs['stretch_y']!r} (float64)")
p = float(a.attrs["porosity"]); req(abs(p - (1 - a[...].mean())) < 1e-8, "porosity attribute = pore fraction")
f1, f2 = h5py.File("b1.h5"), h5py.File("b2.h5")
req(sorted(f1["structures"]) == [f"{i:06d}" for i in range(5)], "structure names")
for k in f1["structures"]:
    req(f1["structures"][k].shape == (32, 32, 32), "resized shape")
    req((f1["structures"][k][...] == f2["structures"][k][...]).all(), f"structure {k} same on 1 and 2 ranks")
for k in ("n_points", "radius", "stretch_x", "stretch_y", "stretch_z", "seed", "porosity"):
    req(f1["parameters"][k].shape == (5,), f"/parameters/{k} length")
    req((f1["parameters"][k][...] == f2["parameters"][k][...]).all(), f"/parameters/{k} same on 1 and 2 ranks")
n = f1["parameters/n_points"][...]; r = f1["parameters/radius"][...]
req(((n >= 20) & (n <= 60) & (n == np.round(n))).all(), "n_points in range")
req(((r >= 2) & (r <= 3)).all(), "radius in range")
s = np.stack([f1["parameters"][k][...] for k in ("stretch_x", "stretch_y", "stretch_z")])
req(((s >= 0.5) & (s <= 1)).all() and ((s < 1).sum(axis=0) <= 1).all(), "at most one stretched axis, factor in range")
por = np.array([1 - f1["structures"][f"{i:06d}"][...].mean() for i in range(5)])
req(np.allclose(por, f1["parameters/porosity"][...]), "porosity column matches the structures")
req(len(set(f1["parameters/seed"][...])) == 5, "distinct structure seeds")
fx = h5py.File("fx.h5")["parameters"]
req((fx["stretch_y"][...] == 0.7).all() and (fx["stretch_x"][...] == 1).all(), "default stretch_axis fixed keeps -stretch")
pr = h5py.File("pr.h5")["parameters"]
s2 = np.stack([pr[k][...] for k in ("stretch_x", "stretch_y", "stretch_z")])
req(((s2 < 1).sum(axis=0) == 2).all() and ((s2 == 1) | ((s2 >= 0.6) & (s2 <= 0.8))).all(), "pair: two axes stretched in range")
req((pr["n_points"][...] == 100).all(), "no n_points range: the -n_points value")
t = h5py.File("t.h5")
req((t["parameters/n_points"][...] == [25, 50]).all() and (t["parameters/stretch_z"][...] == [0.5, 1.0]).all(), "table parameters")
req((t["parameters/seed"][...] == [11, 12]).all() and (t["parameters/stretch_x"][...] == [1, 1]).all(), "table seeds and defaults")
req(t["structures/000000"].shape == (36, 36, 36), "table structure shape")
req("table.csv" in str(t.attrs["inputs"]), "input recorded")
a, b = h5py.File("ref.h5"), h5py.File("res.h5")
req(all((a["structures"][k][...] == b["structures"][k][...]).all() for k in a["structures"]) and len(b["structures"]) == 5, "resumed = uninterrupted")
req((b["parameters/done"][...] == 1).all() and np.allclose(a["parameters/porosity"][...], b["parameters/porosity"][...]), "resumed done and porosity")
req(float(b["structures/000003"].attrs["n_points"]) == float(a["parameters/n_points"][3]), "recreated dataset has its attributes")
sys.exit(0 if ok else 1)
PY
exit $fail
