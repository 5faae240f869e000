#!/usr/bin/env bash
# matscreen bo: LATP suggestions (Table 4.2 on the Table 4.1 stage-2 space), the same next.csv
# on 1 and 2 ranks, EHVI with the Pareto front, a mixed space, a small benchmark with its PNG,
# and every malformed input -> one clear message, user-error status, no output left behind.
# Usage: bo.sh good|bad (two CTest entries, each well under 30 s).
set -u
PART=${1:-good}
MS=${MATSCREEN:?}; SRC=${MS_SOURCE_DIR:?}; RUN="$SRC/tests/run_expect.sh"; D="$SRC/tests/cli/bo_data"
LATP="$SRC/inputs/latp"; SPACE="$LATP/search_space_table_4_1.csv"; DATA="$LATP/bo_samples_table_4_2.csv"
MPI=(mpiexec -n 2)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
fail=0; check() { "$@" || { echo "FAILED: $*" >&2; fail=1; }; }
T=(-data "$DATA" -space "$SPACE" -target ionic_conductivity_s_per_cm -target_transform log10)

if [[ $PART == good ]]; then

check "$RUN" --exists "$W/n1.csv" --stdout-has "2574 candidates" --stdout-has "leave-one-out" --stdout-has "length scales" -- \
  "$MS" bo suggest "${T[@]}" -stage iterations_3_4 -batch 6 -output "$W/n1.csv"
check "$RUN" --exists "$W/n2.csv" -- "${MPI[@]}" "$MS" bo suggest "${T[@]}" -stage iterations_3_4 -batch 6 -output "$W/n2.csv"
check diff <(grep -v '^#' "$W/n1.csv") <(grep -v '^#' "$W/n2.csv")
check test "$(grep -v '^#' "$W/n1.csv" | head -1)" = "h3po4_rel_wt_pct,temperature_c,time_min,mean,std,acquisition"
check test "$(grep -v '^#' "$W/n1.csv" | tail -n +2 | cut -d, -f1-3 | sort -u | wc -l)" = 6
check "$RUN" --exists "$W/s1.csv" --stdout-has "420 candidates" -- "$MS" bo suggest "${T[@]}" -stage iterations_1_2 -acquisition ei -batch 5 \
  -batch_mode cl -liar min -output "$W/s1.csv"
check "$RUN" --exists "$W/mo.csv" --stdout-has "Pareto front of the data" -- "$MS" bo suggest "${T[@]}" -stage iterations_3_4 \
  -target2 rel_density_pct -acquisition ehvi -batch 3 -output "$W/mo.csv"
check "$RUN" --exists "$W/mix.csv" --stdout-has "with real ranges" -- "$MS" bo suggest "${T[@]}" -space "$D/space_mixed.csv" -batch 2 \
  -bo_starts 4 -output "$W/mix.csv"
check "$RUN" --exists "$W/bench.csv" --exists "$W/bench.png" --stdout-has "random" -- "${MPI[@]}" "$MS" bo benchmark \
  -pool "$D/latp_like_pool_80.csv" -target ionic_conductivity_s_per_cm -maximize -strategies random,ucb -init 5,15 -repeats 4 \
  -output "$W/bench.csv" -plot "$W/bench.png"
check test "$(grep -v '^#' "$W/bench.csv" | wc -l)" = 5
fi

if [[ $PART == bad ]]; then
bad() { local msg=$1; shift; check "$RUN" --status 66 --absent "$W/bad.csv" --stderr-has "$msg" -- "$@" -output "$W/bad.csv"; }
bad "needs the columns 'dimension' and 'values'" "$MS" bo suggest "${T[@]}" -space "$D/space_no_values.csv"
bad "space_bad_level.csv:2: column 2: 'abc' is not a finite number" "$MS" bo suggest "${T[@]}" -space "$D/space_bad_level.csv"
bad "dimension 'x' lists the level 2" "$MS" bo suggest "${T[@]}" -space "$D/space_dup_level.csv"
bad "needs 'lo hi' with lo <= hi" "$MS" bo suggest "${T[@]}" -space "$D/space_bad_range.csv"
bad "no column 'time_min' (a dimension of the search space)" "$MS" bo suggest "${T[@]}" -data "$D/data_missing_col.csv" -stage iterations_1_2
bad "data_bad_value.csv:3: column 3 ('time_min') is 'x'" "${MPI[@]}" "$MS" bo suggest "${T[@]}" -data "$D/data_bad_value.csv" -stage iterations_1_2
check "$RUN" --status 95 --absent "$W/bad.csv" --stderr-has "holds 2 stages; choose one with -stage" -- "$MS" bo suggest "${T[@]}" -output "$W/bad.csv"
check "$RUN" --status 95 --stderr-has "-stage iterations_9: no such stage" -- "$MS" bo suggest "${T[@]}" -stage iterations_9 -output "$W/bad.csv"
check "$RUN" --status 95 --stderr-has "log10 needs values > 0" -- "$MS" bo suggest "${T[@]}" -data "$D/data_negative.csv" -stage iterations_1_2 -output "$W/bad.csv"
check "$RUN" --status 95 --stderr-has "needs two targets" -- "$MS" bo suggest "${T[@]}" -stage iterations_1_2 -acquisition ehvi -output "$W/bad.csv"
check "$RUN" --status 95 --stderr-has "unknown subcommand 'sugest'" -- "$MS" bo sugest
check "$RUN" --status 95 --stderr-has "unknown strategy 'ucbb'" -- "$MS" bo benchmark -pool "$D/latp_like_pool_80.csv" \
  -target ionic_conductivity_s_per_cm -strategies ucbb -init 2 -output "$W/bad.csv"
check "$RUN" --status 65 --stderr-has "cannot open the space file" -- "$MS" bo suggest "${T[@]}" -space "$W/none.csv" -output "$W/bad.csv"
check "$RUN" --stdout-has "-acquisition" --stdout-has "-kappa_decay" -- "$MS" bo suggest -help
fi
exit $fail
