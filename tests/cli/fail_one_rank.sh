#!/usr/bin/env bash
# A rank that fails while the other waits in a collective: the job ends within seconds,
# non-zero, with the failing rank's message and without the partial output file.
set -u
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
exec "$MS_SOURCE_DIR/tests/run_expect.sh" --fail --within 20 --stderr-has "forced failure on rank 1" \
  --absent "$d/out.h5" -- mpiexec --oversubscribe -n 2 "$1" -output "$d/out.h5"
