#!/usr/bin/env bash
# jobscripts/vae_train.sbatch outside SLURM: a first submission stopped after epoch 1 (-stop_after,
# standing in for the time-limit TERM) exits 75 and keeps the checkpoint; the resubmission finds
# it, resumes and completes. usage: vae_jobscript.sh SCRIPT "LAUNCH"
set -u
SCRIPT=$1; LAUNCH=$2
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail() { echo "FAIL $*"; exit 1; }
"$MATSCREEN" generate -batch 6 -size 24 -n_points_range 10,30 -radius 2 -resize 16 -seed 2 -output s.h5 -quiet || fail generate
ARCH="-vae_layers 2 -vae_channels 4,8 -vae_hidden 8 -vae_latent 3 -lr 1e-3 -plot none"
export MATSCREEN LAUNCH DATA=s.h5 OUT=v.h5 SIZE=16 EPOCHS=3 BATCH=2 SEED=4
EXTRA="$ARCH -stop_after 1" bash "$SCRIPT" > run1.log 2>&1; s=$?
[[ $s -eq 75 ]] || { cat run1.log; fail "first run exit $s, expected 75"; }
[[ -f v.h5.ckpt && ! -f v.h5 ]] || fail "checkpoint kept, no output after the stop"
grep -q "submit the same job again" run1.log || fail "stop message"
EXTRA="$ARCH" bash "$SCRIPT" > run2.log 2>&1; s=$?
[[ $s -eq 0 ]] || { cat run2.log; fail "second run exit $s"; }
grep -q "continuing from v.h5.ckpt" run2.log && grep -q "resuming from 'v.h5.ckpt' after epoch 1 of 3" run2.log || { cat run2.log; fail "did not resume"; }
grep -q "training complete -> v.h5" run2.log && [[ -f v.h5 ]] || fail "no model after the second run"
echo "vae_jobscript: ok"
