#!/bin/bash
# Pore-only multigrid (issue 14 points 1-2): the 128^3 floor (floor.py), weak scaling (256^3 on
# 1 rank, 320^3 on 2 ranks: scale.py) and one axis of 500^3 on 2 ranks, this build against a
# BEFORE binary (e.g. a build of the previous commit), run one after the other on a quiet machine.
# benchmarks/RESULTS.md "Pore-only multigrid". Needs ~13 GB of memory for BEFORE at 500^3.
#   usage: benchmarks/tortuosity/pore.sh BEFORE_BIN [OUT_DIR]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
AFTER=$ROOT/build/bin/matscreen
BEFORE=${1:?usage: pore.sh BEFORE_BIN [OUT_DIR]}
OUT=${2:-$ROOT/build/bench_pore}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$OUT"
uptime
/usr/bin/python3 "$HERE/floor.py" --ranks 1,2 --repeat 3 --label after --matscreen "$AFTER" --out "$OUT/floor" > "$OUT/floor_after.jsonl"
/usr/bin/python3 "$HERE/floor.py" --no-stream --ranks 1,2 --repeat 3 --label before --matscreen "$BEFORE" --out "$OUT/floor" > "$OUT/floor_before.jsonl"
for n in 256 320 500; do
  np=$(python3 -c "print(round(60*($n/128)**3))")
  [ -f "$OUT/v$n.h5" ] || mpiexec -n 2 "$AFTER" generate -size $n -n_points $np -radius 9.2 -stretch 1,1,0.5 -seed 1 -output "$OUT/v$n.h5" -quiet
done
cd "$OUT"
/usr/bin/python3 "$HERE/scale.py" --sizes 256 --ranks 1 --repeat 2 --bin after="$AFTER" --bin before="$BEFORE" --out "$OUT/scale" > scale_256_1.jsonl
/usr/bin/python3 "$HERE/scale.py" --sizes 320 --ranks 2 --repeat 2 --bin after="$AFTER" --bin before="$BEFORE" --out "$OUT/scale" > scale_320_2.jsonl
for b in after before; do
  bin=$AFTER; [ $b = before ] && bin=$BEFORE
  /usr/bin/time -f "$b 500^3 command wall %e s" mpiexec -n 2 "$bin" tortuosity -input v500.h5 -axis x -output t500_$b.h5 -memory_log > t500_$b.log 2>&1
done
uptime
