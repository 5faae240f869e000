#!/usr/bin/env bash
# Progress of long work (here a generate batch): plain percentage lines with ETA in a batch log,
# a redrawn bar on a terminal (util-linux `script` provides a pseudo-terminal), nothing with
# -quiet, and only rank 0 speaks on 2 ranks.
set -eu
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
run() { rm -f b.h5; "$@" generate -batch 10 -size 20 -n_points_range 8,12 -seed 3 -output b.h5 -progress_step 25; }
log=$(run mpiexec --oversubscribe -n 2 "$MATSCREEN")
echo "$log"
n=$(grep -cE '^generating: +[0-9]+% \([0-9]+/10\) elapsed [0-9:]+ ETA [0-9:-]+$' <<<"$log")
[[ $n -ge 4 && $n -le 6 ]] || { echo "FAIL: expected 4-6 progress lines at 25% steps, got $n"; exit 1; }
grep -q '^generating: done (10/10)' <<<"$log" || { echo "FAIL: no final progress line"; exit 1; }
[[ $(grep -c '100%' <<<"$log") -eq 1 ]] || { echo "FAIL: 100% printed more than once (more than one rank speaking?)"; exit 1; }
# A terminal outside an MPI launcher gets the bar; under mpirun it must be forced.
tty=$(script -qec "$MATSCREEN generate -batch 10 -size 20 -n_points_range 8,12 -seed 3 -output t.h5" /dev/null)
grep -q $'\r''generating \[#' <<<"$tty" || { echo "FAIL: no redrawn bar on a terminal"; exit 1; }
grep -q 'ETA' <<<"$tty" || { echo "FAIL: bar without ETA"; exit 1; }
rm -f b.h5
q=$("$MATSCREEN" generate -batch 10 -size 20 -n_points_range 8,12 -seed 3 -output b.h5 -quiet)
[[ -z "$q" && -f b.h5 ]] || { echo "FAIL: -quiet printed: $q"; exit 1; }
echo "progress ok"
