#!/usr/bin/env bash
# Malformed input to `matscreen convert` on 2 ranks: each case must fail with the expected
# message naming file/line/column, exit with the input-error status, and leave no output.
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
RUN=(mpiexec --oversubscribe -n 2 "$MATSCREEN" convert)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail=0
check() { "$R" "$@" || fail=1; }

printf 'a,b\n1,2\n3\n4,5\n' > ragged.csv
check --status 66 --stderr-has "ragged.csv:3: 1 fields, expected 2" --absent out.h5 -- "${RUN[@]}" -input ragged.csv -output out.h5
printf 'a,b\n1,2\n3,x\n4,5\n' > text.csv
check --status 66 --stderr-has "text.csv:3: column 2 ('b') is not numeric: 'x'" --absent out.h5 -- "${RUN[@]}" -input text.csv -output out.h5
: > empty.csv
check --status 66 --stderr-has "empty.csv: empty file" --absent out.h5 -- "${RUN[@]}" -input empty.csv -output out.h5
printf '# only a comment\n\n' > comment_only.csv
check --status 66 --stderr-has "empty file" --absent out.h5 -- "${RUN[@]}" -input comment_only.csv -output out.h5
printf 'a,b\n' > header_only.csv
check --status 66 --stderr-has "no data rows" --absent out.h5 -- "${RUN[@]}" -input header_only.csv -output out.h5
check --status 65 --stderr-has "cannot open 'missing.csv': No such file" --absent out.h5 -- "${RUN[@]}" -input missing.csv -output out.h5
printf 'a,b\n1,nan\n3,4\n' > nan.csv
check --status 66 --stderr-has "nan.csv:2: column 2 ('b'): non-finite value 'nan'" --absent out.h5 -- "${RUN[@]}" -input nan.csv -output out.h5
printf 'a,b\n1,2\n3,-inf\n' > inf.csv
check --status 66 --stderr-has "inf.csv:3: column 2 ('b'): non-finite value '-inf'" --absent out.h5 -- "${RUN[@]}" -input inf.csv -output out.h5
printf 'a,b\n1,\n3,4\n' > blank.csv
check --status 66 --stderr-has "blank.csv:2: column 2 ('b'): missing value" --absent out.h5 -- "${RUN[@]}" -input blank.csv -output out.h5
printf 'x,y,x\n1,2,3\n' > dup.csv
check --status 66 --stderr-has "dup.csv:1: duplicate column name 'x' (columns 1 and 3)" --absent out.h5 -- "${RUN[@]}" -input dup.csv -output out.h5
printf 'a,b\n1,"open\n' > quote.csv
check --status 66 --stderr-has "quote.csv:2: unterminated quoted field" --absent out.h5 -- "${RUN[@]}" -input quote.csv -output out.h5
# Options: unknown, missing, bad enum value, unwritable output directory.
printf 'a,b\n1,2\n' > ok.csv
check --status 95 --stderr-has "unknown or unused option: -inptu ok.csv" --absent out.h5 -- "${RUN[@]}" -inptu ok.csv -output out.h5
check --status 95 --stderr-has "missing required option -output" -- "${RUN[@]}" -input ok.csv
check --status 95 --stderr-has "option -nan_policy: unknown value 'bogus'" --absent out.h5 -- "${RUN[@]}" -input ok.csv -output out.h5 -nan_policy bogus
check --status 65 --stderr-has "cannot create output file 'nodir/out.h5.partial'" -- "${RUN[@]}" -input ok.csv -output nodir/out.h5
check --status 95 --stderr-has "target column 'zz' not found" --absent out.h5 -- "${RUN[@]}" -input ok.csv -output out.h5 -target zz
# NaN policies that accept: omit drops the row, keep stores NaN.
printf 'a,b\n1,nan\n3,4\n,5\n' > holes.csv
check --stdout-has "1 rows x 2 features" --exists omit.csv -- "${RUN[@]}" -input holes.csv -output omit.csv -nan_policy omit
check --stdout-has "3 rows x 2 features" --exists keep.csv -- "${RUN[@]}" -input holes.csv -output keep.csv -nan_policy keep
grep -q '^1,nan$' keep.csv || { echo "FAIL: keep.csv lacks the NaN row"; fail=1; }
exit $fail
