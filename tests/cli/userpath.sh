#!/usr/bin/env bash
# The user's path from a label campaign to a scored model, and the messages on the way:
#  - a campaign table with tau = inf rows: error without -nan_policy omit, with it the rows are
#    dropped and counted (HDF5 and its CSV export, 1 and 2 ranks); default features are the
#    generator parameters (printed; no other target, iteration count, timing, seed or done);
#    predict on the table prints the score, equal to the one recomputed from its CSV
#  - bad option values name option, value and choices/bounds with status 95; unknown options
#    suggest the nearest; missing columns/datasets list what exists; CSV line numbers are global
#    on 2 ranks; one message per error on 2 ranks and no MPI_ABORT banner; --version;
#    a missing -options_file is one line; a volume too large says how many bytes
#  - -help: own options grouped with choices and model options, PETSc's only with -help_petsc;
#    `help train` lists the models
# Every run is in a fresh directory, so no file of an earlier run can satisfy a check.
# Argument: "data" (campaign, scores, columns, line numbers) or "messages" (option values,
# one message on 2 ranks, help, version); two CTest tests so that each stays short.
set -u
PART="${1:-all}"
R="$MS_SOURCE_DIR/tests/run_expect.sh"
PY="${MS_PYTHON:-/usr/bin/python3}"
M="$MATSCREEN"
MP=(mpiexec --oversubscribe -n 2 "$M")
REG="$MS_SOURCE_DIR/tests/cli/ml_data/reg.csv"
d=$(mktemp -d); cd "$d"
trap 'rm -rf "$d"' EXIT
fail=0
check() { "$R" "$@" || fail=1; }
note() { echo "--- $*"; }
bad() { echo "FAIL: $*"; fail=1; }

if [[ $PART == all || $PART == messages ]]; then
note "bad option values: option, value, choices or bounds; status 95 (not an internal error)"
check --status 95 --stderr-has "option -scaler: unknown value 'zscore' (choices: none, standard, minmax" -- \
  "$M" train -data "$REG" -target y -id id -model ridge -scaler zscore -output m.h5
check --status 95 --stderr-has "option -axis: unknown value 'w' (choices: x, y, z, all)" -- "$M" tortuosity -input v.h5 -axis w
check --status 95 --stderr-has "option -folds: 0 is out of range (expected an integer >= 2)" -- \
  "$M" cv -data "$REG" -target y -id id -models ridge -folds 0 -output cv.csv
check --status 95 --stderr-has "option -rf_n_trees: 0 is out of range (expected an integer >= 1)" -- \
  "$M" train -data "$REG" -target y -id id -model rf -rf_n_trees 0 -output m.h5
check --status 95 --stderr-has "option -size: 'abc' is not an integer" -- "$M" generate -size abc -output g.h5
check --status 95 --stderr-has "option -stratified: 'maybe' is not a boolean" -- \
  "$M" cv -data "$REG" -target y -models ridge -stratified maybe -output cv.csv
check --status 95 --stderr-has "option -test_fraction: 2 is out of range (expected a number in [0, 1])" -- \
  "$M" cv -data "$REG" -target y -models ridge -test_fraction 2 -output cv.csv
check --status 95 --stderr-has "option -nan_policy: unknown value 'drop' (choices: error, omit, keep)" -- \
  "$M" train -data "$REG" -target y -model ridge -nan_policy drop -output m.h5
check --status 95 --stderr-has "option -ridge_alpha: 'x1' is not a finite number" -- \
  "$M" train -data "$REG" -target y -model ridge -ridge_alpha x1 -output m.h5
"$M" train -data "$REG" -target y -model ridge -scaler zscore -output m.h5 2>err.txt
grep -q "internal error" err.txt && bad "a bad option value is reported as an internal error"

note "unknown options suggest the nearest known one (command and model options)"
check --status 95 --stderr-has "-datta x (did you mean -data?)" -- "$M" train -datta x -model ridge
check --status 95 --stderr-has "(did you mean -rf_n_trees?)" -- "$M" train -data "$REG" -target y -model rf -rf_n_tres 5 -output m.h5

fi
if [[ $PART == all || $PART == data ]]; then
note "missing column / dataset: list what exists"
check --status 95 --stderr-has "target column 'nope' not found in the header; columns: id, x1, x2, y" -- \
  "$M" train -data "$REG" -target nope -model ridge -output m.h5
check --status 95 --stderr-has "feature column 'x3' (-features, or a feature of the model) not found in the header; columns: id, x1, x2, y" -- \
  "$M" train -data "$REG" -target y -id id -features x1,x3 -model ridge -output m.h5

