#!/usr/bin/env bash
# CLI of `matscreen tortuosity`: outputs, exit statuses and messages users see.
# usage: tortuosity.sh MPIEXEC...   (env MATSCREEN, MS_SOURCE_DIR, MS_PYTHON from CTest)
set -u
RUN="$MS_SOURCE_DIR/tests/run_expect.sh"
MPI=("$@")
M="$MATSCREEN"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
bad=0
check() { "$RUN" "$@" || bad=1; }

# Volumes: a wall across x (percolates along y and z only), an open box as raw bytes.
"$MS_PYTHON" - "$W" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
v = np.zeros((6, 7, 10), dtype=np.uint8); v[:, :, 5] = 1          # h5py shape (nz, ny, nx)
with h5py.File(f"{w}/wall.h5", "w") as f:
    f.create_dataset("volume", data=v); f.create_dataset("other/vol", data=np.zeros((4, 4, 4), np.uint8))
np.zeros((5, 4, 6), dtype=np.uint8).tofile(f"{w}/box.raw")        # nx 6, ny 4, nz 5
# The wall as a baseline TIFF stack (one uncompressed 8-bit page per z-plane), written by hand
# because neither PIL nor tifffile is a Debian dependency here.
import struct
pages, out, offs = v, bytearray(b"II*\0\0\0\0\0"), []
for z, page in enumerate(pages):
    data_off = len(out); out += page.tobytes()
    ifd_off = len(out); offs.append(ifd_off)
    h, wdt = page.shape
    tags = [(256, 3, 1, wdt), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, data_off), (277, 3, 1, 1), (278, 3, 1, h), (279, 4, 1, h * wdt)]
    out += struct.pack("<H", len(tags))
    for t, typ, cnt, val in tags:
        out += struct.pack("<HHI", t, typ, cnt) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val))
    out += b"\0\0\0\0"
struct.pack_into("<I", out, 4, offs[0])
for a, b in zip(offs, offs[1:]):
    n = struct.unpack_from("<H", out, a)[0]
    struct.pack_into("<I", out, a + 2 + 12 * n, b)
open(f"{w}/wall.tif", "wb").write(bytes(out))
PY

# A non-percolating axis is a result: tau = inf, clear message, exit 0, file written.
check --stdout-has "tortuosity x: tau inf (not percolating" --stdout-has "tortuosity y: tau 1.000000" --exists "$W/wall_out.h5" \
  -- "${MPI[@]}" "$M" tortuosity -input "$W/wall.h5" -output "$W/wall_out.h5"
"$MS_PYTHON" - "$W/wall_out.h5" <<'PY' || bad=1
import sys, h5py, math
f = h5py.File(sys.argv[1], "r")
x, y = f["tortuosity/x"], f["tortuosity/y"]
ok = (math.isinf(x["tau"][()]) and x["percolates"][()] == 0 and x["iterations"][()] == 0
      and x["percolating_porosity"][()] == 0 and abs(x["porosity"][()] - 0.9) < 1e-15
      and abs(y["tau"][()] - 1) < 1e-6 and abs(y["effective_conductivity"][()] - 0.9) < 1e-6
      and x.attrs["status"].startswith("not percolating") and f["tortuosity"].attrs["phase"] == 0
      and "command_line" in f.attrs)
for k in ("tau", "porosity", "percolating_porosity", "effective_conductivity", "current_mismatch", "plane_mismatch", "iterations"):
    ok = ok and k in f["tortuosity/z"]
print("wall_out.h5 layout", "ok" if ok else "WRONG"); sys.exit(0 if ok else 1)
PY

# Raw input with -shape, one axis, solver options passed through to PETSc.
check --stdout-has "tortuosity z: tau 1.000000" --stdout-has "(cg/jacobi)" \
  -- "${MPI[@]}" "$M" tortuosity -input "$W/box.raw" -shape 6,4,5 -axis z -pc_type jacobi
check --stdout-has "(cg/hypre)" -- "$M" tortuosity -input "$W/wall.h5" -axis y -pc_type hypre
check --stdout-has "tortuosity x: tau 1.000000" -- "$M" tortuosity -input "$W/wall.h5" -dataset /other/vol -axis x
# -phase 1: the wall itself conducts along y and z (a slab parallel to the flow: tau = 1).
check --stdout-has "tortuosity z: tau 1.000000 porosity 0.100000" -- "${MPI[@]}" "$M" tortuosity -input "$W/wall.h5" -axis z -phase 1

# Errors: one clear message, non-zero exit, no output left behind (1 rank where the
# message is all that is checked; 2 ranks where both ranks must leave).
# The same wall from a TIFF stack (2 ranks: each reads its own pages).
check --stdout-has "tortuosity x: tau inf (not percolating" --stdout-has "tortuosity z: tau 1.000000 porosity 0.900000" \
  -- "${MPI[@]}" "$M" tortuosity -input "$W/wall.tif"
check --fail --stderr-has "missing.tif" --absent "$W/o.h5" \
  -- "${MPI[@]}" "$M" tortuosity -input "$W/missing.tif" -output "$W/o.h5"
check --fail --stderr-has "raw bytes need -shape nx,ny,nz" -- "$M" tortuosity -input "$W/box.raw"
check --fail --stderr-has "-shape 6,4,6 needs 144" -- "$M" tortuosity -input "$W/box.raw" -shape 6,4,6
check --fail --stderr-has "-phase and -conductivities exclude each other" \
  -- "$M" tortuosity -input "$W/wall.h5" -phase 1 -conductivities 1,0.5
check --fail --stderr-has "missing required option -input" -- "$M" tortuosity
check --fail --stderr-has "-ksp_typo" --absent "$W/o.h5" \
  -- "${MPI[@]}" "$M" tortuosity -input "$W/wall.h5" -axis y -ksp_typo 3 -output "$W/o.h5"
check --fail --stderr-has "-axis" -- "$M" tortuosity -input "$W/wall.h5" -axis w
check --fail --stderr-has "conductivity of voxel value 1 is -1" \
  -- "$M" tortuosity -input "$W/wall.h5" -conductivities 1,-1
check --stdout-has "-mismatch_tol" -- "$M" tortuosity -help
exit $bad
