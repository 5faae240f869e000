#!/usr/bin/env bash
# What a user sees with h5py: the documented layout, names and provenance attributes, and
# an exact CSV -> HDF5 -> CSV round trip through the command line on 1 and 2 ranks.
set -eu
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
cat > in.csv <<'CSV'
# test table
id,"x, one",x2,label
s1,1.5,2,cat
"s,2",3,4e-3,dog
s3,-1,7,cat
s4,0.1,0.2,"bird ""b"""
s5,9,9,dog
CSV
mpiexec --oversubscribe -n 2 "$MATSCREEN" convert -input in.csv -output t.h5 -id id -target label -quiet
"$MATSCREEN" convert -input t.h5 -output back.csv -quiet
mpiexec --oversubscribe -n 2 "$MATSCREEN" convert -input back.csv -output t2.h5 -id id -target label -quiet
mpiexec --oversubscribe -n 2 "$MATSCREEN" convert -input t2.h5 -output back2.csv -quiet
"$MS_PYTHON" - <<'PY'
# Every check against the input as pandas reads it, never matscreen against itself.
import h5py, numpy as np, pandas as pd
src = pd.read_csv("in.csv", comment="#", dtype={"id": str})
f = h5py.File("t.h5", "r")
X = f["features"][:]
assert X.shape == (5, 2), X.shape
assert np.array_equal(X, src[["x, one", "x2"]].to_numpy()), X
assert [s.decode() if isinstance(s, bytes) else s for s in f["features"].attrs["column_names"]] == ["x, one", "x2"]
names = [s.decode() if isinstance(s, bytes) else s for s in f["labels"].attrs["class_names"]]
assert names == sorted(set(src["label"])), names
assert [names[i] for i in f["labels"][:]] == list(src["label"])
assert [s.decode() for s in f["ids"][:]] == list(src["id"])
for a in ["matscreen_version", "git_commit", "command_line", "n_ranks", "n_threads", "start_utc", "end_utc", "inputs"]:
    assert a in f.attrs, a
assert f.attrs["n_ranks"] == 2
assert "convert -input in.csv" in f.attrs["command_line"]
assert "in.csv (" in f.attrs["inputs"]
# both round trips give the input back exactly (names, quoting, values, order)
for back in ["back.csv", "back2.csv"]:
    b = pd.read_csv(back, comment="#", dtype={"id": str})
    assert list(b.columns) == list(src.columns), (back, list(b.columns))
    pd.testing.assert_frame_equal(b, src, check_exact=True)
print("h5 layout ok")
PY
# Column-per-dataset groups (campaign outputs) read as tables, via -group and via file.h5:/group.
"$MS_PYTHON" -c "
import h5py, numpy as np
with h5py.File('cols.h5', 'w') as f:
    g = f.create_group('labels'); g['b_second'] = np.arange(5.0) * 2; g['a_first'] = np.arange(5, dtype='i8'); g['note'] = b'x'
"
mpiexec --oversubscribe -n 2 "$MATSCREEN" convert -input cols.h5 -group /labels -output cols.csv -quiet
"$MS_PYTHON" -c "
import h5py, numpy as np, pandas as pd
c = pd.read_csv('cols.csv', comment='#'); f = h5py.File('cols.h5', 'r')['labels']
assert list(c.columns) == ['a_first', 'b_second'], list(c.columns)
assert np.array_equal(c['a_first'], f['a_first'][:]) and np.array_equal(c['b_second'], f['b_second'][:])"
mpiexec --oversubscribe -n 2 "$MATSCREEN" cv -data cols.h5:/labels -target b_second -models linear -folds 2 -output cv.csv -quiet
grep -q '^linear,' cv.csv
echo "column layout ok"
# -features keeps the named columns in the given order; an unknown one is an error naming it.
mpiexec --oversubscribe -n 2 "$MATSCREEN" cv -data cols.h5:/labels -target b_second -features a_first -models linear -folds 2 -output cv2.csv -quiet
! "$MATSCREEN" cv -data cols.h5:/labels -target b_second -features nope -models linear -folds 2 -output cv3.csv -quiet 2> err.txt
grep -q "feature column 'nope' (-features, or a feature of the model) not found" err.txt
echo "features ok"

