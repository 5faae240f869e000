#!/usr/bin/env bash
# The `slurm` CTest label: run jobscripts/ under a real SLURM (munged + slurmctld + slurmd on
# localhost, started in a temporary directory under the build tree and stopped by PID on exit,
# also on failure).
#   slurm_test.sh CASE      CASE = label | cancel | requeue | array | train_cv
# label:    label.sbatch with sbatch --wait: exit 0, table == a run outside SLURM (bit-identical)
# cancel:   label.sbatch scancel'ed mid-way, then resubmitted: final table == uninterrupted run
# requeue:  USR1 to the batch shell (what --signal=B:USR1@120 sends before the time limit):
#           matscreen exits 75, the script requeues, the second run completes: same table
# array:    submit_label_array.sh (2 array tasks + dependent merge job): merged == uninterrupted
# train_cv: train_cv.sbatch: cv then train of the best model; a resubmission skips both steps
# Exits 77 (CTest SKIP_RETURN_CODE) only when slurmctld is not installed.
set -euo pipefail
case_name=$1
src="$MS_SOURCE_DIR"
PY="${MS_PYTHON:-/usr/bin/python3}"
T="$src/tests/cli/label_tool.py"
J="$src/jobscripts"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  echo "SKIP: slurmctld/slurmd/munged not installed (scripts/install-deps.sh installs slurm-wlm and munge)"
  exit 77
