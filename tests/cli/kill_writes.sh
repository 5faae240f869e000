#!/usr/bin/env bash
# Crash consistency of a label campaign, proved by killing it before each of its writes in
# turn, and the campaign lock.
#   kill_writes.sh SHIM.so
#  - a small campaign is run once to count its writes to the output (W, through the
#    LD_PRELOAD shim tests/cli/kill_at_write.c, below HDF5 and MPI-IO);
#  - for every k = 1..W a fresh run is killed (SIGKILL) just before write k; then the file,
#    if it exists, must open with h5py with consistent rows, and the same command again
#    must complete and equal the uninterrupted run (every column but `seconds`);
#  - a kill before the file exists (the creation phase writes OUT.partial) leaves no OUT:
#    every such k is checked for that, and the rerun over the stale .partial is done for
#    the first and the last of them (the states between are the same: no OUT);
#  - a second `label` on a file that a running campaign holds is refused (status 65, naming
#    the lock file and the holder's pid), and after kill -9 of the holder a rerun works.
#   kill_writes.sh SHIM.so [STRIDE]: kill before writes 1, 1+STRIDE, ... (and the last);
#   STRIDE 1 (the default) is the full proof (test cli_kill_writes_all, label slow).
set -u
SHIM="$1"
STRIDE="${2:-1}"
R="$MS_SOURCE_DIR/tests/run_expect.sh"
PY="${MS_PYTHON:-/usr/bin/python3}"
T="$MS_SOURCE_DIR/tests/cli/label_tool.py"
d=$(mktemp -d); cd "$d"
# In the sanitizer build the shim is preloaded ahead of the ASan runtime, which ASan refuses
# by default; the shim only wraps pwrite/write and passes them on, so the order is harmless.
[[ -n "${ASAN_OPTIONS:-}" ]] && export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
bg=""
cleanup() { [[ -n "$bg" ]] && kill -9 -- -"$bg" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
fail=0
# 3 structures of 12^3: about 0.1 s of work, so the loop is dominated by process start-up.
C=(-n 3 -size 12 -n_points_range 8,12 -radius_range 1.5,2 -seed 5)
L=("$MATSCREEN" label "${C[@]}")

"$R" --exists ref.h5 -- "${L[@]}" -output ref.h5 || fail=1
MS_KILL_PATH=k.h5 MS_KILL_COUNT_FILE="$d/count" LD_PRELOAD="$SHIM${LD_PRELOAD:+:$LD_PRELOAD}" "${L[@]}" -output k.h5 >/dev/null || fail=1
W=$(cat count); rm -f k.h5* count
echo "an uninterrupted run writes $W times to its output"
[[ "$W" -ge 20 ]] || { echo "FAIL: only $W writes counted: is the shim intercepting?"; exit 1; }

first_absent=""; last_absent=""; opened=0; absent=0
rerun_compare() { # $1 = k
  "${L[@]}" -output k.h5 >rerun.out 2>&1 || { echo "FAIL: k=$1: rerun after the kill failed:"; cat rerun.out; fail=1; return; }
  "$PY" "$T" compare ref.h5 k.h5 >cmp.out || { echo "FAIL: k=$1: killed + rerun differs from the uninterrupted run:"; cat cmp.out; fail=1; }
}
for ((k = 1; k <= W; k += (k + STRIDE > W && k < W) ? W - k : STRIDE)); do
  rm -f k.h5 k.h5.partial k.h5.lock
  MS_KILL_PATH=k.h5 MS_KILL_AT_WRITE=$k LD_PRELOAD="$SHIM${LD_PRELOAD:+:$LD_PRELOAD}" "${L[@]}" -output k.h5 >/dev/null 2>&1
  st=$?
  [[ $st -eq 137 ]] || { echo "FAIL: k=$k: expected the kill (status 137), got $st"; fail=1; continue; }
  if [[ ! -e k.h5 ]]; then
    [[ -z "$first_absent" ]] && first_absent=$k
    last_absent=$k
    absent=$((absent + 1))
    continue
  fi
  opened=$((opened + 1))
  done_now=$("$PY" "$T" consistent k.h5 3 2>&1) || { echo "FAIL: k=$k: file unopenable or inconsistent after the kill: $done_now"; fail=1; continue; }
  rerun_compare $k
done
echo "killed before write 1..$W (stride $STRIDE): $opened left an output that opened and resumed; $absent (in writes $first_absent..$last_absent) left none"
[[ $opened -ge $((10 / STRIDE)) ]] || { echo "FAIL: only $opened kills came after the output existed"; fail=1; }
for k in $first_absent $last_absent; do # rerun over a stale .partial from a killed creation
  rm -f k.h5 k.h5.partial
  MS_KILL_PATH=k.h5 MS_KILL_AT_WRITE=$k LD_PRELOAD="$SHIM${LD_PRELOAD:+:$LD_PRELOAD}" "${L[@]}" -output k.h5 >/dev/null 2>&1
  rerun_compare $k
done

echo "--- the lock: a second run on a file in use is refused; kill -9 leaves no stale lock"
BIG=(-n 40 -size 24 -n_points_range 20,30 -radius_range 1.5,2 -seed 7)
setsid "$MATSCREEN" label "${BIG[@]}" -output lk.h5 >lk.out 2>&1 &
bg=$!
"$PY" "$T" wait-done lk.h5 1 >/dev/null || fail=1
kill -STOP -- -"$bg" # holds the lock, deterministically, while the second run tries
"$R" --status 65 --stderr-has "'lk.h5' is being written by another run (pid" --stderr-has "lk.h5.lock" -- \
  "$MATSCREEN" label "${BIG[@]}" -output lk.h5 || fail=1
kill -9 -- -"$bg"; wait "$bg"; bg=""
[[ -e lk.h5.lock ]] || echo "(no lock file left: fine too)"
"$R" --stdout-has "kept from earlier runs" -- "$MATSCREEN" label "${BIG[@]}" -rows 0:3 -output lk.h5 || fail=1
[[ ! -e lk.h5.lock ]] || { echo "FAIL: lk.h5.lock left after a clean end"; fail=1; }
exit $fail
