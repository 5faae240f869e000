#!/usr/bin/python3
"""Stand-in membrane generator for the tortuosity benchmark (until solvers' `gen` lands).

Voronoi-edge proxy of the dissertation's generator (spec.md 1.11): n seed points uniform in
the box (numpy Generator seeded by -seed), solid (1) where a voxel is within `r` of a Voronoi
edge, i.e. where the third-nearest seed is less than 2*r farther than the nearest one
(d3 - d1 < 2 r, non-periodic), pore (0) elsewhere. Not the PACE3D model: only the topology
(open foam of stanchions on Voronoi edges, porosity 0.75-0.9) matters for solver timing.

usage: make_membrane.py N OUT.h5 [--points P] [--r R] [--seed S] [--raw OUT.raw]
Writes /volume (uint8, h5py shape (N, N, N)) with attributes voxel_size, generator, seed.
"""
import argparse
import numpy as np
import h5py
from scipy.spatial import cKDTree


def membrane(n, points, r, seed):
    rng = np.random.default_rng(seed)
    seeds = rng.uniform(0, n, size=(points, 3))
    tree = cKDTree(seeds)
    out = np.empty((n, n, n), dtype=np.uint8)
    g = np.arange(n) + 0.5
    yy, xx = np.meshgrid(g, g, indexing="ij")
    for z in range(n):  # plane by plane keeps memory at a few arrays of n^2
        pts = np.column_stack([xx.ravel(), yy.ravel(), np.full(n * n, g[z])])
        d, _ = tree.query(pts, k=3)
        out[z] = (d[:, 2] - d[:, 0] < 2 * r).reshape(n, n)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--points", type=int, default=0, help="seed points (default: one per 22^3 voxels)")
    ap.add_argument("--r", type=float, default=1.4, help="stanchion radius in voxels")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--raw", default=None)
    a = ap.parse_args()
    pts = a.points or max(8, round(a.n ** 3 / 22 ** 3))
    v = membrane(a.n, pts, a.r, a.seed)
    with h5py.File(a.out, "w") as f:
        d = f.create_dataset("volume", data=v)
        d.attrs["voxel_size"] = 0.15
        d.attrs["generator"] = "voronoi-edge proxy (benchmarks/tortuosity/make_membrane.py)"
        d.attrs["points"] = pts
        d.attrs["r"] = a.r
        d.attrs["seed"] = a.seed
    if a.raw:
        v.tofile(a.raw)
    print(f"{a.out}: {a.n}^3, {pts} points, r {a.r}, porosity {1 - v.mean():.4f}")


if __name__ == "__main__":
    main()
