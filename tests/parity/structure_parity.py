#!/usr/bin/python3
"""Structure featurizer vs pymatgen (Debian python3-pymatgen 2022.11) on textbook CIFs.

usage: structure_parity.py MATSCREEN PROBE WORKDIR [MPIEXEC]
1. `matscreen featurize structure` on the CIFs of tests/parity/structures (1 rank, and 2 ranks
   when MPIEXEC is given: the two tables must be identical) against pymatgen: density, volume,
   lattice parameters, space group (SpacegroupAnalyzer), neighbour counts and bond lengths at the
   cutoff (Structure.get_all_neighbors), nearest-neighbour distances, packing fraction with
   Element.atomic_radius, solid-angle Voronoi CN (VoronoiNN.get_cn(use_weights=True)).
2. The probe's space group symbols (spglib) against SpacegroupAnalyzer's.
3. POSCAR (VASP 5 Direct by pymatgen's Poscar writer, VASP 4, Cartesian with a negative scale =
   volume, selective dynamics) and XYZ (pymatgen's XYZ writer; extended XYZ with Lattice=) read by
   the probe against pymatgen's readers / the source structure.
"""
import csv, json, math, os, subprocess, sys, warnings
import numpy as np
warnings.filterwarnings("ignore")
from pymatgen.core import Element, Lattice, Structure, Molecule
from pymatgen.io.cif import CifParser
from pymatgen.io.vasp import Poscar
from pymatgen.io.xyz import XYZ
from pymatgen.analysis.local_env import VoronoiNN
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

ms, probe, work = sys.argv[1], sys.argv[2], sys.argv[3]
mpiexec = sys.argv[4] if len(sys.argv) > 4 else None
here = os.path.dirname(os.path.abspath(__file__))
sdir = os.path.join(here, "structures")
cifs = ["NaCl.cif", "SrTiO3.cif", "ZnO_wurtzite.cif", "NaCl_symmetrized.cif"]
CUT = 3.5
os.makedirs(work, exist_ok=True)
fails = []

def check(what, ours, ref, tol):
    ok = (math.isinf(ref) and ours == ref) or abs(ours - ref) <= tol * max(1.0, abs(ref))
    print(f"{'ok  ' if ok else 'FAIL'} {what}: ours {ours!r} pymatgen {ref!r}")
    if not ok:
        fails.append(what)

def read_table(path):
    with open(path) as f:
        rows = list(csv.DictReader(l for l in f if not l.startswith("#")))
    return {os.path.basename(r["id"]): {k: float(v) for k, v in r.items() if k != "id"} for r in rows}

paths = [os.path.join(sdir, c) for c in cifs]
out1 = os.path.join(work, "structure_np1.csv")
subprocess.run([ms, "featurize", "structure", "-inputs", ",".join(paths), "-cutoff", str(CUT), "-output", out1, "-quiet"], check=True)
ours = read_table(out1)
if mpiexec:
    out2 = os.path.join(work, "structure_np2.csv")
    subprocess.run(mpiexec.replace(";", " ").split() + [ms, "featurize", "structure", "-inputs", ",".join(paths), "-cutoff", str(CUT), "-output", out2, "-quiet"],
                   check=True)
    t2 = read_table(out2)
    same = t2 == ours and list(t2) == list(ours)
    print(f"{'ok  ' if same else 'FAIL'} 1 rank and 2 ranks give the same table")
    if not same:
        fails.append("np1 == np2")

probe_out = subprocess.run([probe] + paths, check=True, capture_output=True, text=True).stdout.splitlines()
probed = {os.path.basename(json.loads(l)["file"]): json.loads(l) for l in probe_out}

def stats(x):
    x = np.asarray(x, float)
    return x.min(), x.max(), x.mean(), x.std()

