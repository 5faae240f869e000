#!/usr/bin/env python3
"""`matscreen screen` against oracles computed here from all predictions (`matscreen predict`):

  topk     exact top-K = a full sort (ties by candidate index), identical on 1, 2 and 3 ranks
  ucb      GPR upper confidence bound = a full sort of mean + kappa std, 1 and 2 ranks identical
  space    full grid = Cartesian product, Halton = radical inverses, uniform draws rank-independent
  prob     probability ranking = the Gaussian closed form, order = a full sort of it
  pareto   front of two models = a brute-force O(n^2) front
  filters  ranges on a candidate column and on the prediction; applicability distance and
           in_domain = the standardized distance to the training box computed here
  resume   kill -9 of the ranks after a checkpoint, and SIGTERM (exit 75), both continue to
           the uninterrupted result (the second one on 3 ranks: checkpoints re-shard)
  errors   malformed space files and candidate tables, missing features, no std: exact
           exit status, file:line, no output left behind
  formulas -formulas (featurized per chunk) = `featurize composition` + `predict` + a full
           sort, 1 and 2 ranks identical; a bad formula is an error naming it

usage: screen_test.py CASE   (env MATSCREEN = the binary, MS_SHIM = the kill/stop shim)
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stop_shim import interrupt_at_first_checkpoint, term_single_at_first_checkpoint  # noqa: E402
from clitest import MPI, MS, check, fails, run  # noqa: E402


def read_csv(path):
    """header + rows (lists of strings), '#' lines skipped"""
    lines = [l.rstrip("\n") for l in open(path) if not l.startswith("#")]
    head = lines[0].split(",")
    rows = [l.split(",") for l in lines[1:]]
    return head, rows


def column(path, name, conv=float):
    h, rows = read_csv(path)
    j = h.index(name)
    return np.array([conv(r[j]) for r in rows])


def data_lines(path):
    return [l for l in open(path) if not l.startswith("#")]


def make_data(d):
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (80, 3))
    y1 = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.01 * rng.normal(size=80)
    y2 = (X[:, 0] - 0.4) ** 2 + 0.3 * X[:, 1] + 0.01 * rng.normal(size=80)
    with open(f"{d}/train.csv", "w") as f:
        f.write("a,b,c,y1,y2\n")
        for x, u, v in zip(X, y1, y2):
            f.write(f"{x[0]!r},{x[1]!r},{x[2]!r},{u!r},{v!r}\n")
    C = rng.uniform(-0.3, 1.3, (3000, 3))
    C[1000:1040] = C[10:50]          # exact duplicates: exact ties, broken by the index
    C[2000:2040] = C[10:50]
    with open(f"{d}/cand.csv", "w") as f:
        f.write("id,a,b,c\n")
        for i, x in enumerate(C):
            f.write(f"c{i},{x[0]!r},{x[1]!r},{x[2]!r}\n")
    return X, C


def train(d, model, target, out, extra=()):
    run(["train", "-data", f"{d}/train.csv", "-target", target, "-ignore", "y2" if target == "y1" else "y1",
         "-model", model, "-output", f"{d}/{out}", "-quiet", *extra])


def predict(d, model):
    run(["predict", "-model", f"{d}/{model}", "-data", f"{d}/cand.csv", "-id", "id", "-output", f"{d}/all_{model}.csv", "-quiet"])
    pred = column(f"{d}/all_{model}.csv", "prediction")
    h, _ = read_csv(f"{d}/all_{model}.csv")
    std = column(f"{d}/all_{model}.csv", "std") if "std" in h else None
    return pred, std


def topk_oracle(score, maximize, k, mask=None):
    idx = np.arange(len(score))
    keep = np.isfinite(score) if mask is None else (mask & np.isfinite(score))
    key = score if maximize else -score
    order = sorted(idx[keep], key=lambda i: (-key[i], i))
    return order[:k]


def screen(d, out, args, np_=1, expect=0):
    return run(["screen", "-candidates", f"{d}/cand.csv", "-id", "id", "-output", f"{d}/{out}", "-chunk", "97", "-quiet", *args],
               np_, expect)


def case_topk(d):
    make_data(d)
    train(d, "rf", "y1", "rf.h5", ["-rf_n_trees", "20", "-seed", "2"])
    pred, _ = predict(d, "rf.h5")
    for goal in ("max", "min"):
        want = topk_oracle(pred, goal == "max", 60)
        outs = []
        for np_ in (1, 2, 3):
            screen(d, f"top_{goal}_{np_}.csv", ["-model", f"{d}/rf.h5", "-top", "60", "-goal", goal], np_)
            outs.append(data_lines(f"{d}/top_{goal}_{np_}.csv"))
        got = column(f"{d}/top_{goal}_1.csv", "index", int)
        check(list(got) == list(want), f"rf top-60 goal {goal} = full sort (got {list(got[:8])}..., want {want[:8]}...)")
        check(np.allclose(column(f"{d}/top_{goal}_1.csv", "prediction"), pred[want], rtol=0, atol=0), "top-K predictions = predict's")
        check(outs[0] == outs[1] == outs[2], f"goal {goal}: identical top.csv on 1, 2 and 3 ranks")
        ids = [r[2] for r in read_csv(f"{d}/top_{goal}_1.csv")[1]]
        check(ids == [f"c{i}" for i in want], "ids carried through")
    # ties: the duplicated rows 10..49 have exactly the predictions of 1000.. and 2000..
    tied = [i for i in want if i % 1000 in range(10, 50)]
    print(f"topk: {len(tied)} of the top-60 (goal min) come from duplicated rows")
    # std is reported for the winners even when the ranking does not need it
    _, rf_std = predict(d, "rf.h5")
    want = topk_oracle(pred, True, 60)
    check(np.allclose(column(f"{d}/top_max_1.csv", "std"), rf_std[want], rtol=1e-12, atol=1e-14), "std of the winners = predict's std")


def case_ucb(d):
    # UCB on a GPR (std for every candidate), 1 vs 2 ranks bit-identical
    make_data(d)
    train(d, "gpr", "y1", "gpr.h5", ["-scaler", "standard"])
    gp, gs = predict(d, "gpr.h5")
    for np_ in (1, 2):
        screen(d, f"ucb_{np_}.csv", ["-model", f"{d}/gpr.h5", "-top", "25", "-rank", "ucb", "-kappa", "1.5"], np_)
    check(data_lines(f"{d}/ucb_1.csv") == data_lines(f"{d}/ucb_2.csv"), "gpr ucb: identical on 1 and 2 ranks")
    want = topk_oracle(gp + 1.5 * gs, True, 25)
    check(list(column(f"{d}/ucb_1.csv", "index", int)) == list(want), "gpr ucb top-25 = full sort of mean + 1.5 std")
    check(np.allclose(column(f"{d}/ucb_1.csv", "score"), (gp + 1.5 * gs)[want], rtol=1e-10), "ucb score = mean + kappa std")


def case_prob(d):
    from scipy.stats import norm
    make_data(d)
    train(d, "gpr", "y1", "gpr.h5", ["-scaler", "standard"])
    mu, sd = predict(d, "gpr.h5")
    for goal, t in (("max", 1.2), ("min", 0.0)):
        screen(d, f"prob_{goal}.csv", ["-model", f"{d}/gpr.h5", "-top", "30", "-rank", "prob", "-threshold", str(t), "-goal", goal], 2)
        m, s, p = (column(f"{d}/prob_{goal}.csv", c) for c in ("prediction", "std", "score"))
        closed = norm.sf(t, loc=m, scale=s) if goal == "max" else norm.cdf(t, loc=m, scale=s)
        check(np.allclose(p, closed, rtol=1e-9, atol=1e-15), f"prob (goal {goal}) = Gaussian closed form")
        allp = norm.sf(t, loc=mu, scale=sd) if goal == "max" else norm.cdf(t, loc=mu, scale=sd)
        want = topk_oracle(allp, True, 30)
        got = list(column(f"{d}/prob_{goal}.csv", "index", int))
        # probabilities that saturate at 1 tie exactly; compare the score sequence, and the order where they differ
        check(np.allclose(np.sort(allp)[::-1][:30], p, rtol=1e-9, atol=1e-15), f"prob (goal {goal}): top-30 scores = full sort")
        check(got == want or np.allclose(allp[got], allp[want], rtol=1e-12, atol=0), f"prob (goal {goal}): top-30 order = full sort")
    # a classifier: the probability of one class, as predict's p_<class> column, sorted
    X = np.loadtxt(f"{d}/train.csv", delimiter=",", skiprows=1)
    with open(f"{d}/cls.csv", "w") as f:
        f.write("a,b,c,phase\n")
        for r in X:
            f.write(f"{r[0]!r},{r[1]!r},{r[2]!r},{'hot' if r[3] > np.median(X[:, 3]) else 'cold'}\n")
    run(["train", "-data", f"{d}/cls.csv", "-target", "phase", "-model", "rf", "-rf_n_trees", "25", "-seed", "3",
         "-output", f"{d}/cls.h5", "-quiet"])
    run(["predict", "-model", f"{d}/cls.h5", "-data", f"{d}/cand.csv", "-id", "id", "-output", f"{d}/all_cls.csv", "-quiet"])
    phot = column(f"{d}/all_cls.csv", "p_hot")
    screen(d, "cls_top.csv", ["-model", f"{d}/cls.h5", "-rank", "prob", "-class", "hot", "-top", "40"], 2)
    check(list(column(f"{d}/cls_top.csv", "index", int)) == topk_oracle(phot, True, 40), "classifier: top-40 by P(hot) = full sort")
    check(np.array_equal(column(f"{d}/cls_top.csv", "score"), phot[topk_oracle(phot, True, 40)]), "classifier: score = P(hot)")
    p = screen(d, "bad_cls.csv", ["-model", f"{d}/cls.h5", "-rank", "prob", "-class", "warm"], 1, expect=95)
    check("-class 'warm' is not a class" in p.stderr, "unknown class named")
    # a model without std refuses ucb/lcb/prob with a clear message
    train(d, "linear", "y1", "lin.h5")
    p = screen(d, "bad.csv", ["-model", f"{d}/lin.h5", "-rank", "prob", "-threshold", "1"], 1, expect=95)
    check("needs a predictive standard deviation" in p.stderr and "linear" in p.stderr, "no-std model: message")
    check(not os.path.exists(f"{d}/bad.csv"), "no output left behind")


def case_pareto(d):
    make_data(d)
    train(d, "rf", "y1", "rf1.h5", ["-rf_n_trees", "15", "-seed", "1"])
    train(d, "rf", "y2", "rf2.h5", ["-rf_n_trees", "15", "-seed", "1"])
    p1, _ = predict(d, "rf1.h5")
    p2, _ = predict(d, "rf2.h5")
    k1, k2 = p1, -p2                              # goal max,min -> both maximised
    dom = np.zeros(len(k1), bool)
    for i in range(len(k1)):
        ge = (k1 >= k1[i]) & (k2 >= k2[i]) & ((k1 > k1[i]) | (k2 > k2[i]))
        dom[i] = ge.any()
    want = set(np.nonzero(~dom)[0].tolist())
    for np_ in (1, 2, 3):
        screen(d, f"front_{np_}.csv", ["-model", f"{d}/rf1.h5", "-model2", f"{d}/rf2.h5", "-goal", "max,min"], np_)
    got = column(f"{d}/front_1.csv", "index", int)
    check(set(got.tolist()) == want, f"Pareto front = brute force ({len(got)} vs {len(want)} points)")
    check(data_lines(f"{d}/front_1.csv") == data_lines(f"{d}/front_2.csv") == data_lines(f"{d}/front_3.csv"),
          "Pareto front identical on 1, 2 and 3 ranks")
    check(np.all(np.diff(column(f"{d}/front_1.csv", "prediction")) <= 0), "front sorted by the first objective")


def case_filters(d):
    X, C = make_data(d)
    train(d, "rf", "y1", "rf.h5", ["-rf_n_trees", "10", "-seed", "4"])
    pred, _ = predict(d, "rf.h5")
    screen(d, "f.csv", ["-model", f"{d}/rf.h5", "-top", "40", "-filter", "a=0.2:0.6,prediction=:0.8,y1=-0.5:", "-domain_tol", "0.1"], 2)
    mask = (C[:, 0] >= 0.2) & (C[:, 0] <= 0.6) & (pred <= 0.8) & (pred >= -0.5)
    want = topk_oracle(pred, True, 40, mask)
    check(list(column(f"{d}/f.csv", "index", int)) == list(want), "filtered top-40 = filtered full sort")
    # applicability: standardized distance to the training bounding box (population std)
    lo, hi, sd = X.min(0), X.max(0), X.std(0)
    screen(d, "dom.csv", ["-model", f"{d}/rf.h5", "-top", "3000", "-domain_tol", "0.1"], 2)
    idx = column(f"{d}/dom.csv", "index", int)
    e = np.maximum(np.maximum(lo - C[idx], 0), C[idx] - hi) / sd
    dist = np.sqrt((e ** 2).sum(1))
    check(np.allclose(column(f"{d}/dom.csv", "distance"), dist, rtol=1e-12, atol=1e-15), "distance = standardized distance to the training box")
    check(np.array_equal(column(f"{d}/dom.csv", "in_domain", int), (dist <= 0.1).astype(int)), "in_domain = distance <= tol")
    check(0 < (dist <= 0.1).sum() < len(dist), "constructed data has both in- and out-of-domain candidates")
    screen(d, "ind.csv", ["-model", f"{d}/rf.h5", "-top", "40", "-filter", "in_domain=1:1", "-domain_tol", "0.1"], 1)
    inside = np.zeros(len(C), bool)
    ee = np.maximum(np.maximum(lo - C, 0), C - hi) / sd
    inside = np.sqrt((ee ** 2).sum(1)) <= 0.1
    check(list(column(f"{d}/ind.csv", "index", int)) == topk_oracle(pred, True, 40, inside), "filter on in_domain")
    with tempfile.TemporaryDirectory():
        h5 = f"{d}/f.h5"
        import h5py
        with h5py.File(h5) as f:
            check(f["screen"].attrs["n_candidates"] == len(C) and f["screen/histogram/counts"][:].sum() + f["screen/histogram"].attrs["underflow"]
                  + f["screen/histogram"].attrs["overflow"] == len(C), "histogram counts every candidate")
            check("command_line" in f.attrs, "HDF5 twin has provenance")


def case_space(d):
    """grid = the Cartesian product in mixed-radix order; Halton = the radical-inverse formula;
    uniform draws identical on 1 and 2 ranks"""
    import itertools
    make_data(d)
    train(d, "rf", "y1", "rf.h5", ["-rf_n_trees", "5"])
    open(f"{d}/sp.csv", "w").write("name,kind,values\na,grid,0:1:5\nb,list,0.1;0.7\nc,int,0:2\n")
    run(["screen", "-model", f"{d}/rf.h5", "-space_file", f"{d}/sp.csv", "-top", "100", "-output", f"{d}/g.csv", "-quiet"], 2)
    h, rows = read_csv(f"{d}/g.csv")
    got = {int(r[1]): tuple(float(x) for x in r[2:5]) for r in rows}
    want = list(itertools.product([0, 0.25, 0.5, 0.75, 1], [0.1, 0.7], [0, 1, 2]))
    check(len(got) == 30 and all(got[i] == want[i] for i in range(30)), "full grid = Cartesian product, last dimension fastest")

    def rinv(i, b):
        f, r = 1.0, 0.0
        while i:
            f /= b
            r += f * (i % b)
            i //= b
        return r
    run(["screen", "-model", f"{d}/rf.h5", "-space_file", f"{d}/sp.csv", "-space_sample", "halton", "-n", "60", "-top", "60",
         "-output", f"{d}/h.csv", "-quiet"], 1)
    h, rows = read_csv(f"{d}/h.csv")
    ok = True
    for r in rows:
        i = int(r[1])
        a, b, c = (float(x) for x in r[2:5])
        ok &= abs(a - rinv(i + 1, 2)) < 1e-15 and b == [0.1, 0.7][int(rinv(i + 1, 3) * 2)] and c == int(rinv(i + 1, 5) * 3)
    check(len(rows) == 60 and ok, "Halton points = radical inverses in bases 2, 3, 5")
    for np_ in (1, 2):
        run(["screen", "-model", f"{d}/rf.h5", "-space_file", f"{d}/sp.csv", "-space", "a=0:1:0.5", "-space_sample", "uniform", "-n", "5000",
             "-seed", "9", "-chunk", "333", "-top", "50", "-output", f"{d}/u{np_}.csv", "-quiet"], np_)
    check(data_lines(f"{d}/u1.csv") == data_lines(f"{d}/u2.csv"), "uniform sampling: identical on 1 and 2 ranks")
    h, rows = read_csv(f"{d}/u1.csv")
    check(all(float(r[2]) <= 1 and float(r[2]) >= 0 and float(r[3]) in (0.1, 0.7) and float(r[4]) in (0, 1, 2) for r in rows),
          "uniform draws inside the space (inline -space overrides the file's a)")


SPACE = ["-space", "a=-0.2:1.2:0.002,b=0:1:0.01,c=0.5"]


def case_resume(d):
    make_data(d)
    train(d, "gpr", "y1", "gpr.h5", ["-scaler", "standard"])
    base = ["screen", "-model", f"{d}/gpr.h5", *SPACE, "-top", "20", "-rank", "ucb", "-chunk", "500", "-checkpoint_interval", "0", "-quiet"]
    run(base + ["-output", f"{d}/ref.csv"], 2)
    ref = data_lines(f"{d}/ref.csv")
    check(not os.path.exists(f"{d}/ref.csv.ckpt"), "checkpoint removed after a complete run")
    for how in ("kill", "term"):
        out = f"{d}/{how}.csv"
        interrupt_at_first_checkpoint(MPI + ["2", MS] + base + ["-output", out], out, how, "screen")
        r = run(base[:-1] + ["-output", out], 3 if how == "term" else 2)   # not -quiet: see 'resumed'
        check("(resumed)" in r.stdout, f"{how}: the rerun resumed from the checkpoint")
        check(data_lines(out) == ref, f"{how}: resumed result = uninterrupted result")
    # a checkpoint of another screen is refused, a damaged one too
    open(f"{d}/x.csv.ckpt", "wb").write(open(f"{d}/ref.csv", "rb").read()[:200])
    p = run(base + ["-output", f"{d}/x.csv"], 1, expect=66)
    check("is not a matscreen screen checkpoint" in p.stderr or "damaged" in p.stderr, "garbage checkpoint refused")
    rc = term_single_at_first_checkpoint([MS] + base + ["-output", f"{d}/y.csv"], f"{d}/y.csv.ckpt")
    check(rc == 75 and os.path.exists(f"{d}/y.csv.ckpt"), f"single rank SIGTERM: status {rc}, checkpoint kept")
    p = run(base[:-3] + ["-top", "21", "-output", f"{d}/y.csv"], 1, expect=66)
    check("belongs to a different screen" in p.stderr, "checkpoint of a different definition refused")
    data = bytearray(open(f"{d}/y.csv.ckpt", "rb").read())
    data[150] ^= 0xFF
    open(f"{d}/y.csv.ckpt", "wb").write(bytes(data))
    p = run(base + ["-output", f"{d}/y.csv"], 1, expect=66)
    check("damaged" in p.stderr, "corrupted checkpoint refused (checksum)")


def case_errors(d):
    make_data(d)
    train(d, "rf", "y1", "rf.h5", ["-rf_n_trees", "5"])
    m = ["screen", "-model", f"{d}/rf.h5", "-quiet"]
    open(f"{d}/s1.csv", "w").write("name,kind,values\n# comment\na,range,0:1:0.1\nb,ragne,0:1:0.1\nc,list,1\n")
    p = run(m + ["-space_file", f"{d}/s1.csv", "-output", f"{d}/o1.csv"], 1, expect=66)
    check(f"{d}/s1.csv:4" in p.stderr and "'ragne'" in p.stderr, "space file: bad kind names file:line")
    open(f"{d}/s2.csv", "w").write("name,kind,values\na,grid,0:1\n")
    p = run(m + ["-space_file", f"{d}/s2.csv", "-output", f"{d}/o2.csv"], 1, expect=66)
    check(f"{d}/s2.csv:2" in p.stderr and "lo:hi:n" in p.stderr, "space file: grid without n")
    open(f"{d}/s3.csv", "w").write("dim,kind,values\na,grid,0:1:3\n")
    p = run(m + ["-space_file", f"{d}/s3.csv", "-output", f"{d}/o3.csv"], 1, expect=66)
    check(f"{d}/s3.csv:1" in p.stderr and "header" in p.stderr, "space file: bad header")
    p = run(m + ["-space", "a=0:1:0.5,b=1", "-output", f"{d}/o4.csv"], 2, expect=95)
    check("do not cover 1 feature(s)" in p.stderr and ": c;" in p.stderr, "missing model feature named")
    open(f"{d}/bad.csv", "w").write("id,a,b,c\nx1,0.1,0.2,0.3\nx2,0.1,oops,0.3\n")
    p = run(m + ["-candidates", f"{d}/bad.csv", "-id", "id", "-output", f"{d}/o5.csv"], 2, expect=66)
    check(f"{d}/bad.csv:3" in p.stderr and "'b'" in p.stderr, "candidate table: bad field named by line and column")
    p = run(m + ["-candidates", f"{d}/cand.csv", "-id", "id", "-filter", "zz=0:1", "-output", f"{d}/o6.csv"], 1, expect=95)
    check("unknown column 'zz'" in p.stderr, "filter on an unknown column")
    p = run(m + ["-candidates", f"{d}/cand.csv", "-id", "id", "-rank", "ucb", "-goal", "up", "-output", f"{d}/o7.csv"], 1, expect=95)
    check("-goal 'up'" in p.stderr, "bad goal")
    p = run(m + ["-space", "a=0:1:0.1,b=0;1,c=2", "-space_sample", "uniform", "-output", f"{d}/o8.csv"], 1, expect=95)
    check("needs -n N" in p.stderr, "sampling without -n")
    for k in range(1, 9):
        check(not os.path.exists(f"{d}/o{k}.csv") and not os.path.exists(f"{d}/o{k}.h5"), f"no output o{k} left behind")


def case_formulas(d):
    rng = np.random.default_rng(7)
    els = ["Li", "Na", "K", "Mg", "Ca", "Al", "Si", "Ti", "Fe", "Ni", "Cu", "Zn", "O", "S", "Cl", "F", "N", "P"]
    forms = []
    while len(forms) < 340:
        a, b = rng.choice(len(els), 2, replace=False)
        f = f"{els[a]}{rng.integers(1, 5)}{els[b]}{rng.integers(1, 5)}"
        if f not in forms:
            forms.append(f)
    with open(f"{d}/train.csv", "w") as fh:
        fh.write("formula,y\n" + "".join(f"{f},{rng.random():.6f}\n" for f in forms[:60]))
    with open(f"{d}/cands.txt", "w") as fh:
        fh.write("formula\n# a comment line\n" + "".join(f + "\n" for f in forms[60:]))
    with open(f"{d}/cands.csv", "w") as fh:
        fh.write("formula\n" + "".join(f + "\n" for f in forms[60:]))
    ft = ["-formula_column", "formula", "-preset", "slides", "-quiet"]
    run(["featurize", "composition", "-input", f"{d}/train.csv", "-target", "y", *ft, "-output", f"{d}/train.h5"])
    run(["featurize", "composition", "-input", f"{d}/cands.csv", "-id", "formula", *ft, "-output", f"{d}/cands.h5"])
    run(["train", "-data", f"{d}/train.h5", "-target", "y", "-model", "ridge", "-output", f"{d}/m.h5", "-quiet"])
    run(["predict", "-model", f"{d}/m.h5", "-data", f"{d}/cands.h5", "-output", f"{d}/all.csv", "-quiet"])
    pred = column(f"{d}/all.csv", "prediction")
    want = topk_oracle(pred, True, 25)
    outs = []
    for np_ in (1, 2):
        run(["screen", "-model", f"{d}/m.h5", "-formulas", f"{d}/cands.txt", "-preset", "slides", "-top", "25", "-chunk", "37",
             "-output", f"{d}/top{np_}.csv", "-quiet"], np_)
        outs.append(data_lines(f"{d}/top{np_}.csv"))
    check(list(column(f"{d}/top1.csv", "index", int)) == list(want), "formula top-25 = full sort of predict's predictions")
    check(np.allclose(column(f"{d}/top1.csv", "prediction"), pred[want], rtol=1e-13, atol=1e-15), "formula top-25 predictions = predict's")
    check([r[2] for r in read_csv(f"{d}/top1.csv")[1]] == [forms[60 + i] for i in want], "the formula is the id")
    check(outs[0] == outs[1], "formula screen identical on 1 and 2 ranks")
    with open(f"{d}/bad.txt", "w") as fh:
        fh.write("".join(f + "\n" for f in forms[60:100]) + "Li2Qx3\n")
    p = run(["screen", "-model", f"{d}/m.h5", "-formulas", f"{d}/bad.txt", "-preset", "slides", "-output", f"{d}/bad.csv"], 2,
            expect=None)
    check(p.returncode != 0 and "Li2Qx3" in p.stderr and "candidate 40" in p.stderr, f"bad formula named (status {p.returncode}: {p.stderr[-300:]})")
    check(not os.path.exists(f"{d}/bad.csv"), "no output after a bad formula")
    p = run(["screen", "-model", f"{d}/m.h5", "-formulas", f"{d}/cands.txt", "-candidates", f"{d}/cands.csv", "-output", f"{d}/x.csv"],
            1, expect=95)
    check("not several" in p.stderr, "two candidate sources refused")


if __name__ == "__main__":
    case = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix=f"screen_{case}_") as d:
        globals()[f"case_{case}"](d)
    if fails:
        print(f"{len(fails)} check(s) failed")
        sys.exit(1)
    print(f"screen {case}: all checks passed")
