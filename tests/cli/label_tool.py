#!/usr/bin/env python3
"""Helpers of tests/cli/label.sh (and tests/slurm): read and compare label campaign files.

  label_tool.py compare A.h5 B.h5 [--tol T] [--rows S:E]
                                              every column except `seconds` equal (T = 0:
                                              bit-identical; else |a-b| <= T*max(1,|a|) for
                                              floats), all rows done in both (or rows S..E-1)
  label_tool.py done FILE.h5                  print the number of rows with done = 1
  label_tool.py consistent FILE.h5 N          file opens, N rows, every done row has finite
                                              porosity/taus-or-inf and iterations >= 0, every
                                              row not done holds the fill (NaN, -1) or a valid
                                              value; print done count
  label_tool.py wait-done FILE.h5 K            poll FILE until >= K rows are done; print the count
  label_tool.py signal-after FILE.h5 K SIG PID...  poll FILE until >= K rows are done, then
                                              send SIG to the PIDs (one process group if
                                              PID < 0; children-of:PIDFILE = the children of
                                              that process, group-of:PIDFILE its process
                                              group); print the done count seen.
                                              With LABEL_TOOL_READY=F, F is created once
                                              polling can start.
"""
import os, sys, time, signal
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")  # read while the campaign writes
import h5py, numpy as np

RESULTS = ["porosity", "percolating_porosity_x", "percolating_porosity_y", "percolating_porosity_z",
           "tau_x", "tau_y", "tau_z", "iterations_x", "iterations_y", "iterations_z"]


def columns(path):
    with h5py.File(path, "r") as f:
        g = f["labels"]
        return {k: g[k][...] for k in g if g[k].ndim == 1}, g.attrs["campaign_definition"]


def compare(a, b, tol, rows):
    ca, da = columns(a)
    cb, db = columns(b)
    if rows:
        ca = {k: v[rows] for k, v in ca.items()}
        cb = {k: v[rows] for k, v in cb.items()}
    ok = True
    if da != db:
        print(f"FAIL: definitions differ:\n {da}\n {db}"); ok = False
    if sorted(ca) != sorted(cb):
        print(f"FAIL: column sets differ: {sorted(ca)} vs {sorted(cb)}"); return False
    for k in sorted(ca):
        if k in ("seconds", "last_run") or (tol and k.startswith("iterations_")):
            continue  # timings, run record; iteration counts depend on the partition (tolerant mode)
        x, y = ca[k], cb[k]
        if x.shape != y.shape:
            print(f"FAIL: {k}: shapes {x.shape} {y.shape}"); ok = False; continue
        if k == "done":
            if not (x == 1).all() or not (y == 1).all():
                print(f"FAIL: not every row done: {x} {y}"); ok = False
            continue
        if tol == 0 or x.dtype.kind != "f":
            same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)
        else:
            both_inf = np.isinf(x) & np.isinf(y)
            xf, yf = np.where(both_inf, 0, x), np.where(both_inf, 0, y)
            same = bool((np.abs(xf - yf) <= tol * np.maximum(1, np.abs(xf))).all())
        if not same:
            print(f"FAIL: column {k} differs:\n {x}\n {y}"); ok = False
    return ok


def consistent(path, n):
    c, _ = columns(path)
    done = c["done"]
    ok = len(done) == n and set(np.unique(done)) <= {0, 1}
    # Rows are written results first, then done = 1 (ms_campaign.h): a kill between the two
    # leaves a row that is not done but already holds results; it is redone on the next run.
    # So: done rows are complete; rows not done hold the initial fill or a valid value.
    for k in RESULTS:
        v = c[k]
        if v.dtype.kind == "f":
            ok &= bool((~np.isnan(v[done == 1])).all())
            w = v[done == 0]
            ok &= bool((np.isnan(w) | (w >= 0)).all())
        else:
            ok &= bool((v[done == 1] >= 0).all() and (v[done == 0] >= -1).all())
    ok &= bool((c["index"] == np.arange(n)).all())
    print(int(done.sum()))
    return ok


def main():
    cmd = sys.argv[1]
    if cmd == "compare":
        opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
        tol = float(opts.get("--tol", 0))
        rows = slice(*map(int, opts["--rows"].split(":"))) if "--rows" in opts else None
        sys.exit(0 if compare(sys.argv[2], sys.argv[3], tol, rows) else 1)
    if cmd == "done":
        print(int(columns(sys.argv[2])[0]["done"].sum()))
        return
    if cmd == "consistent":
        sys.exit(0 if consistent(sys.argv[2], int(sys.argv[3])) else 1)
    if cmd in ("signal-after", "wait-done"):
        path, k = sys.argv[2], int(sys.argv[3])
        sig = getattr(signal, sys.argv[4]) if cmd == "signal-after" else None
        # "children-of:FILE": the children (the ranks) of the process whose PID FILE holds,
        # looked up when the signal is due, so this poller can start before the job does.
        def targets():
            out = []
            for a in sys.argv[5:]:
                if a.startswith("group-of:"):  # negative: the process group of that PID
                    out.append(-int(open(a.split(":", 1)[1]).read().split()[0]))
                elif a.startswith("children-of:"):
                    parent = open(a.split(":", 1)[1]).read().split()[0]
                    for q in os.listdir("/proc"):
                        if q.isdigit():
                            try:
                                stat = open(f"/proc/{q}/stat").read()
                            except OSError:
                                continue
                            if stat.rsplit(")", 1)[1].split()[1] == parent:
                                out.append(int(q))
                else:
                    out.append(int(a))
            return out
        if os.environ.get("LABEL_TOOL_READY"):  # h5py is imported: tell the caller to start the job
            open(os.environ["LABEL_TOOL_READY"], "w").close()
        t0 = time.time()
        while time.time() - t0 < 120:
            try:
                d = int(columns(path)[0]["done"].sum())
            except Exception:
                d = -1  # not created yet (or being renamed)
            if d >= k:
                for p in targets():
                    if p < 0:
                        os.killpg(-p, sig)
                    else:
                        os.kill(p, sig)
                print(d)
                return
            time.sleep(0.05)
        print("signal-after: timed out", file=sys.stderr)
        sys.exit(1)
    sys.exit(f"unknown command {cmd}")


main()