fi
top=$(mktemp -d "$PWD/slurm_${case_name}.XXXX")
# munged's socket path must fit in sun_path (108 bytes)
if (( ${#top} > 80 )); then rmdir "$top"; top=$(mktemp -d "/tmp/ms_slurm_${case_name}.XXXX"); fi
cluster="$top/cluster"; work="$top/work"; mkdir -p "$cluster" "$work"
ok=0
finish() {
  set +e
  if [[ -f "$cluster/env" ]]; then
    # Jobs first (their slurmstepd and tasks are not children of slurmd), then the daemons.
    jobs=$(squeue -h -o %i 2>/dev/null)
    [[ -n "$jobs" ]] && scancel --full $jobs 2>/dev/null
    for _ in $(seq 1 40); do [[ -z "$(squeue -h -o %i 2>/dev/null)" ]] && break; sleep 0.5; done
  fi
  "$src/tests/slurm/slurm_down.sh" "$cluster"
  if [[ $ok -eq 1 ]]; then rm -rf "$top"; else
    echo "--- logs (kept in $top)"; tail -n 20 "$cluster"/log/*.log "$work"/*.log 2>/dev/null; fi
}
trap finish EXIT
"$src/tests/slurm/slurm_up.sh" "$cluster"
# shellcheck disable=SC1091
source "$cluster/env"
export SLURM_CONF
cd "$work"

job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# Wait until job $1 is in one of the states $2 (regex); fail after $3 seconds.
wait_state() {
  local t0=$SECONDS s
  while (( SECONDS - t0 < $3 )); do
    s=$(job_state "$1")
    [[ "$s" =~ ^($2)$ ]] && return 0
    # a requeued job waits for its BeginTime (about 2 min in SLURM 22.05): let it start now
    if [[ "$s" == PENDING && "$(job_field "$1" Reason)" == BeginTime ]]; then scontrol update jobid="$1" StartTime=now || true; fi
    sleep 0.5
  done
  echo "FAIL: job $1 is '$s' after $3 s, expected $2"; scontrol show job "$1"; return 1
}
fail() { echo "FAIL: $*"; exit 1; }
# The campaign's ranks (this machine runs the whole cluster, so they are visible here).
task_pids() { pgrep -f -- "-output $work/out.h5" | while read -r p; do [[ "$(cat /proc/$p/comm 2>/dev/null)" == matscreen ]] && echo "$p"; done; }
# Freeze the job's tasks (SIGSTOP through SLURM) and wait until every one is stopped: the
# signal that follows then meets a campaign that cannot finish first, however fast the
# machine (polling, no sleeps that race).
freeze_tasks() {
  scancel --signal=STOP "$1"
  local t0=$SECONDS p all
  while (( SECONDS - t0 < 60 )); do
    all=1
    for p in $(task_pids); do [[ "$(sed -n 's/^State:\s*\(.\).*/\1/p' /proc/$p/status 2>/dev/null)" == T ]] || all=0; done
    [[ -n "$(task_pids)" && $all -eq 1 ]] && return 0
    sleep 0.1
  done
  fail "the job's tasks did not stop"
}
# Wait until signal $1 (number) is pending on every (stopped) task.
wait_pending() {
  local t0=$SECONDS p all bit=$((1 << ($1 - 1)))
  while (( SECONDS - t0 < 60 )); do
    all=1
    for p in $(task_pids); do
      local m=$(( 0x$(sed -n 's/^ShdPnd:\s*//p' /proc/$p/status) | 0x$(sed -n 's/^SigPnd:\s*//p' /proc/$p/status) ))
      (( m & bit )) || all=0
    done
    [[ $all -eq 1 ]] && return 0
    sleep 0.1
  done
  fail "signal $1 never reached the stopped tasks"
}

# A small campaign: 10 structures of 28^3 (about 0.4 s each on an idle core), 2 tasks.
cat >deck.opts <<'OPTS'
-size 28
-seed 5
-n_points_range 20,40
-radius_range 1.5,2.5
-stretch_axis random
-stretch_range 0.6,1
OPTS
N=10
# Every blocking call has its own time limit, so a stuck job fails the test with the logs
# (and the EXIT trap stops the daemons) long before CTest's timeout would kill this script.
SB=(timeout 150 sbatch --ntasks=2 --cpus-per-task=1 --mem-per-cpu=500M --time=10 -D "$work")
export_label="ALL,MATSCREEN=$MATSCREEN,DECK=$work/deck.opts,N=$N"
reference() { OMP_NUM_THREADS=1 "$MATSCREEN" label -options_file deck.opts -n $N -output ref.h5 -quiet; }

case "$case_name" in
label)
  reference
  "${SB[@]}" --wait --output=label.log --export="$export_label,OUTPUT=$work/out.h5" "$J/label.sbatch" || fail "label.sbatch exited $?"
  grep -q "campaign complete" label.log || fail "log lacks 'campaign complete'"
  grep -q "labelling: done (10/10)" label.log || fail "log lacks the progress line"
  "$PY" "$T" compare ref.h5 out.h5 || fail "SLURM table differs from the run outside SLURM"
  ;;
cancel)
  reference
  jid=$("${SB[@]}" --parsable --output=cancel.log --export="$export_label,OUTPUT=$work/out.h5" "$J/label.sbatch")
  seen=$("$PY" "$T" wait-done out.h5 2) || fail "no progress"
  freeze_tasks "$jid"
  seen=$("$PY" "$T" done out.h5)
  scancel "$jid"   # SLURM sends CONT, then TERM: the frozen campaign stops after its current rows
  wait_state "$jid" "CANCELLED|COMPLETED|FAILED" 60
  [[ "$(job_state "$jid")" == CANCELLED ]] || fail "scancel'ed job ended $(job_state "$jid") (requeued by mistake?)"
  left=$("$PY" "$T" consistent out.h5 $N) || fail "file inconsistent after scancel"
  echo "scancel after $seen rows: $left of $N rows done, job $(job_state "$jid")"
  (( left < N && left <= seen + 2 )) || fail "$left rows done after a scancel at $seen: the stop was not prompt"
  "${SB[@]}" --wait --output=resubmit.log --export="$export_label,OUTPUT=$work/out.h5" "$J/label.sbatch" || fail "resubmission exited $?"
  grep -q "kept from earlier runs" resubmit.log || fail "resubmission did not continue the file"
  "$PY" "$T" compare ref.h5 out.h5 || fail "cancelled + resubmitted table differs from the uninterrupted run"
  ;;
requeue)
  reference
  jid=$("${SB[@]}" --parsable --output=requeue.log --export="$export_label,OUTPUT=$work/out.h5" "$J/label.sbatch")
  "$PY" "$T" wait-done out.h5 2 >/dev/null || fail "no progress"
  freeze_tasks "$jid"
  seen=$("$PY" "$T" done out.h5)
  scancel --signal=USR1 --batch "$jid"   # as --signal=B:USR1@120 does before the time limit
  wait_pending 15                        # the batch script's trap passed TERM on to the tasks
  scancel --signal=CONT "$jid"
  wait_state "$jid" "COMPLETED|FAILED|CANCELLED" 150
  [[ "$(job_state "$jid")" == COMPLETED ]] || fail "job ended $(job_state "$jid")"
  [[ "$(job_field "$jid" Restarts)" -ge 1 ]] || fail "job was not requeued"
  grep -q "interrupted by signal 15" requeue.log || fail "log lacks matscreen's interruption message"
  stopped_at=$(sed -n 's/.*interrupted by signal 15: \([0-9]*\) of .*/\1/p' requeue.log | head -n 1)
  (( stopped_at < N && stopped_at <= seen + 2 )) || fail "first run stopped with $stopped_at rows after USR1 at $seen: not prompt"
  grep -q "requeueing job" requeue.log || fail "log lacks the requeue"
  grep -q "campaign complete" requeue.log || fail "log lacks the completion of the requeued run"
  "$PY" "$T" compare ref.h5 out.h5 || fail "requeued table differs from the uninterrupted run"
  ;;
