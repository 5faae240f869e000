#!/usr/bin/env python3
"""Electronic featurizer vs pymatgen's VASP readers on the synthetic files of the
`electronic` unit test (fixture): band gap, CBM, VBM and direct/indirect from
pymatgen.io.vasp.outputs.Eigenval.eigenvalue_band_properties (files with occupations,
non-spin and spin-polarised), and the vacuum level = max of Locpot.get_average_along_axis(2).

usage: electronic_parity.py SCRATCH_DIR MATSCREEN
"""
import csv, os, subprocess, sys, tempfile

from pymatgen.io.vasp.outputs import Eigenval, Locpot

scratch, ms = sys.argv[1], sys.argv[2]
fails = 0
with tempfile.TemporaryDirectory() as tmp:
    runs = os.path.join(tmp, "runs.csv")
    with open(runs, "w") as fh:
        fh.write("name,path\n")
        for d in ("indirect", "spin", "slab"):
            fh.write(f"{d},{os.path.join(scratch, d)}\n")
    out = os.path.join(tmp, "el.csv")
    subprocess.run([ms, "featurize", "electronic", "-input", runs, "-id", "name", "-lattice", "4,0,0,0,4,0,0,0,4",
                    "-output", out, "-quiet"], check=True)
    with open(out) as fh:
        rows = {r["name"]: r for r in csv.DictReader(l for l in fh if not l.startswith("#"))}
for d in ("indirect", "spin"):
    gap, cbm, vbm, direct = Eigenval(os.path.join(scratch, d, "EIGENVAL")).eigenvalue_band_properties
    r = rows[d]
    for name, ref in (("band_gap", gap), ("cbm", cbm), ("vbm", vbm), ("direct_gap", float(direct))):
        if abs(float(r[name]) - ref) > 1e-9:
            print(f"{d}: {name} = {r[name]}, pymatgen {ref}")
            fails += 1
vac = max(Locpot.from_file(os.path.join(scratch, "slab", "LOCPOT")).get_average_along_axis(2))
if abs(float(rows["slab"]["vacuum_level"]) - vac) > 1e-9:
    print(f"slab: vacuum_level = {rows['slab']['vacuum_level']}, pymatgen {vac}")
    fails += 1
print("electronic parity:", "FAILED" if fails else "ok", f"({fails} failures)")
sys.exit(1 if fails else 0)
