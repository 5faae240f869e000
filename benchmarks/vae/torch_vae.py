#!/usr/bin/env python3
"""PyTorch (CPU) peer of `matscreen vae train`: the same architecture (Table 4.3 with the given
size, widths, hidden and latent), loss (BCE summed over voxels from logits + KL), Adam, batch
and thread count, on the same structures file. Prints one JSON line: structures/s (median epoch
after the first, training steps + validation loss, like matscreen's epoch_seconds) and peak RSS.
usage: torch_vae.py FILE.h5 SIZE C1,C2,.. HIDDEN LATENT BATCH EPOCHS THREADS
"""
import json
import resource
import statistics
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

path, size, chans, hidden, latent, batch, epochs, threads = sys.argv[1:9]
size, hidden, latent, batch, epochs, threads = (int(v) for v in (size, hidden, latent, batch, epochs, threads))
chans = [int(c) for c in chans.split(",")]
torch.set_num_threads(threads)
torch.manual_seed(0)
with h5py.File(path, "r") as f:
    g = f["structures"]
    X = np.stack([g[k][:] for k in sorted(g.keys())]).astype(np.float32)[:, None]
n = len(X)
perm = np.random.default_rng(0).permutation(n)
ntr, nva = int(round(0.8 * n)), int(round(0.1 * n))
Xtr, Xva = torch.from_numpy(X[perm[:ntr]]), torch.from_numpy(X[perm[ntr:ntr + nva]])
m = size >> len(chans)
flat = chans[-1] * m ** 3


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        enc, c0 = [], 1
        for c in chans:
            enc += [nn.Conv3d(c0, c, 4, 2, 1), nn.ReLU()]
            c0 = c
        enc += [nn.Flatten()]
        if hidden:
            enc += [nn.Linear(flat, hidden), nn.ReLU()]
        enc += [nn.Linear(hidden or flat, 2 * latent)]
        self.enc = nn.Sequential(*enc)
        dec = [nn.Linear(latent, flat), nn.ReLU(), nn.Unflatten(1, (chans[-1], m, m, m))]
        for i in range(len(chans) - 1, -1, -1):
            dec += [nn.ConvTranspose3d(chans[i], chans[i - 1] if i else 1, 4, 2, 1)]
            if i:
                dec += [nn.ReLU()]
        self.dec = nn.Sequential(*dec)

    def loss(self, x):
        h = self.enc(x)
        mu, lv = h[:, :latent], h[:, latent:]
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        logits = self.dec(z)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + lv - mu * mu - torch.exp(lv))
        return bce + kl


model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-5, betas=(0.9, 0.999), eps=1e-8)
times = []
for e in range(epochs):
    t0 = time.perf_counter()
    order = torch.randperm(ntr)
    for b0 in range(0, ntr, batch):
        xb = Xtr[order[b0:b0 + batch]]
        opt.zero_grad()
        loss = model.loss(xb) / len(xb)
        loss.backward()
        opt.step()
    with torch.no_grad():
        for b0 in range(0, nva, batch):
            model.loss(Xva[b0:b0 + batch])
    times.append(time.perf_counter() - t0)
t = statistics.median(times[1:]) if len(times) > 1 else times[0]
print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "size": size, "channels": chans, "hidden": hidden, "latent": latent,
                  "batch": batch, "threads": threads, "ranks": 1, "n_train": ntr, "epochs": epochs,
                  "structures_per_s": round(ntr / t, 3), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
