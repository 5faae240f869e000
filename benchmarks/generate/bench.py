#!/usr/bin/python3
"""Benchmark `matscreen generate` (64^3, 128^3, 200^3 on 1 and 2 ranks) and `matscreen segment`
(a 200^3 synthetic 8-bit TIFF stack, 1 and 2 ranks). One JSON object per case on stdout.

usage: bench.py [--matscreen build/bin/matscreen] [--repeats 3] [--workdir DIR]

seconds      the command's own timing of the work (generation, or read+filter+threshold+write
             for segment: whole command minus MPI start-up), median of the repeats
wall_seconds whole command including mpirun start-up and HDF5 output, median
voxels_per_s voxels / seconds
peak_rss_bytes_per_voxel  max resident set of the largest process (GNU time -v) / voxels
The 1-rank run of each size is the peer of its 2-rank run (same seed, identical output).
"""
import argparse, json, os, re, statistics, struct, subprocess, sys, tempfile, time

def run(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) * 1024
    m = re.search(r"\(([0-9.]+) s\)", p.stdout)
    return (float(m.group(1)) if m else wall), wall, rss, p.stdout

def write_tiff(path, vol):
    """Minimal baseline multi-page TIFF (8-bit, uncompressed, one strip per page)."""
    nz, ny, nx = vol.shape
    with open(path, "wb") as f:
        f.write(b"II*\x00" + struct.pack("<I", 8))
        for z in range(nz):
            data_off = f.tell() + 2 + 9 * 12 + 4
            tags = [(256, 4, nx), (257, 4, ny), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                    (273, 4, data_off), (277, 3, 1), (278, 4, ny), (279, 4, nx * ny)]
            f.write(struct.pack("<H", len(tags)))
            for tag, typ, val in tags:
                f.write(struct.pack("<HHI", tag, typ, 1) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val)))
            next_off = data_off + nx * ny if z + 1 < nz else 0
            f.write(struct.pack("<I", next_off))
            f.write(vol[z].tobytes())

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default=os.path.join(os.path.dirname(__file__), "../../build/bin/matscreen"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    exe = os.path.abspath(a.matscreen)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    work = a.workdir or tempfile.mkdtemp(prefix="bench_generate_")
    os.makedirs(work, exist_ok=True)
    launch = lambda np_: ["mpirun", "--oversubscribe", "-n", str(np_), exe]
    for size, npts in ((64, 100), (128, 100), (200, 170)):
        for ranks in (1, 2):
            out = os.path.join(work, f"g{size}_{ranks}.h5")
            res = [run(launch(ranks) + ["generate", "-size", str(size), "-n_points", str(npts), "-radius", "3.4", "-seed", "1", "-output", out], env) for _ in range(a.repeats)]
            sec, wall = statistics.median(r[0] for r in res), statistics.median(r[1] for r in res)
            por = float(re.search(r"porosity ([0-9.]+)", res[0][3]).group(1))
            print(json.dumps({"bench": "generate", "size": size, "ranks": ranks, "n_points": npts, "radius": 3.4,
                              "seconds": sec, "wall_seconds": round(wall, 3), "voxels_per_s": round(size ** 3 / sec),
                              "peak_rss_bytes_per_voxel": round(max(r[2] for r in res) / size ** 3, 2), "porosity": por}), flush=True)
    # segment: membrane -> grey 70/170 + noise (sd 20) -> TIFF stack -> segment at the true porosity
    import h5py, numpy as np
    ref = os.path.join(work, "g200_1.h5")
    m = h5py.File(ref)["volume"][...]
    por = float((m == 0).mean())
    rng = np.random.default_rng(0)
    grey = np.clip(np.where(m == 1, 170.0, 70.0) + rng.normal(0, 20, m.shape), 0, 255).astype(np.uint8)
    tif = os.path.join(work, "stack200.tif")
    write_tiff(tif, grey)
    for ranks in (1, 2):
        out = os.path.join(work, f"s200_{ranks}.h5")
        res = [run(launch(ranks) + ["segment", "-input", tif, "-variance", "3", "-porosity", repr(por), "-output", out], env) for _ in range(a.repeats)]
        sec, wall = statistics.median(r[0] for r in res), statistics.median(r[1] for r in res)
        s = h5py.File(out)["volume"][...]
        print(json.dumps({"bench": "segment", "size": 200, "ranks": ranks, "seconds": sec, "wall_seconds": round(wall, 3),
                          "voxels_per_s": round(200 ** 3 / sec), "peak_rss_bytes_per_voxel": round(max(r[2] for r in res) / 200 ** 3, 2),
                          "target_porosity": round(por, 6), "porosity": round(float((s == 0).mean()), 6),
                          "agreement_with_truth": round(float((s == m).mean()), 4)}), flush=True)

if __name__ == "__main__":
    main()
