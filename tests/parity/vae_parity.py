#!/usr/bin/env python3
"""The whole VAE (ml/vae/ms_vae.h) vs the same network in PyTorch.

probe_vae writes a small VAE's flat parameters (per layer weight then bias, PyTorch layouts,
the order of nn.Sequential.parameters()), three 16^3 inputs, the noise eps, our mean BCE and KL
and the gradient of their mean (computed in two oneDNN calls of 2 + 1 structures). The torch
model (benchmarks/vae/torch_vae.py's architecture) loads the parameters, uses the same eps, and
BCE, KL and every gradient must agree: BCE to 1e-5, KL to 1e-4 (near 0 at initialisation, its
terms 1 + lv - mu^2 - e^lv cancel; torch sums them in f32, we in double), gradient to 1e-4 of each layer's largest
entry (f32, different summation order through 9 layers).
usage: vae_parity.py PROBE_VAE_EXE
"""
import subprocess
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
subprocess.run([sys.argv[1], "vae_case.h5"], check=True)
with h5py.File("vae_case.h5") as f:
    size, nconv, c0, c1, c2, hidden, latent, n = (int(v) for v in f.attrs["size_nconv_c0_c1_c2_hidden_latent_n"])
    P, X, E, G, BK = (f[k][:] for k in ("params", "x", "eps", "grad", "bce_kl_mean"))
chans = [c0, c1, c2][:nconv]
m = size >> nconv
flat = chans[-1] * m ** 3
enc, cin = [], 1
for c in chans:
    enc += [nn.Conv3d(cin, c, 4, 2, 1), nn.ReLU()]
    cin = c
enc += [nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent)]
dec = [nn.Linear(latent, flat), nn.ReLU(), nn.Unflatten(1, (chans[-1], m, m, m))]
for i in range(nconv - 1, -1, -1):
    dec += [nn.ConvTranspose3d(chans[i], chans[i - 1] if i else 1, 4, 2, 1)] + ([nn.ReLU()] if i else [])
enc, dec = nn.Sequential(*enc), nn.Sequential(*dec)
params = list(enc.parameters()) + list(dec.parameters())
off = 0
for p in params:
    p.data = torch.tensor(P[off:off + p.numel()].reshape(p.shape))
    off += p.numel()
assert off == len(P), (off, len(P))
x = torch.tensor(X.reshape(n, 1, size, size, size))
eps = torch.tensor(E.reshape(n, latent))
h = enc(x)
mu, lv = h[:, :latent], h[:, latent:]
logits = dec(mu + torch.exp(0.5 * lv) * eps)
bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
kl = -0.5 * torch.sum(1 + lv - mu * mu - torch.exp(lv)) / n
(bce + kl).backward()
bad = 0
for name, ours, ref in (("bce", BK[0], bce.item()), ("kl", BK[1], kl.item())):
    err = abs(ours - ref) / abs(ref)
    print(f"{name}: ours {ours:.8g} torch {ref:.8g} rel err {err:.2e}")
    bad += not err <= (1e-5 if name == "bce" else 1e-4)
off = 0
for i, p in enumerate(params):
    g = p.grad.numpy().ravel()
    ours = G[off:off + p.numel()]
    off += p.numel()
    err = np.abs(ours - g).max() / max(np.abs(g).max(), 1e-30)
    ok = err <= 1e-4 and np.abs(g).max() > 0
    print(f"param {i:2d} {tuple(p.shape)}: max rel err {err:.2e} {'ok' if ok else 'FAIL'}")
    bad += not ok
print("vae_parity:", "FAILED" if bad else "ok")
sys.exit(1 if bad else 0)
