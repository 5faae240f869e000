#!/usr/bin/env bash
# `matscreen featurize composition` on 2 ranks: bad rows are reported by file:line, id and a
# caret under the bad character; -on_error fail|skip|nan; missing-value policy; unknown
# kinds; the slides preset's Z-bar/M-bar/chi-bar by hand; HDF5 units; no output on failure.
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
RUN=(mpiexec --oversubscribe -n 2 "$MATSCREEN" featurize)
RUN1=("$MATSCREEN" featurize)   # option errors: one rank is enough
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail=0
check() { "$R" "$@" || fail=1; }

printf 'name,formula,y\na,NaCl,1\nb,Fe2O3,<1e-3\nc,Li7Xx3,2\nd,CuSO4*5H2O,3\ne,NaHe,4\n' > f.csv
check --status 66 --stderr-has "f.csv:4: row 'c': unknown element 'Xx' at column 4:" --stderr-has "    Li7Xx3" \
  --stderr-has "(2 of 5 rows cannot be featurized" --absent out.csv -- \
  "${RUN[@]}" composition -input f.csv -id name -output out.csv
# the caret line: 4 spaces + 3 = column 4
"${RUN1[@]}" composition -input f.csv -id name -output out.csv 2> err.txt
grep -qx '       ^' err.txt || { echo "caret not under column 4:"; cat err.txt; fail=1; }
check --status 0 --stderr-has "2 of 5 rows cannot be featurized (skipped)" --stderr-has "f.csv:4: row 'c': unknown element" \
  --stderr-has "f.csv:6: row 'e': formula 'NaHe': element He has no value of property Electronegativity" --exists out.csv -- \
  "${RUN[@]}" composition -input f.csv -id name -on_error skip -preset slides -output out.csv
[ "$(grep -vc '^#' out.csv)" = 4 ] || { echo "skip: expected header + 3 rows"; cat out.csv; fail=1; }
# slides preset: NaCl Z-bar = 14, variance 9; M-bar = 29.22138464; chi-bar = 2.045, variance 1.243225
awk -F, '!/^#/ && $1 == "a" { if ($2 != 14 || $3 != 9 || ($4 - 29.22138464)^2 > 1e-20 || ($6 - 2.045)^2 > 1e-24 || ($7 - 1.243225)^2 > 1e-24) { print "NaCl slides features wrong: " $0; exit 1 } }' out.csv || fail=1
check --status 0 --stderr-has "kept with NaN features" --exists out.h5 -- \
  "${RUN[@]}" composition -input f.csv -id name -on_error nan -missing drop -target y -target_log10 -output out.h5
/usr/bin/python3 - <<'PY' || fail=1
import h5py, numpy as np
f = h5py.File("out.h5")
X = f["features"][...]; ids = [s.decode() for s in f["ids"][...]]
units = [u.decode() if isinstance(u, bytes) else u for u in f["features"].attrs["column_units"]]
names = [u.decode() if isinstance(u, bytes) else u for u in f["features"].attrs["column_names"]]
assert X.shape == (5, 132), X.shape
assert ids == ["a", "b", "c", "d", "e"], ids
assert np.isnan(X[2]).all() and not np.isnan(X[4]).any()        # bad formula NaN; He dropped
assert units[names.index("MagpieData mean MeltingT")] == "K"
assert abs(f["target"][1] - (-3)) < 1e-12 and f["target"].attrs["name"] in (b"log10(y)", "log10(y)")
assert f.attrs["failed_rows"] == 1
PY
# HDF5 input (variable-length formulas, fixed-length ids, numeric target): same as the CSV
/usr/bin/python3 - <<'PY' || fail=1
import h5py, numpy as np
with h5py.File("in.h5", "w") as f:
    g = f.create_group("set")
    g["formula"] = np.array(["NaCl", "Fe2O3", "Li7Xx3", "CuSO4*5H2O", "NaHe"], dtype=h5py.string_dtype())
    g["name"] = np.array([b"a", b"b", b"c", b"d", b"e"], dtype="S1")
    g["y"] = np.array([1, 1e-3, 2, 3, 4.0])
PY
check --status 0 --exists h1.csv -- "${RUN[@]}" composition -input in.h5:/set -id name -target y -target_log10 -on_error nan -missing drop -output h1.csv
"${RUN1[@]}" composition -input f.csv -id name -target y -target_log10 -on_error nan -missing drop -output c1.csv -quiet 2>/dev/null
diff <(grep -v '^#' h1.csv) <(grep -v '^#' c1.csv) > /dev/null || { echo "HDF5 input differs from CSV input"; fail=1; }
check --status 66 --stderr-has "in.h5:/set/formula:3: row 'c': unknown element 'Xx'" -- "${RUN[@]}" composition -input in.h5:/set -id name -output h2.csv
check --status 95 --stderr-has "in.h5:/set: no dataset 'formulas' (the input column)" -- "${RUN1[@]}" composition -input in.h5:/set -formula_column formulas -output h2.csv
printf 'formula\nFe3+\nSO4^2-\nNaCl\n' > ions.csv
check --status 0 --stdout-has "note: 2 formulas carried a charge" -- "${RUN[@]}" composition -input ions.csv -preset slides -output ions_out.csv
check --status 95 --stderr-has "unknown featurizer kind 'bogus'; known kinds:" --stderr-has "composition" -- "${RUN1[@]}" bogus -input f.csv -output x.csv
check --status 95 --stderr-has "f.csv: id column 'nope' not found in the header" --absent out2.csv -- \
  "${RUN[@]}" composition -input f.csv -id nope -output out2.csv
check --status 95 --stderr-has "unknown composition preset 'magpi'" --absent out2.csv -- \
  "${RUN1[@]}" composition -input f.csv -preset magpi -output out2.csv
check --status 95 --stderr-has "-stats: unknown statistic 'median'" --absent out2.csv -- \
  "${RUN1[@]}" composition -input f.csv -stats mean,median -output out2.csv
check --status 65 --stderr-has "cannot open element table '/nonexistent/Number.table'" --absent out2.csv -- \
  "${RUN1[@]}" composition -input f.csv -elements_dir /nonexistent -output out2.csv
exit $fail
