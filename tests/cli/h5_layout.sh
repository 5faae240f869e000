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
diff <(grep -v '^#' back.csv) <(grep -v '^#' back2.csv)
"$MS_PYTHON" - <<'PY'
import h5py, numpy as np
f = h5py.File("t.h5", "r")
X = f["features"][:]
assert X.shape == (5, 2), X.shape
assert np.array_equal(X[:, 1], [2, 4e-3, 7, 0.2, 9])
assert list(f["features"].attrs["column_names"]) == ["x, one", "x2"]
assert list(f["labels"].attrs["class_names"]) == ['bird "b"', "cat", "dog"]
assert list(f["labels"][:]) == [1, 2, 1, 0, 2]
assert [s.decode() for s in f["ids"][:]] == ["s1", "s,2", "s3", "s4", "s5"]
for a in ["matscreen_version", "git_commit", "command_line", "n_ranks", "n_threads", "start_utc", "end_utc", "inputs"]:
    assert a in f.attrs, a
assert f.attrs["n_ranks"] == 2
assert "convert -input in.csv" in f.attrs["command_line"]
assert "in.csv (" in f.attrs["inputs"]
print("h5 layout ok")
PY
# Column-per-dataset groups (campaign outputs) read as tables, via -group and via file.h5:/group.
"$MS_PYTHON" -c "
import h5py, numpy as np
with h5py.File('cols.h5', 'w') as f:
    g = f.create_group('labels'); g['b_second'] = np.arange(5.0) * 2; g['a_first'] = np.arange(5, dtype='i8'); g['note'] = b'x'
"
mpiexec --oversubscribe -n 2 "$MATSCREEN" convert -input cols.h5 -group /labels -output cols.csv -quiet
diff <(grep -v '^#' cols.csv) <(printf 'a_first,b_second\n0,0\n1,2\n2,4\n3,6\n4,8\n')
mpiexec --oversubscribe -n 2 "$MATSCREEN" cv -data cols.h5:/labels -target b_second -models linear -folds 2 -output cv.csv -quiet
grep -q '^linear,' cv.csv
echo "column layout ok"
# -features keeps the named columns in the given order; an unknown one is an error naming it.
mpiexec --oversubscribe -n 2 "$MATSCREEN" cv -data cols.h5:/labels -target b_second -features a_first -models linear -folds 2 -output cv2.csv -quiet
! "$MATSCREEN" cv -data cols.h5:/labels -target b_second -features nope -models linear -folds 2 -output cv3.csv -quiet 2> err.txt
grep -q "feature column 'nope' (-features, or a feature of the model) not found" err.txt
echo "features ok"
