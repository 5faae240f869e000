#!/usr/bin/python3
"""Every benchmark of benchmarks/ at a size that finishes in about ten minutes on 2 cores, and
one machine-readable summary of all of them (`make bench`).

    /usr/bin/python3 scripts/bench_all.py [--build build] [--out build/bench] [--only io,ml,...] [--list]

Each benchmark prints JSON lines (one per figure); this script runs them one after the other
(never two at once: they would time each other), keeps each one's raw output in OUT/raw/NAME.jsonl
and writes OUT/summary.json and OUT/summary.csv with one row per figure:

    benchmark, workload (driver, case, implementation, sizes), metric (the driver's timing key),
    ranks, seconds, peer, peer_seconds, ratio (ours / peer where the record pairs them, < 1:
    matscreen faster), plus the machine (cores, load average before and after, host, date) and
    the commit,

so the figures of two commits can be compared row by row (the workload string is stable). The
sizes here are the small ones; the full-size commands and their figures are in
benchmarks/RESULTS.md. A benchmark that fails is recorded with its status and the run goes on;
the exit status is then 1.
"""
import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"


def benchmarks(build, ms):
    """(name, command, timeout s): small sizes of the commands in benchmarks/RESULTS.md"""
    b = f"{ROOT}/benchmarks"
    return [
        ("io", ["bash", f"{b}/io/run.sh", os.path.relpath(build, ROOT), "200000", "20"], 300),
        ("ml", [PY, f"{b}/ml/bench_ml.py", "--matscreen", ms, "--cases", "linear_like,ridge_like,linear_fit,ridge_fit,cv,logreg_fit,zoo", "--repeats", "1"], 600),
        ("rf", [PY, f"{b}/ml/rf_bench.py", "--build", build, "--n-train", "20000", "--trees", "50",
                "--splitters", "hist,exact", "--n-jobs", "1,2", "--data", os.path.join(build, "bench", "rf_data")], 600),
        ("gpr_pca", [PY, f"{b}/ml/gpr_pca_bench.py", "--build", build, "--gpr-n", "1000", "--pca", "--sk-threads", "1,2"], 600),
        ("generate", [PY, f"{b}/generate/bench.py", "--matscreen", ms, "--repeats", "1"], 600),
        ("tortuosity", [PY, f"{b}/tortuosity/run.py", "--matscreen", ms, "--sizes", "64", "--no-pc-table",
                        "--out", os.path.join(build, "bench", "tortuosity")], 600),
        ("campaign", ["bash", f"{b}/campaign/bench.sh", build, "8", "32", "2"], 300),
        ("featurize_composition", [PY, f"{b}/featurize/bench_composition.py", build, "20000", "2000"], 300),
        ("featurize_structure", [PY, f"{b}/featurize/structure_bench.py", "--matscreen", ms, "--n", "100", "--n_peer", "20",
                                 "--graphs", "100"], 300),
        ("screen", [PY, f"{b}/screen/bench_screen.py", "--build", os.path.relpath(build, ROOT), "--forest-n", "50000",
                    "--gpr-n", "4000"], 600),
        ("bo", ["bash", f"{b}/bo/run.sh", os.path.relpath(build, ROOT), "20"], 600),
        ("sisso", [PY, f"{b}/sisso/bench_sisso.py", "--matscreen", ms, "--quick"], 600),
        ("kan", [PY, f"{b}/kan/bench_kan.py", "--matscreen", ms], 600),
        ("sims", [PY, f"{b}/sims/bench_sims.py", "--matscreen", ms, "--repeats", "1", "--n_mixtures", "500", "--trees", "50",
                  "--workdir", os.path.join(build, "bench", "sims")], 600),
        ("tortuosity_floor", [PY, f"{b}/tortuosity/floor.py", "--matscreen", ms, "--stream", os.path.join(build, "benchmarks", "bench_stream"),
                              "--out", os.path.join(build, "bench", "floor"), "--repeat", "1"], 600),
        ("describe", [PY, f"{b}/describe/run.py", "--matscreen", ms, "--sizes", "128", "--repeat", "1",
                      "--out", os.path.join(build, "bench", "describe")], 600),
        ("inverse", [PY, f"{b}/inverse/run.py", "--matscreen", ms, "--sizes", "32", "--repeat", "1"], 600),
        ("vae", [PY, f"{b}/vae/bench_vae.py", ms, "32", "1", "32"], 600),
    ]


SKIP = {"peer_s", "rep", "repeats", "threads", "ranks"}


def timings(rec):
    """the timing figures of one record: every number under a key that ends in _s or is
    'seconds'/'wall' (rates such as per_s and MBps are kept in raw only)"""
    for k, v in rec.items():
        if k in SKIP or k.startswith("peer_") or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if k.endswith("_per_s") or k == "per_s":
            continue
        if k.endswith("_s") or k in ("seconds", "wall", "wall_seconds"):
            yield k, float(v)