# --- Data safety regressions (issue 13 point 7), against files written by h5py ---
R="$MS_SOURCE_DIR/tests/run_expect.sh"
# String attributes as h5py writes them: fixed length NUL-padded (np.bytes_), space-padded,
# NUL-terminated, and variable length. 'x1,x2' once read back as 'x,x'.
"$MS_PYTHON" - <<'PY'
import h5py, numpy as np
X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
def fixed(ds, names, size, pad):
    t = h5py.h5t.C_S1.copy(); t.set_size(size); t.set_strpad(pad)
    a = h5py.h5a.create(ds.id, b"column_names", t, h5py.h5s.create_simple((len(names),)))
    fill = b" " if pad == h5py.h5t.STR_SPACEPAD else b"\0"
    a.write(np.array([n.encode().ljust(size, fill) for n in names], dtype=f"S{size}"))
for name, how in [("s_bytes", "np"), ("s_space", h5py.h5t.STR_SPACEPAD), ("s_nullterm", h5py.h5t.STR_NULLTERM), ("s_vlen", "vlen")]:
    with h5py.File(name + ".h5", "w") as f:
        d = f.create_dataset("features", data=X)
        f["target"] = np.array([0.5, 1.5, 2.5])
        f["target"].attrs["name"] = "y"
        if how == "np":
            d.attrs["column_names"] = np.array([b"x1", b"x2"])  # fixed length S2, NUL-padded
        elif how == "vlen":
            d.attrs.create("column_names", ["x1", "x2"], dtype=h5py.string_dtype())
        else:
            fixed(d, ["x1", "x2"], 2 if how == h5py.h5t.STR_SPACEPAD else 3, how)
PY
for s in s_bytes s_space s_nullterm s_vlen; do
  "$MATSCREEN" convert -input $s.h5 -output $s.csv -quiet
  [[ "$(grep -v '^#' $s.csv | head -1)" == "x1,x2,y" ]] || { echo "FAIL: $s: header '$(grep -v '^#' $s.csv | head -1)', expected x1,x2,y"; exit 1; }
done
echo "h5py string attributes ok"

# 10,000 columns (names beyond HDF5's 64 KiB object-header limit): CSV -> HDF5 -> CSV exactly.
"$MS_PYTHON" -c "
import numpy as np, pandas as pd
rng = np.random.default_rng(1)
pd.DataFrame(rng.normal(size=(4, 10000)).round(6), columns=[f'feature_{j:05d}' for j in range(10000)]).to_csv('wide.csv', index=False)"
mpiexec --oversubscribe -n 2 "$MATSCREEN" convert -input wide.csv -output wide.h5 -quiet
"$MATSCREEN" convert -input wide.h5 -output wide_back.csv -quiet
"$MS_PYTHON" -c "
import pandas as pd
a, b = pd.read_csv('wide.csv', float_precision='round_trip'), pd.read_csv('wide_back.csv', comment='#', float_precision='round_trip')
pd.testing.assert_frame_equal(a, b, check_exact=True); print('10000 columns ok')"

# Datasets of rank > 2 (up to HDF5's 32): refused naming the dataset, never a crash.
"$MS_PYTHON" - <<'PY'
import h5py, numpy as np, shutil
with h5py.File("rank32.h5", "w") as f:
    f["features"] = np.ones((1, 2)); f["features"].attrs["column_names"] = ["a", "b"]
    f["target"] = np.ones((1,) * 32); f["target"].attrs["name"] = "y"
with h5py.File("feat3.h5", "w") as f:
    f["features"] = np.ones((2, 2, 2)); f["features"].attrs["column_names"] = ["a", "b"]
PY
"$MATSCREEN" train -data in.csv -id id -target x2 -ignore label -model ridge -output ridge.h5 -quiet
cp ridge.h5 coef32.h5
"$MS_PYTHON" -c "
import h5py, numpy as np
with h5py.File('coef32.h5', 'r+') as f:
    del f['model/coef']; f['model/coef'] = np.ones((1,) * 32)"
set +e
"$R" --status 66 --stderr-has "'target' has 32 dimensions" --absent r32.csv -- "$MATSCREEN" convert -input rank32.h5 -output r32.csv || exit 1
"$R" --status 66 --stderr-has "features' must be 2-D" --absent f3.csv -- "$MATSCREEN" convert -input feat3.h5 -output f3.csv || exit 1
"$R" --status 66 --stderr-has "'coef' has 32 dimensions" --absent p32.csv -- \
  mpiexec --oversubscribe -n 2 "$MATSCREEN" predict -model coef32.h5 -data in.csv -id id -ignore x2,label -output p32.csv || exit 1
echo "rank checks ok"
