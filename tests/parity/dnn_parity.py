#!/usr/bin/env python3
"""oneDNN layers (ml/nn/ms_dnn.h) vs PyTorch on the same weights.

Runs the C test test_dnn_layers with an output path: it writes, per case, the input x, the
weights W and bias b (PyTorch's layouts: Conv3d.weight, ConvTranspose3d.weight, Linear.weight),
a random cotangent r, and its forward output y and gradients dx, dW, db of sum(r * y). The same
layer is rebuilt in torch (float32), run forward and backward with r, and every array must agree
to 1e-5 relative to its largest magnitude (f32 sums in another order).
usage: dnn_parity.py TEST_DNN_LAYERS_EXE
"""
import subprocess
import sys

import h5py
import numpy as np
import torch

torch.set_num_threads(1)
exe = sys.argv[1]
subprocess.run([exe, "dnn_cases.h5"], check=True)
KIND = {0: "conv", 1: "deconv", 2: "dense"}
ACT = {0: lambda t: t, 1: torch.relu, 2: torch.sigmoid}
bad = 0
with h5py.File("dnn_cases.h5", "r") as f:
    names = sorted(f.keys(), key=lambda s: int(s.split("_")[1]))
    assert len(names) >= 16, names   # 8 cases with plain layouts, 8 with blocked (case_100...)
    for name in names:
        g = f[name]
        kind, act, ic, oc, d, h, w, k, stride, pad, n = (int(v) for v in g.attrs["kind_act_ic_oc_in3_k_stride_pad_n"])
        a = {key: np.asarray(g[key], dtype=np.float32) for key in g}
        if KIND[kind] == "dense":
            x = torch.tensor(a["x"].reshape(n, ic), requires_grad=True)
            W = torch.tensor(a["W"].reshape(oc, ic), requires_grad=True)
            z = torch.nn.functional.linear(x, W, None)
        else:
            x = torch.tensor(a["x"].reshape(n, ic, d, h, w), requires_grad=True)
            if KIND[kind] == "conv":
                W = torch.tensor(a["W"].reshape(oc, ic, k, k, k), requires_grad=True)
                z = torch.nn.functional.conv3d(x, W, None, stride=stride, padding=pad)
            else:
                W = torch.tensor(a["W"].reshape(ic, oc, k, k, k), requires_grad=True)
                z = torch.nn.functional.conv_transpose3d(x, W, None, stride=stride, padding=pad)
        b = torch.tensor(a["b"], requires_grad=True)
        z = z + b.reshape((1, oc) + (1,) * (z.dim() - 2))
        y = ACT[act](z)
        r = torch.tensor(a["r"].reshape(y.shape))
        (y * r).sum().backward()
        for key, ref in (("y", y.detach()), ("dx", x.grad), ("dW", W.grad), ("db", b.grad)):
            ref = ref.numpy().ravel()
            ours = a[key]
            assert ours.shape == ref.shape, (name, key, ours.shape, ref.shape)
            scale = max(np.abs(ref).max(), 1e-30)
            err = np.abs(ours - ref).max() / scale
            ok = err <= 1e-5
            bad += not ok
            print(f"{name} {KIND[kind]:6s} act={act} {key:2s} max rel err {err:.2e} {'ok' if ok else 'FAIL'}")
print("dnn_parity:", "FAILED" if bad else "ok")
sys.exit(1 if bad else 0)
