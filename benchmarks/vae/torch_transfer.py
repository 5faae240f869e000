#!/usr/bin/env python3
"""PyTorch (CPU) peer of `matscreen vae transfer`: the same encoder (weights of the trained VAE,
/vae/params in PyTorch's layer order), head (Dense H ReLU, Dense H ReLU, Dense 1; Xavier-uniform,
zero biases, L2 on the head's weights), MSE + Adam, offset = training mean, epochs, batch and
threads, both strategies per repeat (transfer: frozen encoder, mu computed once; scratch: the
encoder re-initialised and trained). Its random streams are torch's/numpy's, so its MSEs match
matscreen's in distribution, not digit for digit. Prints one JSON line (wall time, MSE table).
usage: torch_transfer.py VAE.h5 DATA.h5 LABELS.csv C1,C2,.. HIDDEN LATENT N_TRAIN REPEATS EPOCHS BATCH LR THREADS
"""
import json
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn

vae, data, labels, chans, hidden, latent, n_train, repeats, epochs, batch, lr, threads = sys.argv[1:13]
chans = [int(c) for c in chans.split(",")]
hidden, latent, n_train, repeats, epochs, batch, threads = (int(v) for v in (hidden, latent, n_train, repeats, epochs, batch, threads))
lr, H, l2 = float(lr), 64, 1e-5
torch.set_num_threads(threads)
torch.manual_seed(0)
with h5py.File(data, "r") as f:
    g = f["structures"]
    X = torch.from_numpy(np.stack([g[k][:] for k in sorted(g.keys())]).astype(np.float32)[:, None])
with h5py.File(vae, "r") as f:
    P = f["vae/params"][:]
tab = np.genfromtxt(labels, delimiter=",", names=True)
y = np.full(len(X), np.nan)
y[tab["id"].astype(int)] = tab["tau"]
size = X.shape[-1]
flat = chans[-1] * (size >> len(chans)) ** 3


def encoder():
    enc, c0 = [], 1
    for c in chans:
        enc += [nn.Conv3d(c0, c, 4, 2, 1), nn.ReLU()]
        c0 = c
    enc += [nn.Flatten()]
    if hidden:
        enc += [nn.Linear(flat, hidden), nn.ReLU()]
    enc += [nn.Linear(hidden or flat, 2 * latent)]
    return nn.Sequential(*enc)


def load(enc):
    o = 0
    with torch.no_grad():
        for p in enc.parameters():
            p.copy_(torch.from_numpy(P[o:o + p.numel()]).view_as(p))
            o += p.numel()


def head():
    h = nn.Sequential(nn.Linear(latent, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(), nn.Linear(H, 1))
    for m in h:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return h


frozen = encoder()
load(frozen)
with torch.no_grad():
    t0, c_start = time.perf_counter(), time.process_time()
    F = frozen(X)[:, :latent]
    t_feat = time.perf_counter() - t0
Y = torch.from_numpy(y.astype(np.float32))[:, None]
mse = {s: {"train": [], "test": []} for s in ("transfer_learning", "from_scratch")}
t0 = time.perf_counter()
for r in range(repeats):
    perm = np.random.default_rng(r).permutation(tab["id"].astype(int))  # labelled structures only
    tr, te = torch.from_numpy(perm[:n_train]), torch.from_numpy(perm[n_train:])
    off = float(Y[tr].mean())
    for s in mse:
        hd = head()
        enc = None
        if s == "from_scratch":
            enc = encoder()
            for m in enc:
                if isinstance(m, (nn.Conv3d, nn.Linear)):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)
        params = list(hd.parameters()) + (list(enc.parameters()) if enc else [])
        opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
        feat = (lambda idx: enc(X[idx])[:, :latent]) if enc else (lambda idx: F[idx])
        for e in range(epochs):
            order = tr[torch.randperm(len(tr))]
            for b0 in range(0, len(order), batch):
                idx = order[b0:b0 + batch]
                opt.zero_grad()
                loss = ((hd(feat(idx)) + off - Y[idx]) ** 2).mean() + l2 * sum((m.weight ** 2).sum() for m in hd if isinstance(m, nn.Linear))
                loss.backward()
                opt.step()
        with torch.no_grad():
            for k, idx in (("train", tr), ("test", te)):
                mse[s][k].append(float(((hd(feat(idx)) + off - Y[idx]) ** 2).mean()))
t, cpu = time.perf_counter() - t0, time.process_time() - c_start  # cpu includes the frozen features
print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": threads, "ranks": 1, "repeats": repeats, "n_train": n_train, "epochs": epochs,
                  "batch": batch, "seconds": round(t + t_feat, 3), "s_per_repeat": round((t + t_feat) / repeats, 3),
                  "cpu_s_per_repeat": round(cpu / repeats, 3),
                  **{f"{s}_{k}_mean": round(float(np.mean(v)), 6) for s in mse for k, v in mse[s].items()}}))
