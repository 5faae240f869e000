#!/usr/bin/env bash
# Latent-space findings of a small generated set (issue 11 item 3/7): `latent` on the two-point
# PCA of `describe` (or, with LATENT=latent.h5 from `vae encode` of the same batch, on a VAE's
# latent means). Prints JSON lines: the porosity component and its r, the stretch plane, the
# angles between the x, y, z branches in that plane (the seed: about 120 degrees), how the
# distance from the isotropic centre follows the stretch, and `latent` wall time on 1 and 2 ranks.
# usage: benchmarks/latent/run.sh [N=400] [WORKDIR]   (env MATSCREEN, MPIEXEC)
set -eu
N=${1:-400}
W=${2:-$(mktemp -d)}
mkdir -p "$W"
M=${MATSCREEN:-build/bin/matscreen}
MPI=${MPIEXEC:-mpiexec}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# a WORKDIR of an earlier run keeps its structures and descriptors (e.g. to add LATENT= later)
[[ -f "$W/s.h5" ]] || "$M" generate -batch "$N" -size 48 -resize 32 -n_points_range 20,120 -radius_range 2,3.5 -stretch_axis random \
  -stretch_range 0.5,1 -seed 1 -output "$W/s.h5" >/dev/null
[[ -f "$W/d.h5" ]] || "$M" describe -input "$W/s.h5" -fit_pca 8 -output "$W/d.h5" >/dev/null
rm -f "$W/l1.h5" "$W/l2.h5"
D=${LATENT:-$W/d.h5}
t0=$(date +%s.%N); "$M" latent -descriptors "$D" -structures "$W/s.h5" -output "$W/l1.h5" -plot "$W/scores.png" >/dev/null; t1=$(date +%s.%N)
"$MPI" -n 2 "$M" latent -descriptors "$D" -structures "$W/s.h5" -output "$W/l2.h5" >/dev/null; t2=$(date +%s.%N)
/usr/bin/python3 - "$W" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" <<'PY'
import json, sys
import h5py, numpy as np
w, s1, s2 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
f = h5py.File(f"{w}/l1.h5")
d = f["diagnostics"]
a, b, pp = d.attrs["stretch_pc_a"] - 1, d.attrs["stretch_pc_b"] - 1, d.attrs["porosity_pc"] - 1
names = [n.decode() if isinstance(n, bytes) else n for n in f["scores/features"].attrs["column_names"]]
X = f["scores/features"][:]
axis, inten = X[:, names.index("stretch_axis")], X[:, names.index("intensity")]
P = X[:, [a, b]]
c = P[axis == -1].mean(0)
ang, follow = {}, {}
for k, nm in enumerate("xyz"):
    m = axis == k
    v = (P[m] - c).mean(0)
    ang[nm] = float(np.degrees(np.arctan2(v[1], v[0])))
    follow[nm] = float(np.corrcoef(np.linalg.norm(P[m] - c, axis=1), 1 - inten[m])[0, 1])
sep = {}
for p, q in ["xy", "yz", "zx"]:
    t = abs(ang[p] - ang[q]) % 360
    sep[p + q] = round(min(t, 360 - t), 1)
print(json.dumps({"n": int(len(X)), "descriptors": int(f["latent_pca"]["mean"].shape[0]), "n_components_95": int(d.attrs["n_components_variance"]),
                  "porosity_pc": int(pp + 1), "r_porosity": round(float(d["correlation"][pp, 0]), 4),
                  "stretch_plane": [int(a + 1), int(b + 1)], "branch_separation_deg": sep,
                  "r_distance_vs_stretch": {k: round(v, 3) for k, v in follow.items()}}))
print(json.dumps({"latent_wall_s_1rank": round(s1, 3), "latent_wall_s_2ranks": round(s2, 3), "machine": "loaded"}))
PY
echo "scores plot: $W/scores.png" >&2
