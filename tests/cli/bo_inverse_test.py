#!/usr/bin/env python3
"""`matscreen bo inverse` on a 24^3 box (issue 11 item 4):

  recover  a two-point PCA fitted on 40 generated structures; two targets generated with known
           parameters on a 5 x 5 x 5 grid (n_points, radius, stretch_z) and another structure
           seed than the candidates: each run's best parameters lie within one grid step of its
           target's, and the two targets give different answers (a wrong target is not
           'recovered'); the history's best column is the running minimum of the objective,
           the BO phase improves on the 10 random starts (target B), the objective is the
           Euclidean distance of the PCA scores recomputed here with numpy from `describe
           -pca_model` of the best structure; a one-point space holding the target's own
           parameters and seed gives distance exactly 0 (one radius step off: > 0); the PNG exists
  ranks    1 rank == 2 ranks: identical history, bit for bit; -replicates 3 on 2 groups of one
           rank == on one rank
  resume   the run stopped right after its first checkpoint (shim tests/cli/kill_at_write.c,
           MS_STOP_AT_RENAME), killed with SIGKILL or SIGTERM (exit 75), then the same command
           again: it resumes and its history equals the uninterrupted run's; a checkpoint of
           another definition and a damaged one are refused; a larger -budget continues a finished run
  errors   missing target, target of the wrong shape, no PCA model, a file without /pca,
           -descriptor vae, a bad space dimension: clear message, non-zero status, no output

usage: bo_inverse_test.py CASE   (env MATSCREEN = the binary, MS_SHIM = the stop shim)
"""
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stop_shim import interrupt_at_first_checkpoint, term_single_at_first_checkpoint  # noqa: E402
from clitest import MPI, MS, check, fails, run  # noqa: E402


GRID = {"n_points": [6, 12, 18, 24, 30], "radius": [1.5, 2, 2.5, 3, 3.5], "stretch_z": [0.5, 0.625, 0.75, 0.875, 1]}
TARGETS = {"A": (18, 2.5, 0.75, 99), "B": (30, 1.5, 0.5, 77)}   # n_points, radius, stretch_z, structure seed


def setup(d):
    run(["generate", "-batch", "40", "-size", "24", "-n_points_range", "6,30", "-radius_range", "1.5,3.5", "-stretch_axis", "z",
         "-stretch_range", "0.5,1", "-seed", "5", "-output", f"{d}/set.h5", "-quiet"])
    run(["describe", "-input", f"{d}/set.h5", "-fit_pca", "4", "-output", f"{d}/pca.h5", "-quiet"])
    for name, (n, r, e, seed) in TARGETS.items():
        run(["generate", "-size", "24", "-n_points", str(n), "-radius", str(r), "-stretch", f"1,1,{e}", "-seed", str(seed),
             "-output", f"{d}/t{name}.h5", "-quiet"])
    with open(f"{d}/space.csv", "w") as f:
        f.write("dimension,type,values\n")
        for k, v in GRID.items():
            f.write(f"{k},levels,{' '.join(str(x) for x in v)}\n")


def base(d, target="A"):
    return ["bo", "inverse", "-target", f"{d}/t{target}.h5", "-space", f"{d}/space.csv", "-pca_model", f"{d}/pca.h5",
            "-n_init", "10", "-budget", "30"]


def history(path):
    with h5py.File(path, "r") as f:
        h = f["inverse/history/features"]
        return list(h.attrs["column_names"]), h[:], f["inverse/best_parameters"][:], dict(f["inverse"].attrs)


def within_one_step(best, truth):
    for k, (b, t) in enumerate(zip(best, truth)):
        lv = list(GRID)[k]
        if abs(GRID[lv].index(b) - GRID[lv].index(t)) > 1:
            return False
    return True


