#!/usr/bin/env python3
"""`matscreen vae train|encode|decode` end to end (tiny 16^3 structures from `generate -batch`).

  help and errors   -help lists the options; a missing option, a wrong structure size, a voxel
                    value other than 0/1 and a wrong -vae_channels count each fail with one
                    message naming the culprit and leave no output.
  resume            a run stopped (SIGSTOP from the shim tests/cli/kill_at_write.c) right after
                    its first checkpoint is killed with SIGKILL, or sent SIGTERM (exit 75); the
                    same command with -resume gives parameters and loss history bit for bit
                    equal to an uninterrupted run. A missing checkpoint or one of another seed
                    is refused.
  outputs           /vae, /history (one loss per epoch, finite test loss), the loss PNG;
                    `vae encode` and `vae decode` on 1 and 2 ranks agree (1e-6); decoded
                    volumes are the probabilities thresholded at 0.5.
usage: vae_test.py   (env MATSCREEN, MS_SHIM = libms_kill_at_write.so)
"""
import os
import signal
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stop_shim import signal_main_thread, stop_env, wait_stopped  # noqa: E402
from clitest import MS, check, finish  # noqa: E402
from clitest import run as _run  # noqa: E402


def run(args, np_=1, expect=0):
    return _run(args, np_, expect, fatal=False)


d = tempfile.mkdtemp()
os.chdir(d)
run(["generate", "-batch", "10", "-size", "32", "-n_points_range", "10,40", "-radius", "2", "-resize", "16", "-seed", "1", "-output", "s.h5", "-quiet"])
ARCH = ["-vae_size", "16", "-vae_layers", "2", "-vae_channels", "4,8", "-vae_hidden", "16", "-vae_latent", "4", "-batch", "3", "-lr", "1e-3", "-seed", "5"]
TRAIN = ["vae", "train", "-data", "s.h5"] + ARCH

p = run(["vae", "train", "-help"])
check(all(o in p.stdout for o in ("-vae_channels", "-vae_latent", "-checkpoint", "-resume", "-lr")), "-help lists the options")
p = run(["vae", "train", "-data", "s.h5"], expect=95)
check("missing required option -output" in p.stderr, "missing -output named")
p = run(TRAIN[:4] + ["-vae_size", "32", "-output", "o.h5"], expect=66)
check("not 32^3" in p.stderr and not os.path.exists("o.h5"), "wrong structure size named, no output")
p = run(TRAIN + ["-vae_channels", "4,8,16", "-output", "o.h5"], expect=95)
check("-vae_channels: 3 widths" in p.stderr, "channel count mismatch named")
with h5py.File("bad.h5", "w") as f:
    v = np.zeros((3, 16, 16, 16), np.uint8)
    v[1, 2, 3, 4] = 7
    f["volumes"] = v
p = run(["vae", "train", "-data", "bad.h5", "-dataset", "volumes"] + ARCH + ["-output", "o.h5"], expect=66)
check("structure 1" in p.stderr and "voxel value 7" in p.stderr and not os.path.exists("o.h5"), "bad voxel value named")
p = run(TRAIN + ["-output", "s.h5"], expect=95)
check("would destroy the input" in p.stderr and "epoch" not in p.stdout, "output = input refused before training")
p = run(["vae", "fly"], expect=95)
check("unknown subcommand 'fly'" in p.stderr, "unknown subcommand")

# uninterrupted reference
run(TRAIN + ["-epochs", "3", "-output", "ref.h5"])
with h5py.File("ref.h5") as f:
    ref = f["vae/params"][:]
    ref_loss = f["history/train_loss"][:]
    check(ref.dtype == np.float32 and len(ref_loss) == 3 and np.isfinite(f["history/test_loss"][()]), "model and history written")
check(os.path.getsize("ref_loss.png") > 1000, "loss plot written")

# stopped after its first checkpoint, then killed (SIGKILL) or asked to stop (SIGTERM), resumed
for how in ("kill", "term"):
    out = f"{how}.h5"
    pr = subprocess.Popen([MS] + TRAIN + ["-epochs", "3", "-output", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=stop_env(out + ".ckpt"))
    wait_stopped(pr, out + ".ckpt", single=True)
    check(pr.poll() is None, f"{how}: run stopped at its first checkpoint")
    signal_main_thread(pr.pid, signal.SIGKILL if how == "kill" else signal.SIGTERM)
    pr.send_signal(signal.SIGCONT)
    pr.communicate()
    if how == "term":
        check(pr.returncode == 75, f"SIGTERM: exit status {pr.returncode}, expected 75")
    with h5py.File(out + ".ckpt") as f:
        check(f["epochs_done"][()] == 1, f"{how}: checkpoint holds epoch 1")
    check(not os.path.exists(out), f"{how}: stopped run left no output")
    p = run(TRAIN + ["-epochs", "3", "-output", out, "-resume"])
    check(f"resuming from '{out}.ckpt' after epoch 1 of 3" in p.stdout, f"{how}: resumed after epoch 1")
    with h5py.File(out) as f:
        check(np.array_equal(f["vae/params"][:], ref) and np.array_equal(f["history/train_loss"][:], ref_loss), f"{how}: resumed = uninterrupted, bit for bit")
p = run(TRAIN + ["-epochs", "3", "-output", "x.h5", "-checkpoint", "nothing.ckpt", "-resume"], expect=65)
check("cannot open checkpoint 'nothing.ckpt'" in p.stderr, "-resume without a checkpoint named")
p = run(TRAIN[:-2] + ["-seed", "6", "-epochs", "3", "-output", "kill.h5", "-resume"], expect=95)
check("-seed 5" in p.stderr, "checkpoint of another seed refused")

# encode on 1 and 2 ranks
run(["vae", "encode", "-model", "ref.h5", "-data", "s.h5", "-output", "z1.h5"])
run(["vae", "encode", "-model", "ref.h5", "-data", "s.h5", "-output", "z2.h5"], 2)
with h5py.File("z1.h5") as a, h5py.File("z2.h5") as b:
    m1, m2 = a["latent/mu"][:], b["latent/mu"][:]
    check(m1.shape == (10, 4) and np.allclose(m1, m2, rtol=1e-6, atol=1e-7), "encode: 1 rank = 2 ranks")

# decode the latent means on 1 and 2 ranks; volumes = probability >= 0.5; wrong latent width refused
run(["vae", "decode", "-model", "ref.h5", "-latent", "z1.h5", "-output", "d1.h5"])
run(["vae", "decode", "-model", "ref.h5", "-latent", "z1.h5", "-output", "d2.h5"], 2)
with h5py.File("d1.h5") as a, h5py.File("d2.h5") as b:
    p1, p2, v1 = a["probability"][:], b["probability"][:], a["volumes"][:]
    check(p1.shape == (10, 16, 16, 16) and np.allclose(p1, p2, rtol=1e-6, atol=1e-7) and np.array_equal(v1, p1 >= 0.5), "decode: 1 rank = 2 ranks, volumes = p >= 0.5")
with h5py.File("w.h5", "w") as f:
    f["z"] = np.zeros((2, 5))
p = run(["vae", "decode", "-model", "ref.h5", "-latent", "w.h5", "-dataset", "z", "-output", "d3.h5"], expect=66)
check("must be n x 4" in p.stderr and not os.path.exists("d3.h5"), "decode: wrong latent width named")
finish("vae_test")