note "a label campaign with non-percolating rows (tau = inf)"
"$M" label -n 12 -size 16 -n_points_range 4,60 -radius_range 0.5,1.5 -stretch_axis random -seed 3 -output lab.h5 -quiet ||
  bad "label campaign failed"
n_inf=$("$PY" -c "import h5py, numpy as np; print(int(np.isinf(h5py.File('lab.h5')['labels/tau_x'][:]).sum()))")
[[ "$n_inf" -ge 1 && "$n_inf" -le 11 ]] || bad "campaign should have some but not all tau_x = inf, has $n_inf"
check --status 95 --stderr-has "target 'tau_x' is missing, NaN or infinite" --stderr-has "-nan_policy omit" --absent m.h5 -- \
  "$M" train -data lab.h5:/labels -target tau_x -model ridge -output m.h5
for np in 1 2; do
  if [[ $np == 1 ]]; then RUN=("$M"); else RUN=("${MP[@]}"); fi
  rm -f m$np.h5
  check --exists m$np.h5 --stdout-has "lab.h5:/labels: -nan_policy omit dropped $n_inf of 12 rows: $n_inf with a missing or non-finite target 'tau_x'" \
    --stdout-has "train: $((12 - n_inf)) rows of lab.h5:/labels; target tau_x; 5 features (declared by the table" \
    --stdout-has "): n_points, radius, stretch_x, stretch_y, stretch_z" -- \
    "${RUN[@]}" train -data lab.h5:/labels -target tau_x -model ridge -nan_policy omit -output m$np.h5
done
"$M" train -data lab.h5:/labels -target tau_x -model ridge -nan_policy omit -output m.h5 >out.txt 2>&1 || bad "train on campaign"
feat=$(grep "features (" out.txt)
for leak in tau_y tau_z porosity iterations seconds seed done index; do
  [[ "$feat" == *"$leak"* ]] && bad "default campaign features contain $leak: $feat"
done
note "-features can still add porosity (tortuosity at a given porosity)"
check --stdout-has "6 features (option -features): n_points, radius, stretch_x, stretch_y, stretch_z, porosity" -- \
  "$M" train -data lab.h5:/labels -target tau_x -model ridge -nan_policy omit -output mp.h5 \
  -features n_points,radius,stretch_x,stretch_y,stretch_z,porosity
note "missing dataset in the campaign file lists its groups"
check --status 66 --stderr-has "no group or dataset '/labelz' in the HDF5 file; group '/' holds: labels/" -- \
  "$M" train -data lab.h5:/labelz -target tau_x -model ridge -output m.h5

note "the CSV export of the campaign: same rows dropped, campaign features recognised (2 ranks)"
"$M" convert -input lab.h5 -group /labels -output lab.csv -quiet || bad "convert"
check --exists mc.h5 --stdout-has "-nan_policy omit dropped $n_inf of 12 rows" \
  --stdout-has "5 features (a label campaign table: its generator parameters): n_points, radius, stretch_x, stretch_y, stretch_z" -- \
  "${MP[@]}" train -data lab.csv -target tau_x -model ridge -nan_policy omit -output mc.h5

note "predict on the labelled table prints the score (checked against the predictions CSV)"
"${MP[@]}" predict -model m.h5 -data lab.h5:/labels -output p.csv >pout.txt 2>perr.txt || { bad "predict failed"; cat perr.txt; }
cat pout.txt
grep -q "score against target 'tau_x' of lab.h5:/labels on $((12 - n_inf)) rows with a finite target: r2" pout.txt || bad "predict printed no score"
"$PY" - <<'PYEOF' || fail=1
import re, h5py, numpy as np, pandas as pd
txt = open("pout.txt").read()
m = re.search(r"r2 (\S+), rmse (\S+), mae (\S+)", txt)
r2, rmse, mae = (float(v.rstrip(",")) for v in m.groups())
y = h5py.File("lab.h5")["labels/tau_x"][:]
p = pd.read_csv("p.csv", comment="#")["prediction"].to_numpy()
ok = np.isfinite(y)
e = y[ok] - p[ok]
want = (1 - (e @ e) / ((y[ok] - y[ok].mean()) @ (y[ok] - y[ok].mean())), np.sqrt(np.mean(e * e)), np.mean(np.abs(e)))
got = (r2, rmse, mae)
for g, w, n in zip(got, want, ("r2", "rmse", "mae")):
    if abs(g - w) > 1e-5 * max(1.0, abs(w)):
        raise SystemExit(f"FAIL: predict {n} {g} but the predictions give {w}")
print("predict score matches the predictions:", got)
PYEOF

