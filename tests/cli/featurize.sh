#!/usr/bin/env bash
# `matscreen featurize structure|graph`: malformed CIF / POSCAR / edge lists give the exact
# status (66 malformed, 65 unopenable, 95 bad option) and file:line; -on_error skip|nan report the
# input and keep going; a failure on one rank of 2 ends both with no output; -list, HDF5 units.
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
D="$MS_SOURCE_DIR/tests/cli/featurize_data"
S="$MS_SOURCE_DIR/tests/parity/structures"
MS="$MATSCREEN"
NP2=(mpiexec --oversubscribe -n 2 "$MS")
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail=0
check() { "$R" "$@" || fail=1; }

# Malformed structures: exact status and file:line.
check --status 66 --absent o.csv --stderr-has "partial_occupancy.cif:16: site 'Co' has occupancy 0.5: partially occupied" -- \
  "$MS" featurize structure -inputs "$D/partial_occupancy.cif" -output o.csv
check --status 66 --absent o.csv --stderr-has "bad_symop.cif:11: symmetry operation '-x+1/2, w, z': unexpected 'w' at column 9" -- \
  "$MS" featurize structure -inputs "$D/bad_symop.cif" -output o.csv
check --status 66 --absent o.csv --stderr-has "short_loop.cif:14: the _atom_site loop has a short last row" -- \
  "$MS" featurize structure -inputs "$D/short_loop.cif" -output o.csv
check --status 66 --absent o.csv --stderr-has "bad_cell.cif:2: _cell_length_a: '4.0x(3)' is not a number" -- \
  "$MS" featurize structure -inputs "$D/bad_cell.cif" -output o.csv
check --status 66 --absent o.csv --stderr-has "bad_lattice.vasp:4: a lattice vector: field 3 'zero' is not a number" -- \
  "$MS" featurize structure -inputs "$D/bad_lattice.vasp" -output o.csv
check --status 66 --absent o.csv --stderr-has "vasp4_POSCAR:6: a VASP 4 POSCAR has no species line: give the element symbols in order with -species" -- \
  "$MS" featurize structure -inputs "$D/vasp4_POSCAR" -output o.csv
check --status 66 --absent o.csv --stderr-has "short_POSCAR:10: file ends early: expected atom coordinates" -- \
  "$MS" featurize structure -inputs "$D/short_POSCAR" -output o.csv
check --status 66 --absent o.csv --stderr-has "overlap.vasp: sites 1 (Fe) and 2 (Fe) are 0 A apart: overlapping atoms" -- \
  "$MS" featurize structure -inputs "$D/overlap.vasp" -output o.csv
check --status 65 --absent o.csv --stderr-has "cannot open CIF file nothere.cif" -- "$MS" featurize structure -inputs nothere.cif -output o.csv
# Malformed edge lists.
check --status 66 --absent o.csv --stderr-has "bad_column.csv:1: unknown column 'length' (allowed: source, target, weight, graph_id)" -- \
  "$MS" featurize graph -inputs "$D/bad_column.csv" -output o.csv
check --status 66 --absent o.csv --stderr-has "bad_weight.csv:3: weight '-2' is not a positive number" -- \
  "$MS" featurize graph -inputs "$D/bad_weight.csv" -output o.csv
# Options.
check --status 95 --stderr-has "-radii: unknown value 'ionic' (allowed: atomic, covalent)" -- "$MS" featurize structure -inputs "$S/NaCl.cif" -radii ionic -output o.csv
check --status 95 --stderr-has "unknown featurizer kind 'spectra'; known kinds:" -- "$MS" featurize spectra -output o.csv
check --status 95 --stderr-has "missing required option -output" -- "$MS" featurize structure -inputs "$S/NaCl.cif"
check --status 95 --stderr-has "no inputs" -- "$MS" featurize graph -output o.csv
check --stdout-has "-on_error" --stdout-has "-radii" --stdout-has "-cutoff" -- "$MS" featurize structure -help
check --stdout-has "inf when the graph is disconnected" -- "$MS" featurize graph -help
many=$(printf "$D/bad_weight.csv,%.0s" $(seq 1 1100))
check --status 95 --stderr-has "-inputs: 1024 or more files (the most it holds is 1023): list them in a file and use -list" -- \
  "$MS" featurize graph -inputs "${many%,}" -output o.csv