array)
  reference
  out=$(N=$N DECK="$work/deck.opts" PREFIX="$work/part" OUTPUT="$work/merged.h5" MATSCREEN="$MATSCREEN" \
    "$J/submit_label_array.sh" --array=0-1 --ntasks=2 --mem-per-cpu=500M --time=10 -D "$work")
  echo "$out"
  merge=${out##* }
  wait_state "$merge" "COMPLETED|FAILED|CANCELLED" 150
  [[ "$(job_state "$merge")" == COMPLETED ]] || fail "merge job ended $(job_state "$merge")"
  "$PY" "$T" compare ref.h5 merged.h5 || fail "merged array table differs from the uninterrupted run"
  ;;
train_cv)
  # values with commas cannot go through --export=VAR=...; they travel in the environment
  export DATA="$src/tests/cli/ml_data/reg.csv" TARGET=y ID=id IGNORE= MODELS=ridge,linear FOLDS=3 CV_OUT="$work/cv.csv" MODEL_OUT="$work/model.h5"
  exp="ALL,MATSCREEN=$MATSCREEN"
  "${SB[@]}" --wait --output=tcv.log --export="$exp" "$J/train_cv.sbatch" || fail "train_cv.sbatch exited $?"
  grep -q "2 candidate(s)" tcv.log || fail "cv did not compare the two models"
  grep -q "best model by cross-validation: linear" tcv.log || fail "best model is not linear (the data is linear)"
  [[ -s cv.csv && -s model.h5 ]] || fail "outputs missing"
  sum=$(md5sum <model.h5)
  "${SB[@]}" --wait --output=tcv2.log --export="$exp" "$J/train_cv.sbatch" || fail "rerun exited $?"
  grep -q "skipping cross-validation" tcv2.log && grep -q "skipping training" tcv2.log || fail "rerun redid finished steps"
  [[ "$(md5sum <model.h5)" == "$sum" ]] || fail "rerun changed the model"
  "$MATSCREEN" predict -model model.h5 -data "$src/tests/cli/ml_data/reg.csv" -id id -ignore y -output pred.csv -quiet || fail "model unusable"
  ;;
*) fail "unknown case $case_name" ;;
esac
ok=1
echo "slurm $case_name: OK"
