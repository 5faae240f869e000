#!/usr/bin/env bash
# `matscreen sims`: malformed peak tables and bad options give one clear message, a user-error
# status (95) and no output (issue 10 point 4), on 1 and 2 ranks.
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
S1=("$MATSCREEN" sims)
S2=(mpiexec --oversubscribe -n 2 "$MATSCREEN" sims)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail=0
check() { "$R" "$@" || fail=1; }

# a well-formed table: 3 classes x 4 spectra, 3 peaks
{ echo "cls,run,Li,LiO,Li2"
  for c in A B C; do for r in 1 2 3 4; do echo "$c,$r,$((10*r+${#c})),$((3+r)),$((r*r))"; done; done; } > ok.csv
sed 's/^cls,/kind,/' ok.csv > nolabel.csv
sed '7s/,[0-9]*$/,-4/' ok.csv > negative.csv
awk -F, 'BEGIN{OFS=","} NR==1{print $0",Zero"} NR>1{print $0",0"}' ok.csv > zero.csv

check --stdout-has "preprocess" --stdout-has "-min_class_size" -- "${S1[@]}" classify -help
check --status 95 --stderr-has "no label column 'cls'" --stderr-has "kind, run, Li" --absent o.h5 --absent o_summary.txt -- \
  "${S1[@]}" classify -input nolabel.csv -label cls -ignore run -output o -plots false
check --status 95 --stderr-has "negative peak area -4" --stderr-has "data row 6" --stderr-has "column 'Li2'" --absent o.h5 -- \
  "${S2[@]}" classify -input negative.csv -label cls -ignore run -output o -plots false
check --status 95 --stderr-has "zero in every spectrum (Zero)" --absent o.h5 -- \
  "${S1[@]}" pca -input zero.csv -label cls -ignore run -output o -plots false
check --status 95 --stderr-has "class 'A' has 4 spectra, fewer than the 5 folds" --stderr-has "-min_class_size 5" --absent o.h5 -- \
  "${S1[@]}" classify -input ok.csv -label cls -ignore run -output o -plots false
check --status 95 --stderr-has "missing option -label" --absent o.h5 -- "${S1[@]}" nmf -input ok.csv -ignore run -output o -plots false
check --status 95 --stderr-has "unknown subcommand 'clasify'" --stderr-has "preprocess, pca, classify, nmf, mixtures" -- \
  "${S1[@]}" clasify -input ok.csv -label cls -output o
check --status 95 --stderr-has "unknown class 'D'" --stderr-has "A, B, C" --absent o.h5 -- \
  "${S1[@]}" mixtures -input ok.csv -label cls -ignore run -references A,D -output o -plots false
check --status 95 --stderr-has "-kmin_typo" -- "${S1[@]}" nmf -input ok.csv -label cls -ignore run -output o -kmin_typo 2
# a non-numeric peak names file, line and column (the CSV reader's message)
sed '4s/,[0-9]*$/,lots/' ok.csv > text.csv
check --status 66 --stderr-has "text.csv:4" --stderr-has "Li2" --absent o.h5 -- "${S1[@]}" classify -input text.csv -label cls -ignore run -output o
# -drop_zero_peaks turns the all-zero peak into a warning; -new reads unseen spectra by column name
check --stderr-has "dropped 1 peak column(s) of zero.csv" --exists o_summary.txt -- \
  "${S1[@]}" pca -input zero.csv -label cls -ignore run -drop_zero_peaks -output o -plots false -pca_n_components 2
cut -d, -f3,4,5 ok.csv | awk -F, 'BEGIN{OFS=","} {print $3,$1,$2}' > new.csv
check --stdout-has "new " --exists o_unseen.csv -- "${S2[@]}" classify -input ok.csv -label cls -ignore run -folds 2 -new new.csv -output o -plots false
cut -d, -f3,4 ok.csv > short.csv
check --status 95 --stderr-has "Li2" --absent o_unseen.csv -- "${S1[@]}" classify -input ok.csv -label cls -ignore run -folds 2 -new short.csv -output o -plots false
exit $fail