note "CSV errors name the global line on 2 ranks (the bad row is in rank 1's half)"
"$PY" -c "
rows = ['x1,x2,y', '# comment'] + [f'{i},{2*i},{3*i}' for i in range(20)]
rows[18] = '5,abc,7'
open('badline.csv', 'w').write('\n'.join(rows) + '\n')"
check --status 66 --stderr-has "badline.csv:19: column 2 ('x2') is not numeric: 'abc'" -- \
  "${MP[@]}" train -data badline.csv -target y -model ridge -output bl.h5

fi
if [[ $PART == all || $PART == messages ]]; then
note "one message per error on 2 ranks, no MPI_ABORT banner"
"$M" generate -size 8 -output v8.h5 -quiet || bad "generate"
"$PY" -c "
rows = ['x1,x2,y'] + [f'{i},{2*i},{3*i}' for i in range(20)]
rows[15] = '5,abc,7'
open('badline.csv', 'w').write('\n'.join(rows) + '\n')"
while IFS= read -r line; do
  read -ra args <<<"$line"
  "${MP[@]}" "${args[@]}" >o.txt 2>e.txt
  n=$(grep -c "matscreen: error" e.txt)
  [[ $n -eq 1 ]] || { bad "'${args[*]}' on 2 ranks printed $n error messages"; cat e.txt; }
  grep -q "MPI_ABORT" e.txt && bad "'${args[*]}' on 2 ranks: MPI_ABORT banner"
done <<LIST
train -data $REG -target y -model ridge -scaler zscore -output m9.h5
train -data badline.csv -target y -model ridge -output m9.h5
cv -data badline.csv -target y -models ridge,rf -rf_n_trees 0 -output c9.csv
predict -model nope.h5 -data badline.csv -output p9.csv
convert -input nope.csv -output x9.h5
pca -input nope.csv -output p9.h5
generate -size abc -output g9.h5
segment -porosity 2 -input x.tif -output s9.h5
tortuosity -input v8.h5 -axis w
label -n 0 -output l9.h5
merge -output m9.h5
version -foo
LIST

note "a volume too large for memory says how many bytes"
check --status 95 --stderr-has "needs 1000000000000000 bytes" -- "$M" generate -size 100000 -output big.h5
check --status 66 --stderr-has "no volume dataset '/vol' in the file (choose one with -dataset); group '/' holds: volume" -- \
  "$M" tortuosity -input v8.h5 -dataset /vol -axis x

note "--version and -version"
check --stdout-has "matscreen  0." --stdout-has "PETSc" -- "$M" --version
check --stdout-has "matscreen  0." -- "$M" -version

note "a missing options file is one line"
"$M" train -options_file nope.opts >o.txt 2>e.txt; st=$?
[[ $st -eq 65 ]] || bad "missing options file: status $st, expected 65"
[[ $(wc -l <e.txt) -eq 1 ]] && grep -q "cannot read options file 'nope.opts'" e.txt || { bad "missing options file: not one clear line"; cat e.txt; }

note "-help: own options grouped, with choices and the model's options; PETSc's only with -help_petsc"
"$M" train -model rf -help >h.txt 2>&1 || bad "train -help failed"
for want in "Input table:" "Model:" "Output:" "-nan_policy <error|omit|keep>" \
  "-scaler <none|standard|minmax|log1p|normalize_max|normalize_total|poisson|truncate>" "-rf_n_trees <int>" "(default: 100)" \
  "[an integer >= 1]" "-help_petsc"; do
  grep -qF -- "$want" h.txt || bad "train -model rf -help lacks: $want"
done
for unwanted in "Options for all PETSc programs" "-malloc_dump" "PetscDevice" "spec 1." "spec.md"; do
  grep -qF -- "$unwanted" h.txt && bad "train -help shows: $unwanted"
done
check --stdout-has "Options for all PETSc programs" --stdout-has "-rf_n_trees" -- "$M" train -model rf -help_petsc
check --stdout-has "-ridge_alpha" --stdout-has "-rf_n_trees" --stdout-has "-folds <int>" -- "$M" cv -models ridge,rf -help
note "matscreen help train lists the models"
check --stdout-has "Models (-model NAME" --stdout-has "  rf       random forest" --stdout-has "  gpr      Gaussian process" \
  --stdout-has "  logreg   " --stdout-has "-nan_policy" -- "$M" help train
check --stdout-has "Models (-models a,b" -- "$M" help cv
note "no internal references in user-facing help"
for c in convert generate segment tortuosity train predict cv pca label merge version; do
  "$M" help $c >h.txt 2>&1
  grep -nE "spec 1\.|spec\.md|issue [0-9]|Table [0-9]" h.txt && bad "help $c has an internal reference"
done
fi
exit $fail
