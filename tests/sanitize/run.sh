#!/usr/bin/env bash
# The sanitizer pass of CI (make test-sanitize): run the CTest suite of a MATSCREEN_SANITIZE
# build, then fail if any process wrote an ASan/LSan/UBSan report. The reports also land in
# BUILD/sanitizer-reports (tests/CMakeLists.txt sets log_path), because a test that expects
# a non-zero exit status (run_expect.sh --fail) would otherwise pass over a report.
#   tests/sanitize/run.sh BUILD JOBS [ctest arguments...]
set -u
build=$1; jobs=$2; shift 2
reports="$build/sanitizer-reports"
rm -rf "$reports"; mkdir -p "$reports"
start=$(date +%s)
(cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 900 "$@")
status=$?
echo "sanitizer tests: ctest exit $status after $(( $(date +%s) - start )) s"
# A file holding only warnings (an allocation refused under allocator_may_return_null,
# which the code then reports as out of memory) is not a finding.
mapfile -t files < <(grep -l -E "ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|SUMMARY: " "$reports"/* 2>/dev/null)
if [[ ${#files[@]} -gt 0 ]]; then
  echo "FAIL: ${#files[@]} sanitizer report(s):"
  for f in "${files[@]}"; do echo "=== $f"; head -c 6000 "$f"; done
  status=1
fi
exit $status
