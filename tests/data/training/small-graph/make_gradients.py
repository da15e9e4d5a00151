#!/usr/bin/python3
"""Loss and gradients of a small base-caller-shaped network under CTC, computed once by PyTorch.

The Dipper test (tests/Compiler.Tests/Training/GraphModuleGradientTests.cs) builds the same network as a Dipper
graph from the weights written here, runs it as a TorchSharp module and compares its CTC loss, its gradients
and the BatchNorm running statistics after the step with these. Run from this folder:
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 make_gradients.py > gradients.json
(Debian 12 python3-torch.) The network: conv (stride 2) + BatchNorm + SiLU, depthwise (dilation 2) + pointwise
+ BatchNorm + ReLU6, a residual add, an output convolution, then log-softmax over 5 classes; BatchNorm in
training mode, so the gradients pass through the batch statistics.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(13)
torch.set_num_threads(1)
CHANNELS, CLASSES, BATCH, SAMPLES = 8, 5, 2, 48


def uniform(*shape, spread=0.5):
    return (torch.rand(*shape) * 2 - 1) * spread


weights = {
    "stem.weight": uniform(CHANNELS, 1, 5),
    "stem.bias": uniform(CHANNELS, spread=0.1),
    "stem_norm.weight": 1 + uniform(CHANNELS, spread=0.2),
    "stem_norm.bias": uniform(CHANNELS, spread=0.2),
    "stem_norm.running_mean": uniform(CHANNELS, spread=0.1),
    "stem_norm.running_var": 1 + uniform(CHANNELS, spread=0.5),
    "depthwise.weight": uniform(CHANNELS, 1, 3),
    "pointwise.weight": uniform(CHANNELS, CHANNELS, 1, spread=0.35),
    "norm.weight": 1 + uniform(CHANNELS, spread=0.2),
    "norm.bias": uniform(CHANNELS, spread=0.2),
    "norm.running_mean": uniform(CHANNELS, spread=0.1),
    "norm.running_var": 1 + uniform(CHANNELS, spread=0.5),
    "output.weight": uniform(CLASSES, CHANNELS, 1, spread=0.35),
    "output.bias": uniform(CLASSES, spread=0.1),
}
initial = {name: w.clone() for name, w in weights.items()}
trained = [n for n in weights if not n.endswith(("running_mean", "running_var"))]
for name in trained:
    weights[name].requires_grad_(True)

signal = torch.randn(BATCH, 1, SAMPLES).clamp(-2.5, 2.5)
targets = torch.tensor([[1, 2, 3, 4, 1], [4, 3, 3, 2, 0]], dtype=torch.long)
target_lengths = torch.tensor([5, 4], dtype=torch.long)

w = weights
x = F.conv1d(signal, w["stem.weight"], w["stem.bias"], stride=2, padding=2)
x = F.batch_norm(x, w["stem_norm.running_mean"], w["stem_norm.running_var"], w["stem_norm.weight"], w["stem_norm.bias"],
                 training=True, momentum=0.1, eps=1e-3)
skip = F.silu(x)
x = F.conv1d(skip, w["depthwise.weight"], None, padding=2, dilation=2, groups=CHANNELS)
x = F.conv1d(x, w["pointwise.weight"])
x = F.batch_norm(x, w["norm.running_mean"], w["norm.running_var"], w["norm.weight"], w["norm.bias"],
                 training=True, momentum=0.1, eps=1e-5)
x = F.relu6(x) + skip
x = F.conv1d(x, w["output.weight"], w["output.bias"])
log_probs = F.log_softmax(x.permute(0, 2, 1), dim=-1)
frames = log_probs.shape[1]
loss = F.ctc_loss(log_probs.transpose(0, 1), targets, torch.full((BATCH,), frames, dtype=torch.long), target_lengths,
                  blank=0, reduction="mean")
loss.backward()


def plain(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().flatten().tolist()]}


json.dump({
    "made_by": f"make_gradients.py, PyTorch {torch.__version__}",
    "signal": plain(signal),
    "targets": targets.tolist(),
    "target_lengths": target_lengths.tolist(),
    "weights": {n: plain(t) for n, t in initial.items()},
    "loss": float(loss),
    "gradients": {n: plain(weights[n].grad) for n in trained},
    "running_after": {n: plain(weights[n]) for n in weights if n not in trained},
}, sys.stdout, indent=1)