for c in cifs:
    s = CifParser(os.path.join(sdir, c)).get_structures(primitive=False)[0]
    o = ours[c]
    check(f"{c} n_sites", o["n_sites"], len(s), 0)
    check(f"{c} density", o["density_g_cm3"], float(s.density), 1e-9)
    check(f"{c} volume", o["volume_A3"], s.volume, 1e-9)
    check(f"{c} volume/atom", o["volume_per_atom_A3"], s.volume / len(s), 1e-9)
    for k, v in zip(["a_A", "b_A", "c_A", "alpha_deg", "beta_deg", "gamma_deg"], s.lattice.parameters):
        check(f"{c} {k}", o[k], v, 1e-9)
    check(f"{c} c/a", o["c_over_a"], s.lattice.c / s.lattice.a, 1e-9)
    sga = SpacegroupAnalyzer(s, symprec=0.01)
    check(f"{c} space group number", o["spacegroup_number"], sga.get_space_group_number(), 0)
    sym_ok = probed[c]["symbol"] == sga.get_space_group_symbol()
    print(f"{'ok  ' if sym_ok else 'FAIL'} {c} space group symbol: ours {probed[c]['symbol']} pymatgen {sga.get_space_group_symbol()}")
    if not sym_ok:
        fails.append(f"{c} symbol")
    nbrs = s.get_all_neighbors(CUT)
    cn = [len(n) for n in nbrs]
    d = [x.nn_distance for n in nbrs for x in n]
    check(f"{c} cn_cutoff mean", o["cn_cutoff_mean"], np.mean(cn), 1e-12)
    check(f"{c} cn_cutoff min", o["cn_cutoff_min"], min(cn), 0)
    check(f"{c} cn_cutoff max", o["cn_cutoff_max"], max(cn), 0)
    check(f"{c} bond length mean", o["bond_length_mean_A"], np.mean(d), 1e-9)
    check(f"{c} bond length std", o["bond_length_std_A"], np.std(d), 1e-7)
    nn = [min(x.nn_distance for x in n) for n in s.get_all_neighbors(6.0)]
    for k, v in zip(["min", "max", "mean", "std"], stats(nn)):
        check(f"{c} nn distance {k}", o[f"nn_distance_{k}_A"], v, 1e-7)
    vat = sum(4 / 3 * math.pi * float(site.specie.atomic_radius) ** 3 for site in s)
    check(f"{c} packing fraction (atomic radii)", o["packing_fraction"], vat / s.volume, 1e-9)
    vnn = VoronoiNN(cutoff=8.0)  # these cells are certified well inside 8 A; 13 A (default) only costs time
    vcn = [vnn.get_cn(s, i, use_weights=True) for i in range(len(s))]
    for k, v in zip(["min", "max", "mean"], stats(vcn)[:3]):
        check(f"{c} Voronoi CN {k}", o[f"cn_voronoi_{k}"], v, 1e-6)
    # Per site: the probe's order is the reader's; match sites by position.
    p = probed[c]
    for i, site in enumerate(s):
        j = min(range(len(s)), key=lambda q: np.linalg.norm(((np.array(p["frac"][3 * q:3 * q + 3]) - site.frac_coords + 0.5) % 1) - 0.5))
        if abs(p["voronoi_cn"][j] - vcn[i]) > 1e-6:
            fails.append(f"{c} site {i} Voronoi CN {p['voronoi_cn'][j]} vs {vcn[i]}")

# ---- POSCAR and XYZ readers ----
def same_structure(tag, p, ref_lattice, ref_Z, ref_frac, tol=1e-8):
    L = np.array(p["lattice"]).reshape(3, 3)
    ok = np.allclose(L, ref_lattice, atol=tol) and p["Z"] == list(ref_Z)
    f = np.array(p["frac"]).reshape(-1, 3)
    ok = ok and f.shape == np.asarray(ref_frac).shape and np.allclose(((f - ref_frac + 0.5) % 1) - 0.5, 0, atol=tol)
    print(f"{'ok  ' if ok else 'FAIL'} {tag}")
    if not ok:
        fails.append(tag)

zno = CifParser(os.path.join(sdir, "ZnO_wurtzite.cif")).get_structures(primitive=False)[0]
sto = CifParser(os.path.join(sdir, "SrTiO3.cif")).get_structures(primitive=False)[0]
files = {}
for name, s in [("ZnO", zno), ("SrTiO3", sto)]:
    fn = os.path.join(work, f"{name}.vasp")
    Poscar(s).write_file(fn)
    files[fn] = s
# VASP 4 (no species line), Cartesian coordinates with a negative scale (volume) and selective dynamics.
v4 = os.path.join(work, "SrTiO3_vasp4.POSCAR")
with open(v4, "w") as f:
    f.write("SrTiO3 vasp4\n1.0\n")
    for v in sto.lattice.matrix: f.write(" %.12f %.12f %.12f\n" % tuple(v))
    f.write("1 1 3\nDirect\n")
    for site in sorted(sto, key=lambda x: ["Sr", "Ti", "O"].index(x.specie.symbol)):
        f.write(" %.12f %.12f %.12f\n" % tuple(site.frac_coords))
