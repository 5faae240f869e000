#!/usr/bin/env bash
# `matscreen featurize electronic` over the synthetic calculation directories written by the
# `electronic` unit test (fixture): same table on 1 and 2 ranks, a malformed EIGENVAL reported
# by file:line and row id, -lattice checked.  usage: featurize_electronic.sh SCRATCH_DIR
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
S=$1
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail=0
check() { "$R" "$@" || fail=1; }
printf 'name,path\nd,%s/direct\ns,%s/spin\nsl,%s/slab\nb,%s/bad\n' "$S" "$S" "$S" "$S" > runs.csv
check --status 66 --stderr-has "runs.csv:5: row 'b': $S/bad/EIGENVAL:10: file ends early" --absent e1.csv -- \
  "$MATSCREEN" featurize electronic -input runs.csv -id name -output e1.csv
check --status 0 --exists e1.csv -- "$MATSCREEN" featurize electronic -input runs.csv -id name -on_error nan -output e1.csv
check --status 0 --exists e2.csv -- mpiexec --oversubscribe -n 2 "$MATSCREEN" featurize electronic -input runs.csv -id name -on_error nan -output e2.csv
diff <(grep -v '^#' e1.csv) <(grep -v '^#' e2.csv) || { echo "1 and 2 ranks differ"; fail=1; }
grep -q '^d,2.5,-1,1.5,1,0.2999999' e1.csv || { echo "direct-gap row wrong"; cat e1.csv; fail=1; }
check --status 95 --stderr-has "-lattice takes 9 numbers" -- "$MATSCREEN" featurize electronic -input runs.csv -lattice 1,2,3 -output e3.csv
exit $fail
