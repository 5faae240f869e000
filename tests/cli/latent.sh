#!/usr/bin/env bash
# CLI of `matscreen latent`: -help, provenance of the outputs, and bad input (missing file,
# descriptors that do not match the batch by count or by id, wrong -new / -tau) -> one clear
# message, the user-error (95) or file-error (65) status, no output left behind; 1 and 2 ranks.
# Numbers (PCA, correlations, neighbours, 1 vs 2 ranks) are tests/parity/latent_parity.py.
# usage: latent.sh MPIEXEC...   (env MATSCREEN, MS_SOURCE_DIR from CTest)
set -u
RUN="$MS_SOURCE_DIR/tests/run_expect.sh"
MPI=("$@")
M="$MATSCREEN"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
bad=0
check() { "$RUN" "$@" || bad=1; }
G=(-size 16 -n_points_range 8,20 -radius_range 1,2 -stretch_axis random -stretch_range 0.5,0.8)
"$M" generate -batch 12 "${G[@]}" -seed 5 -output "$W/set.h5" >/dev/null || bad=1
"$M" generate -batch 3 "${G[@]}" -seed 6 -output "$W/small.h5" >/dev/null || bad=1
"$M" describe -input "$W/set.h5" -fit_pca 4 -output "$W/desc.h5" >/dev/null || bad=1
"$M" describe -input "$W/small.h5" -pca_model "$W/desc.h5" -output "$W/new.h5" >/dev/null || bad=1
{ echo "id,PC1,PC2"; for i in $(seq 0 11); do echo "s$i,$i,$((i * i % 5))"; done; } > "$W/bad_ids.csv"
{ echo "id,PC1,PC2"; for i in $(seq 0 11); do printf "set.h5:/structures/%06d,%d,%d\n" $((i < 10 ? i : 10)) $i $((i * i % 5)); done; } > "$W/dup_ids.csv"
printf "tau_x,tau_y,tau_z\n1.1,1.0,1.2\n" > "$W/tau_short.csv"
"$MS_PYTHON" - "$W" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
with h5py.File(f"{w}/nan.h5", "w") as f:
    mu = np.arange(36.0).reshape(12, 3); mu[7, 2] = np.nan
    f.create_dataset("latent/mu", data=mu)
    f.create_dataset("flat", data=np.arange(12.0))
PY
printf "tau_x,tau_y,tau_z\n1.1,1.0,1.2\n1.2,1.1,1.0\n1.0,1.3,1.1\n" > "$W/tau.csv"
printf "id,tau_x,tau_y,tau_z\na,1.1,1.0,1.2\nb,1.2,1.1,1.0\nc,1.0,1.3,1.1\n" > "$W/tau_ids.csv"

check --stdout-has "-descriptors" --stdout-has "-stretch_pcs" --stdout-has "Table 4.4" -- "$M" latent -help
# Good path: every output written, provenance recorded.
check --exists "$W/ok.h5" --exists "$W/ok.csv" --exists "$W/ok.csv.meta.json" --exists "$W/est.csv" \
  --stdout-has "latent: 12 structures x 4 descriptors" --stdout-has "new 3: porosity" \
  -- "$M" latent -descriptors "$W/desc.h5" -structures "$W/set.h5" -new "$W/new.h5" -tau "$W/tau.csv" -output "$W/ok.h5" -csv "$W/ok.csv" \
  -estimate_csv "$W/est.csv"
grep -q '"command_line": .*latent -descriptors' "$W/ok.csv.meta.json" || { echo "FAIL: no command line in ok.csv.meta.json"; bad=1; }

# bad STATUS TEXT ARGS...: fails with STATUS, TEXT in stderr, no -output/-csv left behind.
bad_case() {
  local status=$1 text=$2; shift 2
  check --status "$status" --stderr-has "$text" --absent "$W/bad.h5" --absent "$W/bad.csv" -- "$@" -output "$W/bad.h5" -csv "$W/bad.csv"
}
L=("$M" latent)
bad_case 65 "nothere.h5" "${L[@]}" -descriptors "$W/nothere.h5" -structures "$W/set.h5"
bad_case 95 "holds 3 structures" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/small.h5"
bad_case 95 "names no structure" "${L[@]}" -descriptors "$W/bad_ids.csv" -structures "$W/set.h5"
bad_case 95 "appears not exactly once" "${L[@]}" -descriptors "$W/dup_ids.csv" -structures "$W/set.h5"
bad_case 95 "row 7 column 3 is nan" "${L[@]}" -descriptors "$W/nan.h5" -structures "$W/set.h5"
bad_case 95 "is not a 2-D matrix" "${L[@]}" -descriptors "$W/nan.h5:/flat" -structures "$W/set.h5"
bad_case 95 "neither /latent/mu" "${L[@]}" -descriptors "$W/set.h5" -structures "$W/set.h5"
bad_case 95 "no /parameters/porosity" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/desc.h5"
bad_case 95 "2 descriptors per row" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/set.h5" -new "$W/bad_ids.csv" -tau "$W/tau.csv"
bad_case 95 "1 rows for 3 new" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/set.h5" -new "$W/new.h5" -tau "$W/tau_short.csv"
bad_case 95 "same order expected" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/set.h5" -new "$W/new.h5" -tau "$W/tau_ids.csv"
bad_case 95 "-new and -tau go together" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/set.h5" -new "$W/new.h5"
bad_case 95 "-stretch_pcs 2,2" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/set.h5" -stretch_pcs 2,2
bad_case 95 "-variance 1.5" "${L[@]}" -descriptors "$W/desc.h5" -structures "$W/set.h5" -variance 1.5
bad_case 95 "missing required option -structures" "${L[@]}" -descriptors "$W/desc.h5"
# On 2 ranks: a failure seen by one rank only (an id in the other rank's shard).
bad_case 95 "names no structure" "${MPI[@]}" "${L[@]}" -descriptors "$W/bad_ids.csv" -structures "$W/set.h5"
exit $bad
