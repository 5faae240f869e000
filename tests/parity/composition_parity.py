#!/usr/bin/env python3
"""Composition featurizer vs independent Python (pymatgen + numpy).

1. Element amounts: our parser (formula_probe) against pymatgen's Composition on every OBELiX
   formula pymatgen can parse plus a list of tricky ones written in pymatgen's syntax.
2. The 132 magpie columns of `matscreen featurize composition` on all of OBELiX, on 1 and 2
   ranks (must be identical), against the statistics recomputed here with numpy from the
   table files (matminer's definitions: min, max, range, weighted mean, weighted mean
   absolute deviation, mode = value of the most abundant element, ties -> smallest).

usage: composition_parity.py PROBE MATSCREEN MPIEXEC... (env MS_SOURCE_DIR)
"""
import csv, math, os, subprocess, sys, tempfile

import numpy as np
from pymatgen.core import Composition

probe, ms, mpiexec = sys.argv[1], sys.argv[2], sys.argv[3:]
src = os.environ.get("MS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
# the shared data sit beside the clone (../shared/data); a git worktree sits one level deeper
shared = os.environ.get("MS_SHARED_DATA") or next(
    (d for d in (os.path.join(src, "..", "shared", "data"), os.path.join(src, "..", "..", "shared", "data"))
     if os.path.isdir(d)), "")
obelix = os.path.join(shared, "obelix", "all.csv")
if not os.path.exists(obelix):
    print("SKIP: no OBELiX data at", obelix)
    sys.exit(77)
magpie = os.path.join(src, "inputs", "magpie")
fails = 0

with open(obelix, newline="") as fh:
    rows = list(csv.DictReader(fh))
formulas = [r["Reduced Composition"] for r in rows]
tricky = ["Li7La3Zr2O12", "Ca(OH)2", "Li0.33La0.56TiO3", "(Ag0.33Li0.67)0.27La0.57TiO3",
          "Li1.3Al0.3Ti1.7(PO4)3", "Mg3(Si2O5)2(OH)2", "((CH3)4N)2SO4", "Li14Nd5(Si11N19O5)O2F2",
          "La(Li0.76Mg0.08)O2", "Li0.6(Li0.2Sn0.8S2)", "H2O", "Og2Ts", "NaClNa", "Li.5Cl"]

checked = 0
cands = []
for f in tricky + formulas:
    try:
        ref = Composition(f).get_el_amt_dict()
    except Exception:
        continue
    cands.append((f, ref))
out = subprocess.run([probe], input="\n".join(f for f, _ in cands) + "\n", capture_output=True, text=True, check=True).stdout
for (f, ref), line in zip(cands, out.splitlines()):
    if line.startswith("ERROR"):
        print(f"amounts: '{f}': ours fails ({line}), pymatgen gives {ref}")
        fails += 1
        continue
    tok = line.split()
    ours = {tok[i]: float(tok[i + 1]) for i in range(0, len(tok), 2)}
    ref = {k: v for k, v in ref.items() if v > 0}
    if set(ours) != set(ref) or any(abs(ours[k] - ref[k]) > 1e-12 * max(1, abs(ref[k])) for k in ref):
        print(f"amounts: '{f}': ours {ours}, pymatgen {ref}")
        fails += 1
    checked += 1
print(f"amounts: {checked} formulas compared with pymatgen")

# --- statistics ---
props = ["Number", "MendeleevNumber", "AtomicWeight", "MeltingT", "Column", "Row", "CovalentRadius",
         "Electronegativity", "NsValence", "NpValence", "NdValence", "NfValence", "NValence", "NsUnfilled",
         "NpUnfilled", "NdUnfilled", "NfUnfilled", "NUnfilled", "GSvolume_pa", "GSbandgap", "GSmagmom",
         "SpaceGroupNumber"]
table = {}
for p in props:
    with open(os.path.join(magpie, p + ".table"), newline="") as fh:
        vals = fh.read().split("\n")
    col = {}
    for z, v in enumerate(vals, start=1):
        v = v.strip()
        col[z] = float(v) if v and v != "Missing" else math.nan
    table[p] = col


def stats(f):
    comp = Composition(f)
    els = [e for e, a in comp.get_el_amt_dict().items() if a > 0]
    w = np.array([comp.get_el_amt_dict()[e] for e in els])
    w = w / w.sum()
    zs = [Composition(e).elements[0].Z for e in els]
    row = []
    for p in props:
        v = np.array([table[p].get(z, math.nan) for z in zs])
        mean = np.sum(w * v)
        wmax = w.max()
        mode = v[np.isclose(w, wmax, rtol=0, atol=1e-8)].min()
        row += [v.min(), v.max(), v.max() - v.min(), mean, np.sum(w * np.abs(v - mean)), mode]
    return row


with tempfile.TemporaryDirectory() as tmp:
    outs = []
    for np_ in (1, 2):
        o = os.path.join(tmp, f"f{np_}.csv")
        cmd = mpiexec + ["-n", str(np_), ms] if np_ > 1 else [ms]
        cmd += ["featurize", "composition", "-input", obelix, "-formula_column", "Reduced Composition", "-id", "ID",
                "-missing", "nan", "-on_error", "nan", "-output", o, "-quiet"]
        subprocess.run(cmd, check=True)
        with open(o) as fh:
            outs.append([l for l in fh if not l.startswith("#")])
    if outs[0] != outs[1]:
        print("1 and 2 ranks differ")
        fails += 1
    reader = csv.reader(outs[0])
    header = next(reader)
    assert len(header) == 133 and header[1] == "MagpieData minimum Number", header[:3]
    compared = 0
    for r, f in zip(reader, formulas):
        try:
            ref = stats(f)
        except Exception:
            continue  # pymatgen cannot parse it
        ours = [float(x) for x in r[1:]]
        for j, (a, b) in enumerate(zip(ours, ref)):
            if not ((math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(1.0, abs(b))):
                print(f"stats: '{f}' column '{header[j + 1]}': ours {a!r}, numpy {b!r}")
                fails += 1
        compared += 1
    print(f"stats: {compared} formulas x 132 columns compared with numpy")
    if compared < 500:
        print("too few formulas compared")
        fails += 1
print("composition parity:", "FAILED" if fails else "ok", f"({fails} failures)")
sys.exit(1 if fails else 0)