def case_recover(d):
    setup(d)
    best, improved = {}, []
    for name, truth in TARGETS.items():
        out = f"{d}/{name}.h5"
        r = run(base(d, name) + ["-output", out, "-plot", f"{d}/{name}.png"])
        check("bo inverse: best at evaluation" in r.stdout, f"{name}: summary printed")
        cols, H, bp, attrs = history(out)
        check(cols == ["n_points", "radius", "stretch_z", "objective", "descriptor_distance", "porosity", "best_objective", "initial"],
              f"{name}: history columns {cols}")
        check(H.shape == (30, 8), f"{name}: 30 evaluations recorded, got {H.shape}")
        check(np.array_equal(H[:, 6], np.minimum.accumulate(H[:, 3])), f"{name}: best_objective = running minimum of the objective")
        check(np.array_equal(H[:, 7], np.r_[np.ones(10), np.zeros(20)]), f"{name}: first 10 evaluations are the random ones")
        i = int(np.argmin(H[:, 3]))
        check(np.array_equal(bp, H[i, :3]) and attrs["best_evaluation"] == i + 1, f"{name}: best parameters = best history row")
        for row in H:   # every evaluated point is a grid point
            check(all(v in GRID[k] for k, v in zip(GRID, row[:3])), f"{name}: off-grid point {row[:3]}")
        best[name] = tuple(bp)
        improved.append(H[-1, 6] < H[9, 6])
        print(f"target {name}: truth {truth[:3]}, found {tuple(bp)}, distance {H[i, 3]:.4g}")
        check(within_one_step(bp, truth[:3]), f"{name}: best {tuple(bp)} not within one grid step of the truth {truth[:3]}")
        check(os.path.getsize(f"{d}/{name}.png") > 1000, f"{name}: convergence PNG written")
        # the objective, recomputed: PCA scores of the best structure (describe -pca_model) vs the target's
        n, rad, e = bp
        run(["generate", "-size", "24", "-n_points", str(int(n)), "-radius", str(rad), "-stretch", f"1,1,{e}", "-seed", "1",
             "-output", f"{d}/best{name}.h5", "-quiet"])
        run(["describe", "-input", f"{d}/best{name}.h5,{d}/t{name}.h5", "-pca_model", f"{d}/pca.h5", "-output", f"{d}/sc{name}.h5", "-quiet"])
        with h5py.File(f"{d}/sc{name}.h5", "r") as f:
            s = f["describe/summary/features"]
            names = [x.decode() if isinstance(x, bytes) else x for x in s.attrs["column_names"]]
            pc = s[:][:, [names.index(f"PC{c}") for c in range(1, 5)]]
        dist = float(np.linalg.norm(pc[0] - pc[1]))
        check(abs(dist - H[i, 3]) <= 1e-9 * max(1, dist), f"{name}: objective {H[i, 3]} != numpy distance of the PCA scores {dist}")
        with h5py.File(out, "r") as f:
            tz = f["inverse/target_descriptor"][:]
        check(np.allclose(tz, pc[1], rtol=0, atol=1e-12), f"{name}: target descriptor = describe's PCA scores of the target")
    check(best["A"] != best["B"], "a different target gives different parameters")
    # closed form: a one-point space holding the target's own parameters and structure seed gives
    # distance exactly 0 (same generator, same descriptor); one radius step off does not
    run(["generate", "-size", "24", "-n_points", "18", "-radius", "2.5", "-stretch", "1,1,0.75", "-seed", "1", "-output", f"{d}/t1.h5", "-quiet"])
    for rad, zero in (("2.5", True), ("3", False)):
        with open(f"{d}/one.csv", "w") as f:
            f.write(f"dimension,type,values\nn_points,levels,18\nradius,levels,{rad}\nstretch_z,levels,0.75\n")
        out = f"{d}/one{rad}.h5"
        run(["bo", "inverse", "-target", f"{d}/t1.h5", "-space", f"{d}/one.csv", "-pca_model", f"{d}/pca.h5", "-n_init", "1", "-budget", "1",
             "-output", out])
        H = history(out)[1]
        with h5py.File(f"{d}/t1.h5", "r") as f:
            phi = float((f["volume"][:] == 0).mean())
        check((H[0, 3] == 0.0) == zero and (H[0, 5] == phi) == zero,
              f"one-point space radius {rad}: objective {H[0, 3]}, porosity {H[0, 5]}")
    check(any(improved), "the BO phase improved on the random start for at least one target")


def case_ranks(d):
    setup(d)
    run(base(d) + ["-budget", "16", "-output", f"{d}/r1.h5"], 1)
    run(base(d) + ["-budget", "16", "-output", f"{d}/r2.h5"], 2)
    h1, h2 = history(f"{d}/r1.h5")[1], history(f"{d}/r2.h5")[1]
    check(h1.shape == (16, 8) and np.array_equal(h1, h2), "1 rank == 2 ranks: identical history")
    # replicates on groups of one rank (replicate r on rank r mod 2) == all on one rank
    rep = base(d) + ["-budget", "12", "-replicates", "3"]
    run(rep + ["-output", f"{d}/g1.h5"], 1)
    run(rep + ["-ranks_per_structure", "1", "-output", f"{d}/g2.h5"], 2)
    g1, g2 = history(f"{d}/g1.h5")[1], history(f"{d}/g2.h5")[1]
    check(np.array_equal(g1, g2), "-replicates 3: 2 groups of 1 rank == 1 rank")
    check(not np.array_equal(g1[:, 3], h1[:12, 3]), "-replicates 3 averages other structures than -replicates 1")


