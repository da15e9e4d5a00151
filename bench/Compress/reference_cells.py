#!/usr/bin/env python3
"""Runs ../shared/tools/pruning_reference.py's own methods cell by cell, the way its main() does
(same layers, same calls, float32, 1 BLAS thread), but prints every cell with full precision and its
own time, so bench/compress can compare Dipper cell by cell, 2:4 included. Also saves each layer's
float64 W and X (like the script's --dump) so the bench can check Dipper regenerates them.

usage: reference_cells.py REFERENCE_DIR DUMP_DIR [--dsf-1024]
output (TSV): layer  method  cell  rel_err  sparsity  seconds
"""
import os
import sys
import time

sys.path.insert(0, sys.argv[1])
import pruning_reference as R  # noqa: E402  (first: it pins BLAS to one thread before numpy loads)
import numpy as np  # noqa: E402
import torch  # noqa: E402

dump = sys.argv[2]
dsf_1024 = "--dsf-1024" in sys.argv[3:]
torch.set_num_threads(1)
os.makedirs(dump, exist_ok=True)
for d_out, d_in, seed in [(256, 256, 11), (512, 256, 12), (1024, 1024, 13)]:
    layer = f"{d_out}x{d_in}"
    w, x = R.make_layer(d_out, d_in, 4000, seed, torch.float32)
    w64, x64 = R.make_layer(d_out, d_in, 4000, seed, torch.float64)
    np.save(os.path.join(dump, f"W_{layer}.npy"), w64.numpy())
    np.save(os.path.join(dump, f"X_{layer}.npy"), x64.numpy())
    h = x.T @ x
    methods = [
        ("magnitude", lambda sp: R.magnitude(w, sp)),
        ("wanda", lambda sp: R.wanda(w, x, sp)),
        ("sparsegpt", lambda sp: R.sparsegpt(w, h, sp)),
        ("admm_fixedmask", lambda sp: R.admm(w, h, sp, iterative_prune=0)),
        ("admm_repo", lambda sp: R.admm(w, h, sp, schedule="repo")),
        ("admm_cubic", lambda sp: R.admm(w, h, sp, schedule="cubic")),
    ]
    if dsf_1024 or d_in != 1024:
        methods.append(("dsf", lambda sp: R.dsf(w, h, sp)))
    cells = [(name, f"{int(sp * 100)}%", (lambda f, sp: lambda: f(sp))(fn, sp))
             for name, fn in methods for sp in (0.5, 0.6, 0.7, 0.8)]
    cells += [
        ("magnitude", "2:4", lambda: R.magnitude(w, 0.5, nm=(2, 4))),
        ("wanda", "2:4", lambda: R.wanda(w, x, 0.5, nm=(2, 4))),
        ("sparsegpt", "2:4", lambda: R.sparsegpt(w, h, 0.5, nm=(2, 4))),
        ("admm_repo", "2:4", lambda: R.admm(w, h, 0.5, nm=True)),
    ]
    for name, cell, fn in cells:
        t0 = time.time()   # the script's timing: method + error + density
        out = fn()
        if name == "dsf":
            wh, A, B = out
            sparsity = 1 - ((A != 0).sum() + (B != 0).sum()).item() / w.numel()
        else:
            wh, sparsity = out, 1 - R.density(out)
        err = R.rel_err(w, wh, h)
        print(f"{layer}\t{name}\t{cell}\t{err!r}\t{sparsity!r}\t{time.time() - t0!r}", flush=True)
