#!/usr/bin/env python3
"""Write the seed inputs of the fuzz corpora (tests/fuzz/corpus/<target>/seed_*).

Small valid inputs and edge cases, a few KB in all; the fuzzer's minimised findings are
committed next to them (named by their SHA-1). Run from anywhere: python3 make_seeds.py
"""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# CSV: the first byte also selects the reader options in fuzz_csv.c (see there).
put("csv", "reg", "id,x1,x2,x3,y\na,1,2,3,4.5\nb,2,3.5,1e-3,-1\nc,3,nan,4,5\n")
put("csv", "cls", "# comment\nid,x1,x3,phase\n1,0.5,1,alpha\n2,1.5,2,beta\n\n3,2.5,,gamma\n")
put("csv", "quotes", 'x1,"x,2",y\n"1",2,"3"\n"4","5 ",6\n"a ""q""",7,8\n')
put("csv", "crlf", "x1,x2,y\r\n1,2,3\r\n4,5,6\r\n")
put("csv", "params", "n_points,radius,stretch_z,seed\n25,2.0,0.6,11\n40,1.5,1.0,12\n")
put("csv", "ragged", "x1,x2,y\n1,2\n3,4,5,6\n")
put("csv", "header_only", "x1,x2,y\n")
put("csv", "multiline", 'x1,name,y\n1,"two\nlines",3\n2,"x",4\n')
put("csv", "numbers", "x1,x2,y\n-0,+1.5e300,inf\n1e-320,-inf,0x10\n 7 , 8,9\n")

# Options: command-line tails as the commands get them.
put("options", "membrane", "-size 28 -n_points 40 -radius 2.5 -stretch 1,0.75,1 -seed 5 -shift 1,2,3")
put("options", "ranges", "-n_points_range 40,170 -radius_range 1.5,2.5 -stretch_axis random -stretch_range 0.6,1")
put("options", "cv_grid", "-models linear,ridge,rf -cv_grid ridge_alpha=0.1,1,10 -ridge_alpha 0.5")
put("options", "gpr", "-models gpr -gpr_kernel matern52_ard -gpr_length_scale 1,2 -gpr_bounds 1e-3,1e3 -gpr_restarts 2")
put("options", "forest", "-models rf,tree -rf_max_features 0.5 -rf_n_trees 5 -tree_max_depth 3 -cv_grid rf_n_trees=5,10")
put("options", "logreg", "-models logreg -logreg_C 2 -logreg_penalty elasticnet -logreg_l1_ratio 0.3 -pca_n_components 2 -pca_grid row")
put("options", "quoted", "-models 'ridge' -cv_grid \"ridge_alpha=1e-3,1e3\" -size 10,20,30 -ksp_rtol 1e-8 -unknown")

# TIFF: a minimal little-endian baseline TIFF, 8-bit greyscale, one strip per page.
def tiff(pages, w, h, photometric=1, bits=8):
    out = bytearray(b"II*\x00" + struct.pack("<I", 0))
    ifd_offsets = []
    for p in range(pages):
        pix = bytes((x * 17 + y * 5 + p) & 255 for y in range(h) for x in range(w))
        data_off = len(out)
        out += pix
        if len(out) % 2: out += b"\x00"
        tags = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, bits), (259, 3, 1, 1), (262, 3, 1, photometric),
                (273, 4, 1, data_off), (277, 3, 1, 1), (278, 3, 1, h), (279, 4, 1, len(pix))]
        ifd_offsets.append(len(out))
        out += struct.pack("<H", len(tags))
        for tag, typ, cnt, val in tags:
            out += struct.pack("<HHI", tag, typ, cnt) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val))
        out += struct.pack("<I", 0)
    struct.pack_into("<I", out, 4, ifd_offsets[0])
    for a, b in zip(ifd_offsets, ifd_offsets[1:]):
        n = struct.unpack_from("<H", out, a)[0]
        struct.pack_into("<I", out, a + 2 + 12 * n, b)
    return bytes(out)

put("tiff", "stack3", tiff(3, 6, 4))
put("tiff", "one_page", tiff(1, 5, 5))
put("tiff", "miniswhite", tiff(2, 4, 3, photometric=0))
put("tiff", "16bit", tiff(1, 4, 4, bits=16))

# HDF5: programs for fuzz_h5.c's encoding (opcode %4: 0 dataset, 1 attribute, 2 group, 3 link;
# dataset: name, rank, type, dims (index into 0,1,2,3,5,16,1,2^62); top bit of byte 0: also
# load through the path-based loaders). Names: 0 features 1 target 2 labels 3 ids 4 volume
# 8 /labels/x1 9 /labels/tau 10 /labels/done. Attributes: 0 column_names 1 name 2 class_names
# 3 voxel_size. Types: 0 f64 2 i64 4 u8 8 fixed string (size, pad) 9 variable string.
FEAT = [0x80, 0, 2, 0, 4, 3]                      # features float64 (5, 3)
COLS = [1, 1, 0, 0, 8, 3, 0, 1, 3, 0]              # column_names: 3 fixed strings of 4
TARGET = [0, 1, 1, 0, 4, 1, 1, 1, 1, 9, 0, 5]      # target (5) + name (variable string)
put("h5", "table", bytes(FEAT + COLS + TARGET) + b"x1abx2cdx3efytau")
put("h5", "table_ids", bytes(FEAT + COLS + [0, 3, 1, 8, 4, 1, 4]) + b"id-0id-1id-2id-3id-4")
put("h5", "classes", bytes(FEAT + [0, 2, 1, 2, 4, 1, 1, 2, 1, 9, 0, 5, 1, 1, 2, 2, 8, 5, 0, 1, 2, 0]) + b"phasealphabeta")
put("h5", "volume", bytes([0x80, 4, 3, 4, 4, 4, 4, 1, 1, 4, 3, 0, 0]) + bytes(range(40)))
put("h5", "columns", bytes([0x90, 8, 1, 0, 4, 0, 9, 1, 0, 4, 0, 10, 1, 2, 4]) + bytes(range(64)))
put("h5", "huge", bytes([0x80, 0, 2, 0, 7, 2, 0, 4, 3, 4, 7, 1, 1]))
put("h5", "links", bytes([2, 0, 3, 0, 1, 1, 3, 4, 0, 0, 0, 0, 2, 0, 4]))
