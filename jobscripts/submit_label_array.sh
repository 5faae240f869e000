#!/bin/bash
# Submit label_array.sbatch and, depending on it (afterok: every task succeeded), merge.sbatch.
#   N=400 DECK=my.opts PREFIX=run1 OUTPUT=run1.h5 jobscripts/submit_label_array.sh [--array=0-7] [sbatch options]
# Variables travel through the environment (sbatch exports ALL by default); extra arguments go
# to both sbatch calls, except --array which only the array job takes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
range=$(sed -n 's/^#SBATCH --array=\([0-9]*-[0-9]*\).*/\1/p' "$here/label_array.sbatch")
common=()
for a in "$@"; do
  if [[ "$a" == --array=* ]]; then range=${a#--array=}; else common+=("$a"); fi
done
export COUNT=$(( ${range#*-} - ${range%-*} + 1 ))
array=$(sbatch --parsable --array="$range" "${common[@]}" "$here/label_array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" "${common[@]}" "$here/merge.sbatch")
echo "array job $array ($COUNT tasks), merge job $merge"
