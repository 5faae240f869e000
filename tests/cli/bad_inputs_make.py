#!/usr/bin/python3
"""Write the malformed inputs of tests/cli/bad_inputs.sh into the directory argv[1]."""
import os, sys
import numpy as np, h5py

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
P = lambda n: os.path.join(d, n)
def w(name, data):
    with open(P(name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)

# --- CSV ---
good = "x1,x2,y\n1,2,3\n4,5,6.5\n7,8,9\n"
w("good.csv", good)
w("empty.csv", "")
w("header_only.csv", "x1,x2,y\n")
w("comments_only.csv", "# nothing\n# here\n")
w("ragged_long.csv", "x1,x2,y\n1,2,3\n4,5,6,7\n")
w("ragged_short.csv", "x1,x2,y\n1,2,3\n4,5\n")
w("dup_names.csv", "x1,x1,y\n1,2,3\n4,5,6\n")
w("empty_name.csv", "x1,,y\n1,2,3\n")
w("nan_feature.csv", "x1,x2,y\n1,2,3\n4,nan,6\n")
w("inf_feature.csv", "x1,x2,y\n1,2,3\n4,-inf,6\n")
w("missing_cell.csv", "x1,x2,y\n1,2,3\n4,,6\n")
w("hex_float.csv", "x1,x2,y\n1,2,3\n0x1p3,5,6\n")
w("nan_payload.csv", "x1,x2,y\n1,2,3\n4,nan(7),6\n")
w("trailing_junk.csv", "x1,x2,y\n1,2,3\n4,5.5abc,6\n")
w("bare_exponent.csv", "x1,x2,y\n1,2,3\n4,1e,6\n")
w("double_sign.csv", "x1,x2,y\n1,2,3\n4,--1,6\n")
w("inner_space.csv", "x1,x2,y\n1,2,3\n4,1 2,6\n")
w("decimal_comma.csv", 'x1,x2,y\n1,2,3\n4,"1,5",6\n')
w("nul_cell.csv", b"x1,x2,y\n1,2,3\n4,5\x00garbage,6\n")
w("utf16.csv", "x1,x2,y\n1,2,3\n".encode("utf-16"))
rng = np.random.default_rng(7)
w("garbage.csv", bytes(rng.integers(0, 256, 4096, dtype=np.uint8)))
w("unterminated.csv", 'x1,x2,y\n1,2,3\n4,"5,6\n7,8,9\n')
w("after_quote.csv", 'x1,x2,y\n1,2,3\n4,"5"x,6\n')
w("huge_line.csv", "x1,x2,y\n1,2,3\n" + "9" * 3_000_000 + "a,2,3\n")
w("huge_row.csv", "x1,x2,y\n1,2,3\n" + ",".join(["1"] * 200_000) + "\n")
w("text_target.csv", "x1,x2,y\n1,2,3\n4,5,six\n")
w("bom.csv", "\ufeffx1,x2,y\n1,2,3\n4,5,6.5\n7,8,9\n")
w("crlf.csv", good.replace("\n", "\r\n"))
w("bom_dup.csv", "\ufeffx1,x1,y\n1,2,3\n")

# --- HDF5 tables ---
def table(name, X, names=("x1", "x2"), y=None, **kw):
    with h5py.File(P(name), "w") as f:
        if X is not None:
            f["features"] = X
            if names is not None:
                f["features"].attrs["column_names"] = list(names)
        if y is not None:
            f["target"] = y
            f["target"].attrs["name"] = "y"
X = np.arange(6.0).reshape(3, 2)
table("good.h5", X, y=np.array([1.0, 2.0, 3.0]))
w("not_hdf5.h5", good)
w("empty.h5", "")
raw = open(P("good.h5"), "rb").read()
w("truncated.h5", raw[: len(raw) // 2])
table("no_features.h5", None)
table("string_features.h5", np.array([[b"a", b"b"], [b"c", b"d"]]))
table("rank1_features.h5", np.arange(3.0), names=("x1",))
table("rank3_features.h5", np.ones((2, 2, 2)))
table("rank32_target.h5", np.ones((1, 2)), y=np.ones((1,) * 32))
table("zero_rows.h5", np.zeros((0, 2)))
table("names_mismatch.h5", X, names=("a", "b", "c"))
table("target_length.h5", X, y=np.array([1.0, 2.0]))

# --- volumes ---
def vol(name, V):
    with h5py.File(P(name), "w") as f:
        f["volume"] = V
n = 12
vol("all_solid.h5", np.ones((n, n, n), np.uint8))
vol("all_pore.h5", np.zeros((n, n, n), np.uint8))
vol("one_voxel_thick.h5", np.zeros((1, n, n), np.uint8))
vol("float_volume.h5", np.zeros((n, n, n), np.float64) + 0.5)
vol("rank2_volume.h5", np.zeros((n, n), np.uint8))
vol("constant_grey.h5", np.full((n, n, n), 7, np.uint8))
with h5py.File(P("other_name.h5"), "w") as f:
    f["voxels"] = np.zeros((n, n, n), np.uint8)
w("short.raw", bytes(100))
w("not_tiff.tif", "II*\0 this is not a TIFF")
w("empty.tif", "")
# A valid 2-page 8x8 grey TIFF (little endian, uncompressed), then truncated inside the data.
def tiff(pages, nx=8, ny=8):
    import struct
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for p in range(pages):
        ifd_at = len(out)
        entries = 8
        data_at = ifd_at + 2 + entries * 12 + 4
        nxt = 0 if p == pages - 1 else data_at + nx * ny
        tags = [(256, 3, 1, nx), (257, 3, 1, ny), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
                (273, 4, 1, data_at), (278, 3, 1, ny), (279, 4, 1, nx * ny)]
        out += struct.pack("<H", entries)
        for t, ty, c, v in tags:
            out += struct.pack("<HHI", t, ty, c) + (struct.pack("<HH", v, 0) if ty == 3 else struct.pack("<I", v))
        out += struct.pack("<I", nxt)
        out += bytes((i * 37 + p) % 256 for i in range(nx * ny))
    return bytes(out)
t = tiff(2)
w("truncated.tif", t[: len(t) - 40])
w("one_page.tif", tiff(1))
