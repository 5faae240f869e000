#!/usr/bin/env bash
# cv of rf and tree on 1 and 2 ranks writes the same per-fold scores to the last digit
# (forests depend on (seed, tree index) only, never on the rank count).
# Usage: rf_cv_ranks.sh MATSCREEN MPIEXEC DATA.csv
set -eu
ms=$1; mpiexec=$2; data=$3
args=(cv -data "$data" -target y -id id -models rf,tree -folds 3 -repeats 2 -seed 11 -rf_n_trees 15 -rf_oob -quiet)
rm -f rf_cv1.csv rf_cv2.csv
"$ms" "${args[@]}" -output rf_cv1.csv
"$mpiexec" --oversubscribe -n 2 "$ms" "${args[@]}" -output rf_cv2.csv
if ! diff <(grep -v '^#' rf_cv1.csv) <(grep -v '^#' rf_cv2.csv); then
  echo "rf_cv_ranks: cv scores differ between 1 and 2 ranks" >&2
  exit 1
fi
rows=$(grep -c '^rf,r2,' rf_cv1.csv)
[[ $rows -eq 8 ]] || { echo "rf_cv_ranks: expected 8 rf r2 rows (6 folds, mean, std), got $rows" >&2; exit 1; }
echo "rf_cv_ranks: identical on 1 and 2 ranks"
