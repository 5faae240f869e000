#!/usr/bin/env bash
# The main job, run by `make demo` on NP MPI ranks (default 2): the smallest real end-to-end
# pipeline that exists. Each issue that adds a stage (membrane labels, surrogate CV, ...)
# extends it here. Results go to demo-output/ (or $DEMO_OUT).
set -euo pipefail
BUILD=${1:-build}
NP=${2:-2}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN="$SRC/$BUILD/bin/matscreen"
OUT=${DEMO_OUT:-$SRC/demo-output}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
MPI=(mpiexec --oversubscribe -n "$NP")
mkdir -p "$OUT"

echo "== matscreen demo on $NP ranks; results in $OUT"
"${MPI[@]}" "$BIN" version

echo
echo "== 1. LATP Bayesian-optimisation samples (seed Table 4.2): CSV -> HDF5 -> CSV"
"${MPI[@]}" "$BIN" convert -input "$SRC/inputs/latp/bo_samples_table_4_2.csv" -output "$OUT/latp_samples.h5" \
  -target ionic_conductivity_s_per_cm
"${MPI[@]}" "$BIN" convert -input "$OUT/latp_samples.h5" -output "$OUT/latp_samples.csv"

echo
echo "== done. Results:"
ls -l "$OUT"
