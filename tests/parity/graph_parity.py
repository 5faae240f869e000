#!/usr/bin/python3
"""Graph featurizer (igraph) vs NetworkX on edge lists and on a crystal's neighbour graph.

usage: graph_parity.py MATSCREEN WORKDIR [MPIEXEC]
NetworkX references: wiener_index (inf when disconnected), Randic index from the degrees,
transitivity, average_clustering, betweenness_centrality (normalized=True, weighted when the
list has weights), degree statistics. Edge lists are loaded as nx.Graph (repeated edges
collapse), self loops removed, as matscreen documents. The neighbour graph of NaCl at 3.5 A
(pymatgen get_all_neighbors, periodic multi-edges collapsed) is compared the same way. With
MPIEXEC, the 2-rank table must equal the 1-rank table.
"""
import csv, math, os, subprocess, sys, warnings
import numpy as np
import networkx as nx
warnings.filterwarnings("ignore")

ms, work = sys.argv[1], sys.argv[2]
mpiexec = sys.argv[3].replace(";", " ").split() if len(sys.argv) > 3 else None
here = os.path.dirname(os.path.abspath(__file__))
gdir = os.path.join(here, "graphs")
lists = ["petersen.csv", "disconnected.csv", "weighted.csv", "multi.csv"]
cif = os.path.join(here, "structures", "NaCl.cif")
os.makedirs(work, exist_ok=True)
fails = []

def read_table(path):
    with open(path) as f:
        rows = list(csv.DictReader(l for l in f if not l.startswith("#")))
    return [(r["id"], {k: float(v) for k, v in r.items() if k != "id"}) for r in rows]

inputs = [os.path.join(gdir, l) for l in lists] + [cif]
out1 = os.path.join(work, "graph_np1.csv")
subprocess.run([ms, "featurize", "graph", "-inputs", ",".join(inputs), "-cutoff", "3.5", "-output", out1, "-quiet"], check=True)
ours = read_table(out1)
if mpiexec:
    out2 = os.path.join(work, "graph_np2.csv")
    subprocess.run(mpiexec + [ms, "featurize", "graph", "-inputs", ",".join(inputs), "-cutoff", "3.5", "-output", out2, "-quiet"], check=True)
    same = read_table(out2) == ours
    print(f"{'ok  ' if same else 'FAIL'} 1 rank and 2 ranks give the same table")
    if not same:
        fails.append("np1 == np2")

def load(path):
    graphs, order = {}, []
    with open(path) as f:
        for r in csv.DictReader(l for l in f if not l.startswith("#")):
            gid = r.get("graph_id", None)
            key = f"{path}:{gid}" if gid is not None else path
            if key not in graphs:
                graphs[key] = nx.Graph()
                order.append(key)
            w = float(r["weight"]) if "weight" in r else None
            if r["source"] == r["target"]:
                continue
            if w is None:
                graphs[key].add_edge(r["source"], r["target"])
            else:
                graphs[key].add_edge(r["source"], r["target"], weight=w)
    return [(k, graphs[k]) for k in order]

refs = []
for l in lists:
    refs += load(os.path.join(gdir, l))
from pymatgen.io.cif import CifParser
s = CifParser(cif).get_structures(primitive=False)[0]
G = nx.Graph()
G.add_nodes_from(range(len(s)))
for i, nb in enumerate(s.get_all_neighbors(3.5)):
    for n in nb:
        if n.index != i:
            G.add_edge(i, n.index)
refs.append((cif, G))

def ref_features(G):
    weighted = any("weight" in d for _, _, d in G.edges(data=True))
    w = "weight" if weighted else None
    deg = np.array([d for _, d in G.degree()], float)
    bc = np.array(list(nx.betweenness_centrality(G, normalized=True, weight=w).values()))
    return {
        "n_vertices": G.number_of_nodes(), "n_edges": G.number_of_edges(),
        "wiener_index": nx.wiener_index(G, weight=w),
        "randic_index": sum(1 / math.sqrt(G.degree(u) * G.degree(v)) for u, v in G.edges()),
        "transitivity": nx.transitivity(G), "avg_clustering": nx.average_clustering(G),
        "betweenness_mean": bc.mean(), "betweenness_max": bc.max(), "betweenness_std": bc.std(),
        "degree_mean": deg.mean(), "degree_max": deg.max(), "degree_min": deg.min(), "degree_std": deg.std(),
    }

if len(ours) != len(refs):
    fails.append(f"{len(ours)} rows, expected {len(refs)}")
for (oid, o), (rid, G) in zip(ours, refs):
    name = os.path.relpath(rid, here) if os.path.isabs(rid.split(":")[0]) else rid
    if oid != rid:
        fails.append(f"row id {oid} != {rid}")
    for k, v in ref_features(G).items():
        ok = (math.isinf(v) and o[k] == v) or abs(o[k] - v) <= 1e-9 * max(1, abs(v))
        print(f"{'ok  ' if ok else 'FAIL'} {name} {k}: ours {o[k]!r} networkx {v!r}")
        if not ok:
            fails.append(f"{name} {k}")

print(f"{len(fails)} failure(s)" + (": " + "; ".join(fails) if fails else ""))
sys.exit(1 if fails else 0)
