#!/usr/bin/env bash
# Bad input never gets through: a table of malformed inputs (CSV, HDF5, TIFF, raw, volumes,
# options, model files), each run through a command. Every case asserts
#  - the exact exit status (65 cannot open, 66 malformed content, 95 bad option or value);
#  - a message naming the file and the place (line, column, dataset, option);
#  - that every rank ended (the command must finish within 60 s; cases marked 2 run on two
#    ranks, and no process of the case may be left);
#  - that no output and no .partial is left, and that no input changed (checksums).
# A few inputs are accepted with a defined result and a warning (BOM, CRLF, a volume without
# the conducting phase, a constant grey volume): those assert status 0, the warning and the
# output. Inputs are written by bad_inputs_make.py into a fresh temporary directory.
#   bad_inputs.sh [PROBE]   (PROBE=1: print each case's status and message, assert nothing)
set -u
PROBE="${1:-0}"
PY="${MS_PYTHON:-/usr/bin/python3}"
MS="$MATSCREEN"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
I="$d/in"; O="$d/out"; mkdir -p "$O"
"$PY" "$MS_SOURCE_DIR/tests/cli/bad_inputs_make.py" "$I" || exit 1
cd "$d"
# A model trained on good.csv (x1, x2 -> y), and damaged copies of it.
"$MS" train -data "$I/good.csv" -target y -model ridge -output "$I/model.h5" -quiet || exit 1
"$PY" - "$I" <<'PY' || exit 1
import h5py, numpy as np, shutil, sys, os
I = sys.argv[1]
for name in ["model_no_group", "model_bad_coef", "model_bad_type", "model_truncated", "model_names"]:
    shutil.copy(os.path.join(I, "model.h5"), os.path.join(I, name + ".h5"))
with h5py.File(os.path.join(I, "model_no_group.h5"), "r+") as f:
    del f["model"]
with h5py.File(os.path.join(I, "model_bad_coef.h5"), "r+") as f:
    del f["model/coef"]; f["model/coef"] = np.ones(7)
with h5py.File(os.path.join(I, "model_bad_type.h5"), "r+") as f:
    f["model"].attrs["type"] = "no_such_model"
