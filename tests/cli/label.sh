#!/usr/bin/env bash
# `matscreen label` and `matscreen merge`: the campaign kill-and-restart test and friends.
#  - bad options (ranks_per_structure not dividing P, -rows, -n) -> clear message, status 95
#  - 1 rank = 2 ranks x 1 group each (same ranks_per_structure): bit-identical; 1 group of 2
#    ranks: same taus to 1e-6
#  - kill -9 of the whole process group mid-run, rerun: equals the uninterrupted run
#  - SIGTERM mid-run: exit 75, message, consistent file; rerun completes: equals it too
#  - an existing output from a different campaign: clear error, file untouched (another
#    -mg_overcorrect too; with 1 the definition is that of earlier versions)
#  - label structure i == generate -batch structure i (parameters and porosity)
#  - merge of two -rows ranges == uninterrupted run; overlapping / missing rows are errors
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
PY="${MS_PYTHON:-/usr/bin/python3}"
T="$MS_SOURCE_DIR/tests/cli/label_tool.py"
L1=("$MATSCREEN" label)
L2=(mpiexec --oversubscribe -n 2 "$MATSCREEN" label)
d=$(mktemp -d); cd "$d"
bg=""; ranks=""
# mpiexec starts its ranks in process groups of their own: killing mpiexec's group leaves
# them running (and writing rows). Every kill below names the ranks too and waits for them.
cleanup() { [[ -n "$bg" ]] && kill -9 -- -"$bg" $ranks 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
fail=0
check() { "$R" "$@" || fail=1; }
# The rank processes of the mpiexec with PID $1 (its children), once the campaign file $2
# exists: the ranks have started by then. Polls; no fixed sleeps.
job_ranks() {
  "$PY" "$T" wait-done "$2" 0 >/dev/null || return 1
  pgrep -P "$1" | tr '\n' ' '
}
# Wait until every PID given has ended (a zombie counts as ended: nobody may reap a rank
# whose mpiexec was killed); fail after 30 s.
wait_gone() {
  local p i
  for p in "$@"; do
    for ((i = 0; i < 600; i++)); do
      [[ -e /proc/$p ]] && ! awk '{exit $3 != "Z"}' /proc/$p/stat 2>/dev/null || break
      sleep 0.05
    done
    [[ $i -lt 600 ]] || { echo "FAIL: process $p still running 30 s after the kill"; fail=1; }
  done
}
note() { echo "--- $*"; }
# Start `mpiexec -n 2 matscreen label C -output $1` in a process group of its own, with a poller
# that sends signal $3 to the targets $4... once $2 rows are done. The poller starts first and
# the job only once it polls: Python and h5py can take longer to load on a busy machine than the
# whole campaign runs. Targets name mpiexec through mpiexec.pid (children-of: its ranks,
# group-of: its process group), resolved when the signal is due. Sets bg, ranks and poller; the
# poller prints the rows it saw to poll.out.
run_and_signal() {
  local out=$1 k=$2 sig=$3 i
  shift 3
  rm -f poll.ready poll.out mpiexec.pid
  LABEL_TOOL_READY=poll.ready "$PY" "$T" signal-after "$out" "$k" "$sig" "$@" >poll.out &
  poller=$!
  for ((i = 0; i < 1200; i++)); do [[ -e poll.ready ]] && break; sleep 0.05; done
  setsid "${L2[@]}" "${C[@]}" -output "$out" >"$out.out" 2>"$out.err" &
  bg=$!
  echo "$bg" >mpiexec.pid
  for ((i = 0; i < 1200; i++)); do # the ranks, as soon as mpiexec has started them
    ranks=$(pgrep -P "$bg" | tr '\n' ' ')
    [[ $(wc -w <<<"$ranks") -ge 2 ]] && break
    sleep 0.02
  done
}
# One campaign definition for everything below: 10 structures of 28^3, about 0.4 s each on an
# idle core. -mismatch_tol 1e-8 so that different group sizes agree to 1e-6 (at the default
# 1e-4 they agree to about 1e-4, the solver tolerance).
C=(-n 10 -size 28 -n_points_range 20,40 -radius_range 1.5,2.5 -stretch_axis random -stretch_range 0.6,1 -seed 5 -mismatch_tol 1e-8)

note "help and bad options"
check --stdout-has "-ranks_per_structure" --stdout-has "-rows" --stdout-has "-n_points_range" -- "${L1[@]}" -help
check --status 95 --stderr-has "-ranks_per_structure 3 does not divide the 2 MPI ranks" --absent x.h5 -- "${L2[@]}" "${C[@]}" -ranks_per_structure 3 -output x.h5
check --status 95 --stderr-has "-rows 4:11: expected 0 <= START <= END <= N = 10" --absent x.h5 -- "${L1[@]}" "${C[@]}" -rows 4:11 -output x.h5
check --status 95 --stderr-has "-rows 'a:b'" --absent x.h5 -- "${L1[@]}" "${C[@]}" -rows a:b -output x.h5
check --status 95 --stderr-has "missing or invalid -n" --absent x.h5 -- "${L1[@]}" -size 28 -output x.h5
check --status 95 --stderr-has "-radius_range lo,hi" --absent x.h5 -- "${L1[@]}" "${C[@]}" -radius_range 3,1 -output x.h5
check --status 95 --stderr-has "unknown or unused option: -n_pointz" --absent x.h5 -- "${L1[@]}" "${C[@]}" -n_pointz 4 -output x.h5

note "reference run (2 ranks, 2 groups) and the same campaign on 1 rank / 1 group of 2 ranks"
check --stdout-has "10 of 10 structures done" --stdout-has "(10/10)" --exists ref.h5 -- "${L2[@]}" "${C[@]}" -output ref.h5
check --exists one.h5 -- "${L1[@]}" "${C[@]}" -output one.h5
# (rows 0..2 only: two ranks on one structure crawl on a loaded 2-core machine)
check --stdout-has "1 group(s) of 2 rank(s)" --exists pair.h5 -- "${L2[@]}" "${C[@]}" -ranks_per_structure 2 -rows 0:3 -output pair.h5
"$PY" "$T" compare ref.h5 one.h5 || { echo "FAIL: 1 rank differs from 2 groups of 1 rank"; fail=1; }
"$PY" "$T" compare ref.h5 pair.h5 --tol 1e-6 --rows 0:3 || { echo "FAIL: 1 group of 2 ranks differs from 2 groups of 1 rank"; fail=1; }
check --stdout-has "10 of 10 structures done (10 kept from earlier runs)" -- "${L2[@]}" "${C[@]}" -output ref.h5

note "kill -9 of the whole job mid-run, then the same command again"
# kill -9 of the whole job: mpiexec's process group and both ranks, at once, after 3 rows.
run_and_signal k.h5 3 SIGKILL group-of:mpiexec.pid children-of:mpiexec.pid
wait "$poller" || fail=1
seen=$(cat poll.out)
wait "$bg"; st=$?
wait_gone $ranks; bg=""; ranks=""
echo "killed with $seen rows done (status $st)"
left=$("$PY" "$T" consistent k.h5 10) || { echo "FAIL: file inconsistent after kill -9"; fail=1; }
[[ "$left" -ge 3 && "$left" -lt 10 ]] || { echo "FAIL: expected 3..9 rows done after the kill, got $left"; fail=1; }
check --stdout-has "kept from earlier runs" -- "${L2[@]}" "${C[@]}" -output k.h5
"$PY" "$T" compare ref.h5 k.h5 || { echo "FAIL: killed + rerun differs from the uninterrupted run"; fail=1; }

note "SIGTERM mid-run: exit 75, consistent file, rerun completes"
# The ranks get the signal (as srun delivers it); mpirun itself would tear the job down.
run_and_signal t.h5 2 SIGTERM children-of:mpiexec.pid
[[ $(wc -w <<<"$ranks") -eq 2 ]] || { echo "FAIL: expected the 2 ranks of mpiexec $bg, found '$ranks'"; fail=1; }
wait "$poller" || fail=1
wait "$bg"; st=$?
wait_gone $ranks; bg=""; ranks=""
[[ $st -eq 75 ]] || { echo "FAIL: SIGTERM: exit status $st, expected 75"; cat t.h5.out t.h5.err; fail=1; }
grep -q "interrupted by signal 15: [0-9]* of 10 done; run the same command again to continue" t.h5.err ||
  { echo "FAIL: SIGTERM message missing"; cat t.h5.err; fail=1; }
left=$("$PY" "$T" consistent t.h5 10) || { echo "FAIL: file inconsistent after SIGTERM"; fail=1; }
[[ "$left" -lt 10 ]] || { echo "FAIL: SIGTERM came too late to test anything ($left rows done)"; fail=1; }
check --stdout-has "kept from earlier runs" -- "${L2[@]}" "${C[@]}" -output t.h5  # not --exists: it deletes the file first
"$PY" "$T" compare ref.h5 t.h5 || { echo "FAIL: SIGTERM + rerun differs from the uninterrupted run"; fail=1; }

note "a kill during creation leaves only OUT.partial, which the next run replaces"
echo "half-written by a killed run" > c.h5.partial
check --stdout-has "0 of 0 structures done" --exists c.h5 -- "${L2[@]}" "${C[@]}" -rows 0:0 -output c.h5
[[ ! -e c.h5.partial ]] || { echo "FAIL: c.h5.partial left behind"; fail=1; }
"$PY" "$T" consistent c.h5 10 >/dev/null || { echo "FAIL: fresh file inconsistent"; fail=1; }

note "an existing output from another campaign"
cp ref.h5 other.h5; sum=$(md5sum <other.h5)
check --status 95 --stderr-has "other.h5 exists from a different campaign" --stderr-has "user_seed=6" -- "${L1[@]}" "${C[@]}" -seed 6 -output other.h5
check --status 95 --stderr-has "exists from a different campaign" -- "${L1[@]}" "${C[@]}" -mismatch_tol 1e-3 -output other.h5
check --status 95 --stderr-has "exists from a different campaign" -- "${L1[@]}" "${C[@]}" -n 11 -output other.h5
# The multigrid's over-correction changes tau (not bitwise): another factor is another campaign.
check --status 95 --stderr-has "exists from a different campaign" --stderr-has "max_it=10000 mg_overcorrect=1.6000000000000001" \
  -- "${L1[@]}" "${C[@]}" -mg_overcorrect 1.6 -output other.h5
[[ "$(md5sum <other.h5)" == "$sum" ]] || { echo "FAIL: refused run modified the file"; fail=1; }
# With factor 1 (the default) the definition is the one of campaigns started before the option
# (ending at max_it), so those continue unchanged.
check --exists o1.h5 -- "${L1[@]}" "${C[@]}" -mg_overcorrect 1 -rows 0:0 -output o1.h5
"$PY" -c 'import h5py, sys; d = h5py.File("o1.h5")["labels"].attrs["campaign_definition"]; d = d.decode() if isinstance(d, bytes) else d; sys.exit(not d.endswith(" max_it=10000"))' \
  || { echo "FAIL: -mg_overcorrect 1 changed the campaign definition of earlier versions"; fail=1; }

note "label structure i == generate -batch structure i"
check --exists gen.h5 -- mpiexec --oversubscribe -n 2 "$MATSCREEN" generate -batch 10 -size 28 -n_points_range 20,40 -radius_range 1.5,2.5 \
  -stretch_axis random -stretch_range 0.6,1 -seed 5 -output gen.h5
"$PY" - <<'PY' || fail=1
import h5py, numpy as np, sys
g, l = h5py.File("gen.h5")["parameters"], h5py.File("ref.h5")["labels"]
ok = True
for k in ("n_points", "radius", "stretch_x", "stretch_y", "stretch_z"):
    if not np.array_equal(g[k][...], l[k][...]): print("FAIL: generate vs label", k, g[k][...], l[k][...]); ok = False
if not np.array_equal(g["seed"][...], l["seed"][...].astype(float)): print("FAIL: seeds differ"); ok = False
if not np.allclose(g["porosity"][...], l["porosity"][...], rtol=0, atol=1e-12): print("FAIL: porosity", g["porosity"][...], l["porosity"][...]); ok = False
sys.exit(0 if ok else 1)
PY

note "-params table: same structures as generate -params; the table is part of the definition"
printf 'n_points,radius,stretch_z,seed\n25,2.0,0.6,11\n40,1.5,1.0,12\n30,2.5,0.8,13\n' > table.csv
check --stdout-has "3 of 3 structures done" --exists tl.h5 -- "${L2[@]}" -params table.csv -size 24 -output tl.h5
check --exists tg.h5 -- mpiexec --oversubscribe -n 2 "$MATSCREEN" generate -params table.csv -size 24 -output tg.h5
check --stdout-has "3 kept from earlier runs" -- "${L1[@]}" -params table.csv -size 24 -output tl.h5
printf 'n_points,radius,stretch_z,seed\n25,2.0,0.6,11\n40,1.5,1.0,12\n30,2.5,0.8,14\n' > table2.csv
check --status 95 --stderr-has "tl.h5 exists from a different campaign" --stderr-has "params_table_fnv1a" -- "${L1[@]}" -params table2.csv -size 24 -output tl.h5
check --status 95 --stderr-has "-n 5 but -params 'table.csv' has 3 rows" --absent x.h5 -- "${L1[@]}" -params table.csv -n 5 -size 24 -output x.h5
check --status 95 --stderr-has "exclude each other" --absent x.h5 -- "${L1[@]}" -params table.csv -radius_range 1,2 -size 24 -output x.h5
"$PY" - <<'PY' || fail=1
import h5py, numpy as np, sys
g, l = h5py.File("tg.h5")["parameters"], h5py.File("tl.h5")["labels"]
ok = list(l["seed"][...]) == [11, 12, 13] and list(l["n_points"][...]) == [25, 40, 30] and list(l["stretch_z"][...]) == [0.6, 1.0, 0.8]
if not ok: print("FAIL: table parameters not in the label table", l["seed"][...], l["n_points"][...])
if not np.allclose(g["porosity"][...], l["porosity"][...], rtol=0, atol=1e-12): print("FAIL: porosity", g["porosity"][...], l["porosity"][...]); ok = False
sys.exit(0 if ok else 1)
PY

note "job array: two row ranges, merged"
check --exists p0.h5 -- "${L2[@]}" "${C[@]}" -rows 0:4 -output p0.h5
check --stdout-has "6 of 6 structures done" --exists p1.h5 -- "${L1[@]}" "${C[@]}" -rows 4:10 -output p1.h5
check --stdout-has "merge: 2 file(s), 10 rows" --exists m.h5 -- mpiexec --oversubscribe -n 2 "$MATSCREEN" merge -inputs p0.h5,p1.h5 -output m.h5
"$PY" "$T" compare ref.h5 m.h5 || { echo "FAIL: merged table differs from the uninterrupted run"; fail=1; }
check --status 95 --stderr-has "4 of 10 row(s) are done in none of the files: rows 0-3" --absent m2.h5 -- "$MATSCREEN" merge -inputs p1.h5 -output m2.h5
check --status 95 --stderr-has "6 row(s) are done in more than one file" --stderr-has "rows 4-9" --absent m3.h5 -- "$MATSCREEN" merge -inputs p0.h5,p1.h5,p1.h5 -output m3.h5
# -rows 0:0 creates the file of a campaign without solving anything
check --exists s6.h5 -- "${L1[@]}" "${C[@]}" -seed 6 -rows 0:0 -output s6.h5
check --status 95 --stderr-has "p0.h5 and s6.h5 are from different campaigns" --absent m4.h5 -- "$MATSCREEN" merge -inputs p0.h5,s6.h5 -output m4.h5
check --status 66 --stderr-has "'gen.h5' is not a label campaign file (no /labels group)" --absent m5.h5 -- "$MATSCREEN" merge -inputs p0.h5,gen.h5 -output m5.h5
check --status 95 --stderr-has "-output p0.h5 is also an input" -- "$MATSCREEN" merge -inputs p0.h5,p1.h5 -output p0.h5
exit $fail
