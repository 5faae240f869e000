#!/usr/bin/env bash
# `matscreen segment`: option errors, TIFF/raw/HDF5 input, and the result checked with h5py:
# a 0/1 volume segmented at its own porosity without filtering is returned unchanged
# (threshold 0.5); raw grey input is segmented at the requested porosity; crop + resize shapes.
set -u
R="$MS_SOURCE_DIR/tests/run_expect.sh"
PY="${MS_PYTHON:-/usr/bin/python3}"
S1=("$MATSCREEN" segment)
S2=(mpiexec --oversubscribe -n 2 "$MATSCREEN" segment)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cd "$d"
fail=0
check() { "$R" "$@" || fail=1; }

check --stdout-has "-porosity" --stdout-has "-variance" --stdout-has "-crop" -- "${S1[@]}" -help
check --status 65 --stderr-has "cannot open TIFF file 'missing.tif'" --absent o.h5 -- "${S2[@]}" -input missing.tif -porosity 0.5 -output o.h5
check --status 95 --stderr-has "missing required option -porosity" -- "${S1[@]}" -input x.tif -output o.h5
check --status 95 --stderr-has "-porosity 1.5" -- "${S1[@]}" -input x.tif -porosity 1.5 -output o.h5
check --status 95 --stderr-has "needs -shape" -- "${S1[@]}" -input x.raw -porosity 0.5 -output o.h5
check --status 95 --stderr-has "-crop needs 6 integers" -- "${S1[@]}" -input x.tif -porosity 0.5 -crop 1,2,3 -output o.h5
check --status 95 --stderr-has "option -pore: unknown value 'grey' (choices: dark, bright)" -- "${S1[@]}" -input x.tif -porosity 0.5 -pore grey -output o.h5
check --status 95 --stderr-has "unknown or unused option: -varience" -- "${S1[@]}" -input x.tif -porosity 0.5 -varience 3 -output o.h5

check --exists m.h5 -- "$MATSCREEN" generate -size 48,40,32 -n_points 30 -radius 2.5 -seed 2 -output m.h5 -quiet
por=$("$PY" -c "import h5py; print(repr(float(h5py.File('m.h5')['volume'].attrs['porosity'])))")
check --exists s.h5 -- "${S2[@]}" -input m.h5 -variance 0 -porosity "$por" -output s.h5
check --status 95 --stderr-has "does not fit" --absent c.h5 -- "${S2[@]}" -input m.h5 -porosity 0.5 -crop 10,0,0,40,40,32 -output c.h5
check --exists c.h5 -- "${S2[@]}" -input m.h5 -variance 3 -porosity 0.7 -crop 8,4,2,32,32,24 -resize 16 -output c.h5
# raw grey bytes: pore = dark; 30 % of the voxels at grey 40 +- noise, the rest at 200
"$PY" -c "
import numpy as np
rng = np.random.default_rng(1)
g = np.where(rng.random((20, 24, 28)) < 0.3, 40, 200) + rng.normal(0, 5, (20, 24, 28))
np.clip(g, 0, 255).astype(np.uint8).tofile('g.raw')"
# the same grey stack as a baseline multi-page TIFF written without libtiff (independent writer)
"$PY" - <<'PY'
import struct, numpy as np
g = np.fromfile("g.raw", dtype=np.uint8).reshape(20, 24, 28)
with open("g.tif", "wb") as f:
    f.write(b"II*\x00" + struct.pack("<I", 8))
    for z in range(20):
        off = f.tell() + 2 + 9 * 12 + 4
        tags = [(256, 4, 28), (257, 4, 24), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, off), (277, 3, 1), (278, 4, 24), (279, 4, 28 * 24)]
        f.write(struct.pack("<H", len(tags)))
        for tag, typ, val in tags:
            f.write(struct.pack("<HHI", tag, typ, 1) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val)))
        f.write(struct.pack("<I", off + 28 * 24 if z < 19 else 0))
        f.write(g[z].tobytes())
PY
check --exists r.h5 -- "${S2[@]}" -input g.raw -shape 28,24,20 -variance 0 -porosity 0.3 -output r.h5
check --exists rt.h5 -- "${S2[@]}" -input g.tif -variance 1.5 -porosity 0.3 -output rt.h5
check --exists rr.h5 -- "${S1[@]}" -input g.raw -shape 28,24,20 -variance 1.5 -porosity 0.3 -output rr.h5
check --status 95 --stderr-has "-shape is for raw input" -- "${S1[@]}" -input g.tif -shape 28,24,20 -porosity 0.3 -output o.h5
check --exists rb.h5 -- "${S1[@]}" -input g.raw -shape 28,24,20 -variance 0 -porosity 0.7 -pore bright -output rb.h5
"$PY" - <<'PY' || fail=1
import h5py, numpy as np, sys
ok = True
def req(c, what):
    global ok
    if not c: print("FAIL:", what); ok = False
m = h5py.File("m.h5")["volume"][...]; s = h5py.File("s.h5")["volume"]
req((s[...] == m).all(), "0/1 volume at its own porosity is unchanged")
req(abs(float(s.attrs["threshold"]) - 0.5) < 1e-12, f"threshold 0.5, got {s.attrs['threshold']}")
req("m.h5" in str(s.attrs["source"]), "source attribute")
c = h5py.File("c.h5")["volume"]
req(c.shape == (16, 16, 16), f"crop+resize shape {c.shape}")
req(abs(float(c.attrs["segmented_porosity"]) - 0.7) < 1e-4, "segmented porosity before crop = target")
g = np.fromfile("g.raw", dtype=np.uint8).reshape(20, 24, 28)
r = h5py.File("r.h5")["volume"]
# integer grey levels tie: the porosity is matched to within the voxels of one grey level
def one_level(t):
    lo, hi = g[g < t].max(), g[g > t].min()
    return max((g == lo).sum(), (g == hi).sum()) / g.size
t = float(r.attrs["threshold"])
req(abs((r[...] == 0).mean() - 0.3) <= one_level(t), f"raw porosity {(r[...] == 0).mean()}, threshold {t}")
truth = g < 120
req(((r[...] == 0) == truth).mean() > 0.99, "raw segmentation agrees with the truth")
req((h5py.File("rt.h5")["volume"][...] == h5py.File("rr.h5")["volume"][...]).all(), "TIFF and raw input (2 vs 1 rank, filtered) give the same segmentation")
rb = h5py.File("rb.h5")["volume"]
req(abs((rb[...] == 0).mean() - 0.7) <= one_level(float(rb.attrs["threshold"])), "bright pores porosity")
req(((rb[...] == 0) == ~truth).mean() > 0.99, "bright pores are the bright voxels")
sys.exit(0 if ok else 1)
PY
exit $fail