raw = open(os.path.join(I, "model.h5"), "rb").read()
open(os.path.join(I, "model_truncated.h5"), "wb").write(raw[: len(raw) // 3])
with open(os.path.join(I, "other_cols.csv"), "w") as f:
    f.write("a,b,y\n1,2,3\n4,5,6\n")
PY
ln -s "$I/good.csv" "$I/link.csv"; ln "$I/good.h5" "$I/hard.h5"
( cd "$I" && md5sum * ) > "$d/sums"

fail=0; n=0
# c NAME NP STATUS [TEXT...] -- COMMAND...: NP 1 or 2; TEXT: substrings the message must hold.
c() {
  local name="$1" np="$2" want="$3"; shift 3
  local -a has=()
  while [[ "$1" != "--" ]]; do has+=("$1"); shift; done
  shift
  [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && return  # ONLY=regex: run a subset
  n=$((n + 1))
  local -a cmd=("$@")
  [[ "$np" -eq 2 ]] && cmd=(mpiexec --oversubscribe -n 2 "$@")
  timeout --kill-after=5 60 "${cmd[@]}" >"$d/stdout" 2>"$d/stderr"
  local st=$? bad=""
  if [[ "$PROBE" == 1 ]]; then
    printf '%-22s %3d  %s\n' "$name" "$st" "$(grep -m1 -E 'error|warning' "$d/stderr")"
    rm -rf "$O"/*; return
  fi
  [[ $st -eq 124 || $st -eq 137 ]] && bad+=" timed out (a rank hung);"
  [[ $st -ne $want ]] && bad+=" status $st, expected $want;"
  for t in "${has[@]}"; do grep -qF -- "$t" "$d/stderr" || bad+=" message lacks '$t';"; done
  if [[ $want -ne 0 ]]; then
    [[ -n "$(ls -A "$O")" ]] && bad+=" output left: $(ls "$O");"
  else
    [[ -z "$(ls -A "$O")" ]] && bad+=" no output written;"
  fi
  pgrep -f -- "$O/" >/dev/null && bad+=" a process of the case is still running;"
  ( cd "$I" && md5sum --quiet -c "$d/sums" >/dev/null 2>&1 ) || bad+=" an input changed;"
  if [[ -n "$bad" ]]; then
    echo "FAIL $name:$bad"; sed 's/^/    /' "$d/stderr" | head -5; fail=1
  fi
  rm -rf "$O"/*
}
cv=(-models ridge -folds 2)


# ---------------------------------------------------------------- CSV tables (convert, train, cv)
c empty_csv            1 66 "empty.csv" "empty file"                         -- "$MS" convert -input "$I/empty.csv" -output "$O/x.h5"
c header_only          2 66 "header_only.csv" "no data rows"                 -- "$MS" convert -input "$I/header_only.csv" -output "$O/x.h5"
c comments_only        1 66 "comments_only.csv" "empty file"                 -- "$MS" convert -input "$I/comments_only.csv" -output "$O/x.h5"
c ragged_long          2 66 "ragged_long.csv:3:" "4 fields, expected 3"      -- "$MS" convert -input "$I/ragged_long.csv" -output "$O/x.h5"
c ragged_short         1 66 "ragged_short.csv:3:" "2 fields, expected 3"     -- "$MS" train -data "$I/ragged_short.csv" -target y -model ridge -output "$O/m.h5"
c dup_names            1 66 "dup_names.csv:1:" "duplicate column name 'x1'"  -- "$MS" convert -input "$I/dup_names.csv" -output "$O/x.h5"
c bom_dup_names        1 66 "bom_dup.csv:1:" "duplicate column name 'x1'"    -- "$MS" convert -input "$I/bom_dup.csv" -output "$O/x.h5"
c empty_name           1 66 "empty_name.csv:1:" "header column 2 has no name" -- "$MS" convert -input "$I/empty_name.csv" -output "$O/x.h5"
c nan_feature          2 66 "nan_feature.csv:3:" "'x2'" "nan"                -- "$MS" train -data "$I/nan_feature.csv" -target y -model ridge -output "$O/m.h5"
c inf_feature          1 66 "inf_feature.csv:3:" "'x2'" "-inf"               -- "$MS" convert -input "$I/inf_feature.csv" -output "$O/x.h5"
c missing_cell         1 66 "missing_cell.csv:3:" "'x2'" "missing"           -- "$MS" convert -input "$I/missing_cell.csv" -output "$O/x.h5"
c hex_float            2 66 "hex_float.csv:3:" "'x1'" "'0x1p3'"              -- "$MS" convert -input "$I/hex_float.csv" -output "$O/x.h5"
c nan_payload          1 66 "nan_payload.csv:3:" "'nan(7)'"                  -- "$MS" convert -input "$I/nan_payload.csv" -output "$O/x.h5"
c trailing_junk        1 66 "trailing_junk.csv:3:" "'5.5abc'"                -- "$MS" convert -input "$I/trailing_junk.csv" -output "$O/x.h5"
c bare_exponent        1 66 "bare_exponent.csv:3:" "'1e'"                    -- "$MS" convert -input "$I/bare_exponent.csv" -output "$O/x.h5"
c double_sign          1 66 "double_sign.csv:3:" "'--1'"                     -- "$MS" convert -input "$I/double_sign.csv" -output "$O/x.h5"
c inner_space          1 66 "inner_space.csv:3:" "'1 2'"                     -- "$MS" convert -input "$I/inner_space.csv" -output "$O/x.h5"
c decimal_comma        1 66 "decimal_comma.csv:3:" "'1,5'"                   -- "$MS" convert -input "$I/decimal_comma.csv" -output "$O/x.h5"
c nul_in_cell          2 66 "nul_cell.csv:3:" "column 2 holds a NUL byte"    -- "$MS" convert -input "$I/nul_cell.csv" -output "$O/x.h5"
c utf16                1 66 "utf16.csv:1:" "NUL byte"                        -- "$MS" convert -input "$I/utf16.csv" -output "$O/x.h5"
c binary_garbage       2 66 "garbage.csv:"                                   -- "$MS" convert -input "$I/garbage.csv" -output "$O/x.h5"
c unterminated_quote   1 66 "unterminated.csv:3:" "unterminated quoted field" -- "$MS" convert -input "$I/unterminated.csv" -output "$O/x.h5"
c text_after_quote     1 66 "after_quote.csv:3:" "after a closing quote"     -- "$MS" convert -input "$I/after_quote.csv" -output "$O/x.h5"
c huge_line            2 66 "huge_line.csv:3:" "'x1'"                        -- "$MS" convert -input "$I/huge_line.csv" -output "$O/x.h5"
c huge_row             1 66 "huge_row.csv:3:" "200000 fields, expected 3"    -- "$MS" convert -input "$I/huge_row.csv" -output "$O/x.h5"
c text_target          1 66 "text_target.csv:3:" "'six'"                     -- "$MS" train -data "$I/text_target.csv" -target y -task regression -model ridge -output "$O/m.h5"
c missing_csv          2 65 "no_such.csv"                                    -- "$MS" convert -input "$I/no_such.csv" -output "$O/x.h5"
c directory_input      1 65 "'$I'" "not a regular file"                      -- "$MS" convert -input "$I" -output "$O/x.h5"
c missing_target       1 95 "good.csv" "'nope'"                              -- "$MS" train -data "$I/good.csv" -target nope -model ridge -output "$O/m.h5"
c missing_id           1 95 "good.csv" "'nope'"                              -- "$MS" convert -input "$I/good.csv" -id nope -output "$O/x.h5"
c cv_header_only       2 66 "header_only.csv" "no data rows"                 -- "$MS" cv -data "$I/header_only.csv" -target y "${cv[@]}" -output "$O/cv.csv"
# ---------------------------------------------------------------- HDF5 tables
c not_hdf5             1 66 "not_hdf5.h5" "not an HDF5 file"                 -- "$MS" convert -input "$I/not_hdf5.h5" -output "$O/x.csv"
c empty_hdf5           2 66 "empty.h5" "not an HDF5 file"                    -- "$MS" convert -input "$I/empty.h5" -output "$O/x.csv"
c truncated_hdf5       1 65 "truncated.h5"                                   -- "$MS" convert -input "$I/truncated.h5" -output "$O/x.csv"
c no_features          1 66 "no_features.h5" "group '/'"                               -- "$MS" convert -input "$I/no_features.h5" -output "$O/x.csv"
c string_features      1 66 "string_features.h5" "'features'"                -- "$MS" convert -input "$I/string_features.h5" -output "$O/x.csv"
c rank1_features       1 66 "rank1_features.h5" "features' must be 2-D"                               -- "$MS" convert -input "$I/rank1_features.h5" -output "$O/x.csv"
c rank3_features       2 66 "rank3_features.h5" "features' must be 2-D"                               -- "$MS" convert -input "$I/rank3_features.h5" -output "$O/x.csv"
c rank32_target        2 66 "rank32_target.h5: dataset 'target' has 32 dimensions"                   -- "$MS" train -data "$I/rank32_target.h5" -target y -model ridge -output "$O/m.h5"
c zero_rows_h5         1 66 "zero_rows.h5" "is empty (0 rows"                                 -- "$MS" convert -input "$I/zero_rows.h5" -output "$O/x.csv"
c names_mismatch       1 66 "names_mismatch.h5" "3 names for 2 columns"             -- "$MS" convert -input "$I/names_mismatch.h5" -output "$O/x.csv"
c target_length        1 66 "target_length.h5: dataset 'target' has shape (2,)"                    -- "$MS" convert -input "$I/target_length.h5" -output "$O/x.csv"
# ---------------------------------------------------------------- volumes, TIFF, raw
c not_tiff             1 65 "not_tiff.tif"                                   -- "$MS" tortuosity -input "$I/not_tiff.tif" -axis x -output "$O/t.h5"
c empty_tiff           1 65 "empty.tif"                                      -- "$MS" segment -input "$I/empty.tif" -porosity 0.5 -output "$O/s.h5"
c truncated_tiff       2 66 "truncated.tif"                                  -- "$MS" segment -input "$I/truncated.tif" -porosity 0.5 -output "$O/s.h5"
c short_raw            1 66 "short.raw" "100 bytes" "-shape 12,12,12"        -- "$MS" tortuosity -input "$I/short.raw" -shape 12,12,12 -axis x -output "$O/t.h5"
c raw_without_shape    1 95 "short.raw" "-shape"                             -- "$MS" tortuosity -input "$I/short.raw" -axis x -output "$O/t.h5"
c float_volume         1 66 "float_volume.h5" "volume"                       -- "$MS" tortuosity -input "$I/float_volume.h5" -axis x -output "$O/t.h5"
c rank2_volume         2 66 "rank2_volume.h5" "volume"                       -- "$MS" tortuosity -input "$I/rank2_volume.h5" -axis x -output "$O/t.h5"
c missing_volume_dset  1 66 "other_name.h5" "volume"                         -- "$MS" tortuosity -input "$I/other_name.h5" -axis x -output "$O/t.h5"
c volume_not_hdf5      1 66 "not_hdf5.h5" "not an HDF5 file"                 -- "$MS" tortuosity -input "$I/not_hdf5.h5" -axis x -output "$O/t.h5"
c thin_volume_np2      2 95 "z-plane"                                        -- "$MS" tortuosity -input "$I/one_voxel_thick.h5" -axis x -output "$O/t.h5"
c bad_porosity         1 95 "-porosity 2"                                    -- "$MS" segment -input "$I/constant_grey.h5" -porosity 2 -output "$O/s.h5"
c bad_phase            1 95 "-phase 300"                                     -- "$MS" tortuosity -input "$I/all_pore.h5" -phase 300 -output "$O/t.h5"
# ---------------------------------------------------------------- options and output names
c output_is_input      2 95 "'$I/good.h5'" "./in/good.h5"                    -- "$MS" convert -input "$I/good.h5" -output ./in/good.h5
c output_symlink       1 95 "link.csv" "good.csv"                            -- "$MS" predict -model "$I/model.h5" -data "$I/good.csv" -ignore y -output "$I/link.csv"
c output_hardlink      1 95 "hard.h5" "good.h5"                              -- "$MS" convert -input "$I/good.h5" -output "$I/hard.h5"
c output_is_model      1 95 "'$I/model.h5'"                                  -- "$MS" predict -model "$I/model.h5" -data "$I/good.csv" -ignore y -output "$I/model.h5"
c output_no_dir        2 65 "/nonexistent_dir_ms/x.h5"                       -- "$MS" convert -input "$I/good.csv" -output /nonexistent_dir_ms/x.h5
c unknown_option       1 95 "-outptu"                                        -- "$MS" convert -input "$I/good.csv" -outptu "$O/x.h5"
c missing_output       1 95 "-output"                                        -- "$MS" convert -input "$I/good.csv"
c phase_and_cond       1 95 "-phase and -conductivities"                     -- "$MS" tortuosity -input "$I/all_pore.h5" -phase 1 -conductivities 1,0 -output "$O/t.h5"
c bad_model_name       1 95 "'ridgee'"                                       -- "$MS" train -data "$I/good.csv" -target y -model ridgee -output "$O/m.h5"
# ---------------------------------------------------------------- model files (predict)
c model_is_csv         1 66 "good.csv" "not an HDF5 file"                    -- "$MS" predict -model "$I/good.csv" -data "$I/good.csv" -ignore y -output "$O/p.csv"
c model_missing        1 65 "no_model.h5"                                    -- "$MS" predict -model "$I/no_model.h5" -data "$I/good.csv" -ignore y -output "$O/p.csv"
c model_no_group       2 66 "model_no_group.h5"                              -- "$MS" predict -model "$I/model_no_group.h5" -data "$I/good.csv" -ignore y -output "$O/p.csv"
c model_bad_coef       1 66 "model_bad_coef.h5: model dataset 'coef' has 1 dimension(s) and 7 values, expected 2"                                         -- "$MS" predict -model "$I/model_bad_coef.h5" -data "$I/good.csv" -ignore y -output "$O/p.csv"
c model_bad_type       1 66 "model_bad_type.h5: /model has type 'no_such_model'"                                -- "$MS" predict -model "$I/model_bad_type.h5" -data "$I/good.csv" -ignore y -output "$O/p.csv"
c model_truncated      2 65 "model_truncated.h5"                             -- "$MS" predict -model "$I/model_truncated.h5" -data "$I/good.csv" -ignore y -output "$O/p.csv"
c model_wrong_columns  1 95 "'a'" "'x1'"                  -- "$MS" predict -model "$I/model.h5" -data "$I/other_cols.csv" -ignore y -output "$O/p.csv"
# ---------------------------------------------------------------- accepted, with a defined result
c bom_accepted         1 0                                                   -- "$MS" convert -input "$I/bom.csv" -output "$O/x.h5"
c crlf_accepted        2 0                                                   -- "$MS" convert -input "$I/crlf.csv" -output "$O/x.h5"
c phase_absent         1 0 "conducting phase is absent" "tau = inf"          -- "$MS" tortuosity -input "$I/all_solid.h5" -axis x -output "$O/t.h5"
c all_pore             1 0                                                   -- "$MS" tortuosity -input "$I/all_pore.h5" -axis x -output "$O/t.h5"
c constant_grey        1 0 "grey-level volume is constant"                   -- "$MS" segment -input "$I/constant_grey.h5" -porosity 0.5 -output "$O/s.h5"

if [[ "$PROBE" != 1 ]]; then
  echo "$n cases"
  exit $fail
fi
