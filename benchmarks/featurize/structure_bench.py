#!/usr/bin/python3
"""Structure and graph featurization throughput: matscreen (1 and 2 ranks) vs pymatgen / NetworkX
doing the same features on the same inputs. Prints one JSON object per measurement.

usage: structure_bench.py --matscreen build/bin/matscreen [--n 1000] [--n_peer 200] [--graphs 1000]
                          [--mpiexec "mpiexec --oversubscribe"] [--seed 7]

Structures: --n P1 CIFs generated from rock salt, perovskite, wurtzite and bcc/fcc prototypes
(1-3 x 1-2 x 1-2 supercells, 2-48 sites), random lattice strain (+-3 %) and site noise (0.05 A),
seeded. Features (both sides): density, volume, lattice parameters, space group (spglib via
SpacegroupAnalyzer, symprec 0.01), neighbours within 3.5 A (counts, bond lengths), nearest-
neighbour distances, packing fraction, solid-angle Voronoi CN of every site (VoronoiNN).
pymatgen is timed on the first --n_peer structures (it is slow) and reported per structure.
matscreen's time is the whole command (start-up, reading, writing the CSV) from the wall clock.
Graphs: --graphs random graphs (Erdos-Renyi-like, 40 vertices, p = 0.1, seeded) in one edge
list with graph_id; NetworkX computes wiener_index, Randic, transitivity, average_clustering,
betweenness_centrality, degrees.
"""
import argparse, json, math, os, random, subprocess, sys, tempfile, time, warnings
import numpy as np
warnings.filterwarnings("ignore")

ap = argparse.ArgumentParser()
ap.add_argument("--matscreen", required=True)
ap.add_argument("--n", type=int, default=1000)
ap.add_argument("--n_peer", type=int, default=200, help="0: skip pymatgen")
ap.add_argument("--graphs", type=int, default=1000, help="0: skip the graph part")
ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
ap.add_argument("--seed", type=int, default=7)
a = ap.parse_args()

from pymatgen.core import Lattice, Structure
from pymatgen.io.cif import CifWriter
import networkx as nx

rng = np.random.default_rng(a.seed)
protos = [
    Structure.from_spacegroup("Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
    Structure(Lattice.cubic(3.905), ["Sr", "Ti", "O", "O", "O"], [[0, 0, 0], [.5, .5, .5], [.5, .5, 0], [.5, 0, .5], [0, .5, .5]]),
    Structure.from_spacegroup("P6_3mc", Lattice.hexagonal(3.25, 5.21), ["Zn", "O"], [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.382]]),
    Structure(Lattice.cubic(2.87), ["Fe", "Fe"], [[0, 0, 0], [.5, .5, .5]]),
    Structure.from_spacegroup("Fm-3m", Lattice.cubic(3.61), ["Cu"], [[0, 0, 0]]),
]
work = tempfile.mkdtemp(prefix="msbench_")
paths = []
for i in range(a.n):
    s = protos[i % len(protos)].copy()
    sc = [int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 3))]
    s.make_supercell(sc)
    if len(s) > 48:
        s = protos[i % len(protos)].copy()
    strain = np.eye(3) + rng.uniform(-0.03, 0.03, (3, 3))
    s = Structure(Lattice(s.lattice.matrix @ strain), s.species, s.cart_coords @ strain + rng.normal(0, 0.05, (len(s), 3)), coords_are_cartesian=True)
    p = os.path.join(work, f"s{i:05d}.cif")
    CifWriter(s).write_file(p)
    paths.append(p)
lst = os.path.join(work, "list.txt")
open(lst, "w").write("\n".join(paths) + "\n")
sites = [len(Structure.from_file(p)) for p in paths[:50]]
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")