def case_resume(d):
    setup(d)
    b = base(d)[:-2] + ["-budget", "14"]
    run(b + ["-output", f"{d}/ref.h5"])
    ref = history(f"{d}/ref.h5")[1]
    check(not os.path.exists(f"{d}/ref.h5.ckpt"), "checkpoint removed after a complete run")
    for how in ("kill", "term"):
        out = f"{d}/{how}.h5"
        interrupt_at_first_checkpoint(MPI + ["2", MS] + b + ["-output", out], out, how, "run")
        r = run(b + ["-output", out], 1 if how == "term" else 2)
        check("(resumed)" in r.stdout, f"{how}: the rerun resumed from the checkpoint")
        cols, h, _, attrs = history(out)
        check(attrs["resumed_evaluations"] >= 1, f"{how}: evaluations taken from the checkpoint")
        check(np.array_equal(h, ref), f"{how}: resumed history = uninterrupted history")
    # another definition is refused
    rc = term_single_at_first_checkpoint([MS] + b + ["-output", f"{d}/y.h5"], f"{d}/y.h5.ckpt")
    check(rc == 75 and os.path.exists(f"{d}/y.h5.ckpt"), f"single rank SIGTERM: status {rc}, checkpoint kept")
    r = run(b + ["-seed", "3", "-output", f"{d}/y.h5"], expect=None)
    check(r.returncode != 0 and "belongs to another inverse run" in r.stderr and not os.path.exists(f"{d}/y.h5"),
          f"checkpoint of another definition refused: {r.returncode} {r.stderr}")
    # a damaged checkpoint is refused, nothing written
    open(f"{d}/z.h5.ckpt", "wb").write(open(f"{d}/ref.h5", "rb").read()[:300])
    r = run(b + ["-output", f"{d}/z.h5"], expect=None)
    check(r.returncode not in (0, 75) and "is not a readable HDF5 file" in r.stderr and not os.path.exists(f"{d}/z.h5"),
          f"damaged checkpoint refused: {r.returncode} {r.stderr}")
    # a larger budget continues: the first 14 evaluations are the reference's
    r = run(b[:-2] + ["-budget", "16", "-output", f"{d}/y.h5"])
    h = history(f"{d}/y.h5")[1]
    check(h.shape[0] == 16 and np.array_equal(h[:14], ref), "a larger budget extends the same history")


def case_errors(d):
    setup(d)
    run(["generate", "-size", "20", "-n_points", "10", "-radius", "2", "-output", f"{d}/t20.h5", "-quiet"])
    with open(f"{d}/bad_dim.csv", "w") as f:
        f.write("dimension,type,values\nn_points,levels,6 12\nporosity,real,0.1 0.5\n")
    o = f"{d}/bad.h5"
    cases = [
        (["bo", "inverse", "-space", f"{d}/space.csv", "-pca_model", f"{d}/pca.h5"], "missing required option -target"),
        (base(d)[:3] + [f"{d}/nothere.h5"] + base(d)[4:], "nothere.h5"),
        (base(d)[:3] + [f"{d}/t20.h5"] + base(d)[4:], "fitted on 39 two-point features, a 20 x 20 x 20 volume gives 33"),
        (["bo", "inverse", "-target", f"{d}/tA.h5", "-space", f"{d}/space.csv"], "needs -pca_model"),
        (base(d)[:7] + [f"{d}/set.h5"] + base(d)[8:], "no group /pca"),
        (base(d) + ["-descriptor", "vae"], "-descriptor vae: no trained VAE encoder"),
        (base(d)[:5] + [f"{d}/bad_dim.csv"] + base(d)[6:], "search dimension 'porosity' is not a generator parameter"),
        (base(d)[:-2] + ["-budget", "5"], "-budget 5: expected >= -n_init"),
        (base(d) + ["-acquisition", "ehvi"], "-acquisition ehvi: inverse design has one objective"),
        (base(d) + ["-gen_size", "32"], "-gen_size: the candidates are generated in the target's box"),
    ]
    for i, (args, msg) in enumerate(cases):
        for np_ in (1, 2) if i in (0, 2, 5) else (1,):   # 2 ranks: every rank ends on a setup error
            r = run(args + ["-output", o], np_, expect=None)
            check(r.returncode not in (0, 75) and msg in r.stderr, f"{np_} rank(s) {msg!r}: status {r.returncode}, stderr {r.stderr.strip()}")
            check(not os.path.exists(o) and not os.path.exists(o + ".ckpt") and not os.path.exists(o + ".partial"), f"{msg}: no output left")


if __name__ == "__main__":
    case = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        globals()["case_" + case](d)
    if fails:
        print(f"{len(fails)} failure(s)")
        sys.exit(1)
    print("ok")
