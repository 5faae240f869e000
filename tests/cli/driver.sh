#!/usr/bin/env bash
# The driver: help texts, unknown commands and options, version contents.
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
fail=0
check() { "$R" "$@" || fail=1; }
check --stdout-has "commands:" --stdout-has "convert" -- "$MATSCREEN" help
check --status 2 --stderr-has "usage: matscreen <command>" -- "$MATSCREEN"
check --status 2 --stderr-has "unknown command 'frobnicate'" -- "$MATSCREEN" frobnicate
check --stdout-has "-nan_policy" --stdout-has "usage: matscreen convert" -- "$MATSCREEN" convert -help
check --stdout-has "-input" -- "$MATSCREEN" help convert
check --status 95 --stderr-has "unknown or unused option: -colour red" -- "$MATSCREEN" version -colour red
check --stdout-has "PETSc      Petsc Release Version 3." --stdout-has "(parallel, MPI-IO)" --stdout-has "ScaLAPACK  2." \
      --stdout-has "BLACS sees 2 processes" --stdout-has "OpenBLAS" --stdout-has "OpenMP" --stdout-has "git " \
      -- mpiexec --oversubscribe -n 2 "$MATSCREEN" version
# Options from a file and from PETSC_OPTIONS reach the options database.
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
printf 'a,b\n1,2\n' > "$d/in.csv"
printf -- "-input %s\n-output %s\n" "$d/in.csv" "$d/out.h5" > "$d/deck.opts"
check --exists "$d/out.h5" -- "$MATSCREEN" convert -options_file "$d/deck.opts"
check --exists "$d/out2.h5" -- env PETSC_OPTIONS="-input $d/in.csv -output $d/out2.h5" "$MATSCREEN" convert
exit $fail
