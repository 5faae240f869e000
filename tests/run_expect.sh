#!/usr/bin/env bash
# Run a command and check how it ends: the CLI tests' assertion tool.
#   run_expect.sh [--fail | --status N] [--stderr-has TEXT]... [--stdout-has TEXT]...
#                 [--absent FILE]... [--exists FILE]... [--within SECONDS] -- command ...
# --fail: the command must fail under control: a status in 1..125 other than 124 (timeout),
# never a signal death (128+N: a segfault is 139, an abort 134) or a hang; prefer --status N.
# --status N: exactly N. --absent: the file (and FILE.partial) must not exist afterwards.
# --exists: the file must exist afterwards; it is deleted before the run, so a file left by
# an earlier run (in the shared build tree) cannot make a test pass. --within: the command
# must end within S seconds.
set -u
want_fail=0; want_status=""; within=120
declare -a err_has=() out_has=() absent=() exists=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --fail) want_fail=1 ;;
    --status) want_status="$2"; shift ;;
    --stderr-has) err_has+=("$2"); shift ;;
    --stdout-has) out_has+=("$2"); shift ;;
    --absent) absent+=("$2"); shift ;;
    --exists) exists+=("$2"); shift ;;
    --within) within="$2"; shift ;;
    *) echo "run_expect: unknown flag $1" >&2; exit 2 ;;
  esac
  shift
done
shift
for f in "${absent[@]}"; do rm -f "$f" "$f.partial"; done
for f in "${exists[@]}"; do rm -f "$f" "$f.partial"; done
out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
start=$(date +%s.%N)
timeout --kill-after=5 "$within" "$@" >"$out" 2>"$err"
status=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
bad=0
echo "run_expect: '$*' exited $status after ${elapsed}s"
if [[ $status -eq 124 || $status -eq 137 ]]; then echo "FAIL: timed out after ${within}s"; bad=1; fi
if [[ -n "$want_status" && $status -ne $want_status ]]; then echo "FAIL: exit status $status, expected $want_status"; bad=1; fi
if [[ $want_fail -eq 1 && $status -eq 0 ]]; then echo "FAIL: expected a non-zero exit status"; bad=1; fi
if [[ $want_fail -eq 1 && ( $status -gt 125 || $status -eq 124 ) ]]; then
  echo "FAIL: status $status is not a controlled failure (a signal death, 128+N, or a timeout)"; bad=1
fi
if [[ $want_fail -eq 0 && -z "$want_status" && $status -ne 0 ]]; then echo "FAIL: exit status $status"; bad=1; fi
for t in "${err_has[@]}"; do grep -qF -- "$t" "$err" || { echo "FAIL: stderr lacks: $t"; bad=1; }; done
for t in "${out_has[@]}"; do grep -qF -- "$t" "$out" || { echo "FAIL: stdout lacks: $t"; bad=1; }; done
for f in "${absent[@]}"; do [[ -e "$f" || -e "$f.partial" ]] && { echo "FAIL: $f (or .partial) exists"; bad=1; }; done
for f in "${exists[@]}"; do [[ -e "$f" ]] || { echo "FAIL: $f missing"; bad=1; }; done
if [[ $bad -ne 0 ]]; then
  echo "--- stdout"; head -c 4000 "$out"; echo "--- stderr"; head -c 4000 "$err"
fi
exit $bad
