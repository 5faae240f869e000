#!/usr/bin/env bash
# Signals sent to mpiexec itself (not to the ranks) during `mpiexec -n 2 matscreen label`:
#  - USR1 (Open MPI forwards it to the ranks): clean stop, mpiexec exits 75, file consistent,
#    the message says how many rows are done, a rerun completes and equals an uninterrupted run;
#  - TERM: Open MPI 4.1's mpiexec cannot forward it (ess_base_forward_signals refuses SIGTERM)
#    and turns it into a forced abort that exits 1 whatever the ranks return; the ranks get
#    TERM (then KILL after odls_base_sigkill_timeout). What we guarantee: the file is
#    consistent and a rerun completes and equals the uninterrupted run. The status is
#    asserted non-zero (it is mpiexec's, not ours);
#  - TERM to msrun (scripts/msrun, the launcher we document for mpiexec): clean stop, status 75,
#    message, consistent file, the rerun equals the uninterrupted run.
# The stop is sent after the first row is on disk and the job is frozen (SIGSTOP) meanwhile,
# so a fast machine cannot finish the campaign before the signal lands.
set -u
PY="${MS_PYTHON:-/usr/bin/python3}"
T="$MS_SOURCE_DIR/tests/cli/label_tool.py"
R="$MS_SOURCE_DIR/tests/run_expect.sh"
d=$(mktemp -d); cd "$d"
bg=""
cleanup() { [[ -n "$bg" ]] && kill -9 -- -"$bg" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
fail=0
C=(-n 12 -size 20 -n_points_range 15,25 -radius_range 1.5,2 -seed 9)
"$R" --exists ref.h5 -- "$MATSCREEN" label "${C[@]}" -output ref.h5 || fail=1

MSRUN="$(dirname "$MATSCREEN")/msrun"
stop_with() { # $1 = signal, $2 = output, $3 = launcher (default mpiexec)
  setsid ${3:-mpiexec} --oversubscribe -n 2 "$MATSCREEN" label "${C[@]}" -output "$2" >"$2.out" 2>"$2.err" &
  bg=$!
  "$PY" "$T" wait-done "$2" 1 >/dev/null || fail=1
  kill -STOP -- -"$bg"            # freeze mpiexec and the ranks (one process group)
  kill -"$1" "$bg"                # the signal goes to mpiexec only ...
  kill -CONT -- -"$bg"            # ... and is handled when the job runs again
  wait "$bg"; st=$?; bg=""
}

stop_with USR1 u.h5
[[ $st -eq 75 ]] || { echo "FAIL: USR1 to mpiexec: status $st, expected 75"; cat u.h5.err; fail=1; }
grep -q "interrupted by signal 10: [0-9]* of 12 done; run the same command again to continue" u.h5.err ||
  { echo "FAIL: USR1: no clean-stop message"; cat u.h5.err; fail=1; }
left=$("$PY" "$T" consistent u.h5 12) || { echo "FAIL: inconsistent after USR1"; fail=1; }
[[ "$left" -ge 1 && "$left" -lt 12 ]] || { echo "FAIL: USR1: expected 1..11 rows done, got $left"; fail=1; }
"$R" --stdout-has "kept from earlier runs" -- mpiexec --oversubscribe -n 2 "$MATSCREEN" label "${C[@]}" -output u.h5 || fail=1
"$PY" "$T" compare ref.h5 u.h5 || { echo "FAIL: USR1 + rerun differs from the uninterrupted run"; fail=1; }

stop_with TERM t.h5
echo "TERM to mpiexec: status $st (Open MPI's forced abort)"
[[ $st -ne 0 ]] || { echo "FAIL: TERM to mpiexec: status 0"; fail=1; }
pgrep -f "label ${C[*]} -output t.h5" >/dev/null && { echo "FAIL: ranks left running after TERM"; fail=1; }
"$PY" "$T" consistent t.h5 12 >/dev/null || { echo "FAIL: inconsistent after TERM to mpiexec"; fail=1; }
"$R" -- mpiexec --oversubscribe -n 2 "$MATSCREEN" label "${C[@]}" -output t.h5 || fail=1
"$PY" "$T" compare ref.h5 t.h5 || { echo "FAIL: TERM + rerun differs from the uninterrupted run"; fail=1; }

stop_with TERM m.h5 "$MSRUN"
[[ $st -eq 75 ]] || { echo "FAIL: TERM to msrun: status $st, expected 75"; cat m.h5.err; fail=1; }
grep -q "msrun: TERM received; asking the ranks to stop cleanly" m.h5.err || { echo "FAIL: msrun: no message"; fail=1; }
grep -q "interrupted by signal 10: [0-9]* of 12 done; run the same command again to continue" m.h5.err ||
  { echo "FAIL: TERM to msrun: no clean-stop message"; cat m.h5.err; fail=1; }
"$PY" "$T" consistent m.h5 12 >/dev/null || { echo "FAIL: inconsistent after TERM to msrun"; fail=1; }
"$R" --stdout-has "kept from earlier runs" -- "$MSRUN" --oversubscribe -n 2 "$MATSCREEN" label "${C[@]}" -output m.h5 || fail=1
"$PY" "$T" compare ref.h5 m.h5 || { echo "FAIL: TERM to msrun + rerun differs from the uninterrupted run"; fail=1; }
"$R" --status 64 --stdout-has "Same arguments as mpiexec" -- "$MSRUN" || fail=1
exit $fail