def normalise(name, rec):
    """summary rows (one per timing figure) from one JSON record, whatever the driver's keys"""
    parts = [name]
    for k, v in rec.items():   # what was run: its names, then its integer sizes and settings
        if isinstance(v, str) and k not in ("machine", "row", "check", "peer") and v not in parts:
            parts.append(v)
    for k in ("n", "rows", "cols", "size", "p", "d", "n_points", "n_train", "n_features", "n_trees", "rung", "dim", "n_sis",
              "max_it", "restarts", "params", "ranks_per_structure", "n_jobs", "threads", "rep"):
        if isinstance(rec.get(k), int) and not isinstance(rec.get(k), bool):
            parts.append(f"{k}={rec[k]}")
    figs = list(timings(rec))
    for key, val in figs:
        peer_s = rec.get("peer_" + key, rec.get("peer_s") if key in ("matscreen_s", "seconds") else None)
        peer_s = float(peer_s) if isinstance(peer_s, (int, float)) and not isinstance(peer_s, bool) else None
        ratio = rec.get("ratio") if len(figs) == 1 or key == "matscreen_s" else None
        if not isinstance(ratio, (int, float)):
            ratio = round(val / peer_s, 4) if peer_s else None
        yield {"benchmark": name, "workload": " | ".join(str(p) for p in parts), "metric": key,
               "ranks": rec.get("ranks", rec.get("np", "")), "seconds": val, "peer": rec.get("peer", "") if peer_s else "",
               "peer_seconds": peer_s, "ratio": ratio}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=None, help="default BUILD/bench")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    ms = os.path.join(build, "bin", "matscreen")
    selected = benchmarks(build, ms)
    if a.list:
        for n, cmd, t in selected:
            print(f"{n:24s} {' '.join(cmd)}")
        return 0
    if a.only:
        want = a.only.split(",")
        unknown = set(want) - {n for n, _, _ in selected}
        if unknown:
            sys.exit(f"bench_all: unknown benchmark(s) {', '.join(sorted(unknown))}; --list shows them")
        selected = [t for t in selected if t[0] in want]
    if not os.access(ms, os.X_OK):
        sys.exit(f"bench_all: {ms} not found: build first (make build)")
    out = os.path.abspath(a.out or os.path.join(build, "bench"))
    os.makedirs(os.path.join(out, "raw"), exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    machine = {"host": platform.node(), "cores": os.cpu_count(), "load_before": os.getloadavg(),
               "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "kernel": platform.release()}
    rows, runs, failed = [], [], 0
    shared = os.environ.get("MS_SHARED_DATA") or next((d for d in (os.path.join(ROOT, "..", "shared", "data"),
                                                                     os.path.join(ROOT, "..", "..", "shared", "data"))
                                                          if os.path.isdir(d)), "../shared/data")
    for name, cmd, timeout in selected:
        if name == "featurize_composition" and not os.path.isdir(os.path.join(shared, "obelix")):
            print(f"bench_all: {name} skipped: no OBELiX data ({shared}/obelix; set MS_SHARED_DATA)", file=sys.stderr)
            runs.append({"benchmark": name, "command": cmd, "status": "skipped", "seconds": 0, "figures": 0})
            continue
        t0 = time.time()
        print(f"bench_all: {name} ...", file=sys.stderr, flush=True)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
            status, stdout, stderr = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            status, stdout, stderr = "timeout", (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), ""
        recs = []
        for line in stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    recs.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
        with open(os.path.join(out, "raw", name + ".jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
        with open(os.path.join(out, "raw", name + ".stderr"), "w") as f:
            f.write(stderr)
        wall = round(time.time() - t0, 1)
        runs.append({"benchmark": name, "command": cmd, "status": status, "seconds": wall, "figures": len(recs)})
        if status != 0 or not recs:
            failed += 1
            print(f"bench_all: {name} FAILED (status {status}, {len(recs)} figures); see {out}/raw/{name}.stderr", file=sys.stderr)
        else:
            print(f"bench_all: {name}: {len(recs)} figures in {wall} s", file=sys.stderr)
        for r in recs:
            rows.extend(normalise(name, r))
    machine["load_after"] = os.getloadavg()
    summary = {"commit": commit, "machine": machine, "runs": runs, "figures": rows,
               "raw": "raw/NAME.jsonl: every record of each driver, with its rates and accuracies"}
    tmp = os.path.join(out, "summary.json.partial")
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=1)
    os.replace(tmp, os.path.join(out, "summary.json"))
    cols = ["benchmark", "workload", "metric", "ranks", "seconds", "peer", "peer_seconds", "ratio", "commit", "load_before", "date"]
    tmp = os.path.join(out, "summary.csv.partial")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([r["benchmark"], r["workload"], r["metric"], r["ranks"], r["seconds"], r["peer"], r["peer_seconds"], r["ratio"], commit,
                        "%.2f" % machine["load_before"][0], machine["date"]])
    os.replace(tmp, os.path.join(out, "summary.csv"))
    skipped = sum(1 for r in runs if r["status"] == "skipped")
    print(f"bench_all: {len(rows)} figures from {len(runs) - failed - skipped} of {len(runs)} benchmarks ({skipped} skipped, "
          f"{failed} failed) in {out}/summary.json and summary.csv"
          f" (commit {commit}, load {machine['load_before'][0]:.2f} -> {machine['load_after'][0]:.2f})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