def run_ms(np_, args):
    cmd = ([] if np_ == 1 else a.mpiexec.split() + ["-n", str(np_)]) + [a.matscreen, "featurize"] + args + ["-quiet"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    return time.perf_counter() - t

for np_ in (1, 2):
    t = run_ms(np_, ["structure", "-list", lst, "-cutoff", "3.5", "-output", os.path.join(work, f"f{np_}.csv")])
    print(json.dumps({"bench": "featurize_structure", "tool": "matscreen", "ranks": np_, "n": a.n, "seconds": round(t, 3),
                      "per_second": round(a.n / t, 1)}), flush=True)

from pymatgen.analysis.local_env import VoronoiNN
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
from pymatgen.core import Element

def pmg_features(p):
    s = Structure.from_file(p)
    f = [len(s), s.volume, s.volume / len(s), float(s.density)]
    f.append(sum(4 / 3 * math.pi * float(x.specie.atomic_radius) ** 3 for x in s) / s.volume)
    f += list(s.lattice.parameters) + [s.lattice.c / s.lattice.a]
    f.append(SpacegroupAnalyzer(s, symprec=0.01).get_space_group_number())
    nb = s.get_all_neighbors(3.5)
    d = [x.nn_distance for n in nb for x in n]
    cn = [len(n) for n in nb]
    nn = [min(x.nn_distance for x in n) for n in s.get_all_neighbors(6.0)]
    f += [min(nn), max(nn), np.mean(nn), np.std(nn), np.mean(d), np.std(d), np.mean(cn), min(cn), max(cn)]
    v = VoronoiNN()
    vc = [v.get_cn(s, i, use_weights=True) for i in range(len(s))]
    return f + [np.mean(vc), min(vc), max(vc)]

if a.n_peer > 0:
    t = time.perf_counter()
    for p in paths[:a.n_peer]:
        pmg_features(p)
    tp = time.perf_counter() - t
    print(json.dumps({"bench": "featurize_structure", "tool": "pymatgen 2022.11 (VoronoiNN, SpacegroupAnalyzer)", "ranks": 1, "n": a.n_peer,
                      "seconds": round(tp, 3), "per_second": round(a.n_peer / tp, 3), "mean_sites": float(np.mean(sites))}), flush=True)
if a.graphs <= 0:
    subprocess.run(["rm", "-rf", work])
    sys.exit(0)

# ---- graphs ----
random.seed(a.seed)
gfile = os.path.join(work, "graphs.csv")
graphs = []
with open(gfile, "w") as f:
    f.write("graph_id,source,target\n")
    for g in range(a.graphs):
        G = nx.gnp_random_graph(40, 0.1, seed=a.seed * 100003 + g)
        G.remove_nodes_from([v for v in list(G) if G.degree(v) == 0])  # an edge list cannot hold isolated vertices
        graphs.append(G)
        for u, v in G.edges():
            f.write(f"g{g},{u},{v}\n")
for np_ in (1, 2):
    # One file would sit on one rank: split it so that both ranks get work.
    parts = []
    for k in range(8):
        pk = os.path.join(work, f"graphs_{k}.csv")
        with open(pk, "w") as f:
            f.write("graph_id,source,target\n")
            for g in range(k, a.graphs, 8):
                for u, v in graphs[g].edges():
                    f.write(f"g{g},{u},{v}\n")
        parts.append(pk)
    t = run_ms(np_, ["graph", "-inputs", ",".join(parts), "-output", os.path.join(work, f"g{np_}.csv")])
    print(json.dumps({"bench": "featurize_graph", "tool": "matscreen (igraph)", "ranks": np_, "n": a.graphs, "seconds": round(t, 3),
                      "per_second": round(a.graphs / t, 1)}), flush=True)
t = time.perf_counter()
for G in graphs:
    deg = np.array([d for _, d in G.degree()], float)
    bc = np.array(list(nx.betweenness_centrality(G).values()))
    w = nx.wiener_index(G)
    r = sum(1 / math.sqrt(G.degree(u) * G.degree(v)) for u, v in G.edges())
    tr, ac = nx.transitivity(G), nx.average_clustering(G)
    _ = (deg.mean(), deg.max(), deg.min(), deg.std(), bc.mean(), bc.max(), bc.std())
tn = time.perf_counter() - t
print(json.dumps({"bench": "featurize_graph", "tool": f"networkx {nx.__version__}", "ranks": 1, "n": a.graphs, "seconds": round(tn, 3),
                  "per_second": round(a.graphs / tn, 1)}), flush=True)
subprocess.run(["rm", "-rf", work])