# A disconnected graph: Wiener = inf, said in the summary and in the HDF5 note.
check --exists disc.h5 --stdout-has "non-finite values in wiener_index (1); wiener_index = inf: the graph is disconnected" -- \
  "$MS" featurize graph -inputs "$MS_SOURCE_DIR/tests/parity/graphs/disconnected.csv,$MS_SOURCE_DIR/tests/parity/graphs/petersen.csv" -output disc.h5
# VASP 4 with -species works.
check --exists v4.csv -- "$MS" featurize structure -inputs "$D/vasp4_POSCAR" -species Fe -output v4.csv
grep -q ',229,' v4.csv || { echo "FAIL: bcc Fe should be space group 229"; cat v4.csv; fail=1; }

# -on_error skip|nan on 2 ranks: the bad inputs are named, the good rows kept in input order.
printf '# inputs (relative to this list)\nNaCl.cif\nbroken.cif\nSrTiO3.cif\n\nbroken.vasp\nZnO_wurtzite.cif\n' > "$d/list.txt"
cp "$S/NaCl.cif" "$S/SrTiO3.cif" "$S/ZnO_wurtzite.cif" "$d/"; cp "$D/partial_occupancy.cif" "$d/broken.cif"; cp "$D/bad_lattice.vasp" "$d/broken.vasp"
mkdir sub && cd sub
check --exists skip.csv --stderr-has "skipped $d/broken.cif: $d/broken.cif:16" --stderr-has "skipped $d/broken.vasp: $d/broken.vasp:4" \
  --stdout-has "5 input(s), 3 row(s), 2 failed (-on_error skip)" -- "${NP2[@]}" featurize structure -list "$d/list.txt" -on_error skip -output skip.csv
ids=$(grep -v '^#' skip.csv | tail -n +2 | cut -d, -f1 | xargs -n1 basename | tr '\n' ' ')
[[ "$ids" == "NaCl.cif SrTiO3.cif ZnO_wurtzite.cif " ]] || { echo "FAIL: skip rows: $ids"; fail=1; }
check --exists nan.h5 --stderr-has "NaN row for $d/broken.cif" --stdout-has "5 input(s), 5 row(s), 2 failed (-on_error nan)" -- \
  "${NP2[@]}" featurize structure -list "$d/list.txt" -on_error nan -output nan.h5
/usr/bin/python3 - "$d/sub/nan.h5" <<'PY' || fail=1
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
X = f["/features/features"][...]
ids = [s.decode().split("/")[-1] for s in f["/features/ids"][...]]
names = [s.decode() if isinstance(s, bytes) else s for s in f["/features/features"].attrs["column_names"]]
units = [s.decode() if isinstance(s, bytes) else s for s in f["/features/features"].attrs["units"]]
assert ids == ["NaCl.cif", "broken.cif", "SrTiO3.cif", "broken.vasp", "ZnO_wurtzite.cif"], ids
assert np.isnan(X[1]).all() and np.isnan(X[3]).all() and np.isfinite(X[0]).all(), X
assert units[names.index("density_g_cm3")] == "g/cm^3" and units[names.index("a_A")] == "A", units
assert "command_line" in f.attrs and f.attrs["n_ranks"] == 2
print("ok   nan.h5: NaN rows in place, units and provenance")
PY
check --status 66 --within 60 --absent none.h5 --stderr-has "featurize structure: all 2 input(s) failed (-on_error skip, messages above): no table written" -- \
  "${NP2[@]}" featurize structure -inputs "$D/bad_cell.cif,$D/short_loop.cif" -on_error skip -output none.h5
# -on_error fail on 2 ranks: broken.cif is input 1 = rank 1; both ranks end, no output.
check --status 66 --within 60 --absent fail.csv --stderr-has "broken.cif:16" -- "${NP2[@]}" featurize structure -list "$d/list.txt" -output fail.csv
check --status 66 --within 60 --absent fail.h5 --stderr-has "bad_weight.csv:3" -- \
  "${NP2[@]}" featurize graph -inputs "$S/NaCl.cif,$D/bad_weight.csv" -output fail.h5
exit $fail