cart = os.path.join(work, "ZnO_cart_volume.POSCAR")
with open(cart, "w") as f:
    f.write("ZnO cartesian, scale = -volume, selective dynamics\n%.12f\n" % (-zno.volume))
    half = zno.lattice.matrix * 0.5  # the scale factor must bring it back to the real cell
    for v in half: f.write(" %.12f %.12f %.12f\n" % tuple(v))
    f.write("Zn O\n2 2\nSelective dynamics\nCartesian\n")
    for site in sorted(zno, key=lambda x: x.specie.symbol != "Zn"):
        f.write(" %.12f %.12f %.12f T T F\n" % tuple(site.coords * 0.5))
# pymatgen 2022.11 multiplies Cartesian coordinates by the raw (negative) factor, which VASP does
# not: the volume-scaled file is compared with its source structure, a +2.0 scale with pymatgen.
cart2 = os.path.join(work, "ZnO_cart_scale2.POSCAR")
with open(cart) as f, open(cart2, "w") as g:
    lines = f.read().splitlines()
    lines[1] = "2.0"
    g.write("\n".join(lines) + "\n")
zs = sorted(zno, key=lambda x: x.specie.symbol != "Zn")
out = subprocess.run([probe, cart], check=True, capture_output=True, text=True).stdout
same_structure("POSCAR Cartesian, negative scale (volume), selective dynamics vs the source structure", json.loads(out), zno.lattice.matrix,
               [x.specie.Z for x in zs], [x.frac_coords for x in zs], tol=1e-7)
for fn in list(files) + [cart2]:
    out = subprocess.run([probe, fn], check=True, capture_output=True, text=True).stdout
    ref = Poscar.from_file(fn).structure
    same_structure(f"POSCAR {os.path.basename(fn)} vs pymatgen Poscar", json.loads(out), ref.lattice.matrix, [sp.Z for sp in ref.species], ref.frac_coords)
out = subprocess.run([probe, "-species", "Sr,Ti,O", v4], check=True, capture_output=True, text=True).stdout
ref = Poscar.from_file(v4, check_for_POTCAR=False, read_velocities=False)
ref = Structure(ref.structure.lattice, ["Sr", "Ti", "O", "O", "O"], ref.structure.frac_coords)
same_structure("POSCAR VASP 4 with -species vs pymatgen Poscar", json.loads(out), ref.lattice.matrix, [sp.Z for sp in ref.species], ref.frac_coords)

mol = Molecule(["C", "O", "O"], [[0, 0, 0], [0, 0, 1.16], [0, 0, -1.16]])
xyz = os.path.join(work, "co2.xyz")
XYZ(mol).write_file(xyz)
p = json.loads(subprocess.run([probe, xyz], check=True, capture_output=True, text=True).stdout)
refm = XYZ.from_file(xyz).molecule
ok = (not p["periodic"]) and p["Z"] == [sp.Z for sp in refm.species] and np.allclose(np.array(p["cart"]).reshape(-1, 3), refm.cart_coords, atol=1e-6)
print(f"{'ok  ' if ok else 'FAIL'} XYZ molecule vs pymatgen XYZ")
if not ok:
    fails.append("xyz molecule")
ext = os.path.join(work, "zno_ext.xyz")
with open(ext, "w") as f:
    f.write(f"{len(zno)}\nLattice=\"{' '.join('%.12f' % x for x in zno.lattice.matrix.ravel())}\" Properties=species:S:1:pos:R:3\n")
    for site in zno: f.write("%s %.12f %.12f %.12f\n" % (site.specie.symbol, *site.coords))
p = json.loads(subprocess.run([probe, ext], check=True, capture_output=True, text=True).stdout)
same_structure("extended XYZ (Lattice=) vs the source structure", p, zno.lattice.matrix, [sp.Z for sp in zno.species], zno.frac_coords)
mol_tab = os.path.join(work, "co2.csv")
subprocess.run([ms, "featurize", "structure", "-inputs", xyz, "-output", mol_tab, "-quiet"], check=True)
m = list(read_table(mol_tab).values())[0]
check("molecule: nearest-neighbour distance", m["nn_distance_min_A"], 1.16, 1e-9)
ok = math.isnan(m["density_g_cm3"]) and math.isnan(m["cn_voronoi_mean"])
print(f"{'ok  ' if ok else 'FAIL'} molecule: cell features are NaN")
if not ok:
    fails.append("molecule NaN")

print(f"{len(fails)} failure(s)" + (": " + "; ".join(fails) if fails else ""))
sys.exit(1 if fails else 0)
