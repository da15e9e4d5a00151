#!/usr/bin/python3
"""PyTorch reference of dynamic pooling's inference rule (Heron/Osprey, ../shared/research/osprey_heron.md §1).

Written from the rule, not from either repository: for each read, channels-first features F[C, T] and two logits
per frame a[T] (weight) and b[T] (move), with the trained scale r:
    w[t] = sigmoid(a[t]);  m[t] = sigmoid(b[t]) * r
    p[t] = m[0] + ... + m[t]     inclusive prefix sum, float32, one add after another (as Osprey's `float cur_cs`)
    L    = floor(p[T-1]) + 2
    O[:, i] += (1 - f) * w[t] * F[:, t];  O[:, i+1] += f * w[t] * F[:, t]   with i = floor(p[t]), f = p[t] - i
every product and sum rounded to float32 in that order, t ascending. torch.cumsum is not used: on the CPU it
accumulates float32 in double. Writes the inputs and outputs as .npy beside this script (run: python3 reference.py);
the test (DynamicPoolingTests) reads them.
"""
import os
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def pool(features, weights, moves):
    """features [C, T], weights [T], moves [T] (float32 tensors) -> (pooled [C, L], positions [T])."""
    channels, frames = features.shape
    positions = torch.zeros(frames, dtype=torch.float32)
    total = torch.zeros((), dtype=torch.float32)
    for t in range(frames):
        total = total + moves[t]
        positions[t] = total
    length = int(torch.floor(positions[-1])) + 2
    out = torch.zeros(channels, length, dtype=torch.float32)
    one = torch.ones((), dtype=torch.float32)
    for t in range(frames):
        i = int(torch.floor(positions[t]))
        f = positions[t] - i
        low = (one - f) * weights[t]
        high = f * weights[t]
        out[:, i] = out[:, i] + low * features[:, t]
        out[:, i + 1] = out[:, i + 1] + high * features[:, t]
    return out, positions


def main():
    generator = torch.Generator().manual_seed(20261205)
    cases = [(3, 50, 0.9), (5, 400, 1.1), (2, 4000, 0.75)]  # channels, frames, r
    for k, (channels, frames, r) in enumerate(cases):
        features = torch.randn(channels, frames, generator=generator, dtype=torch.float32)
        logits = torch.randn(2, frames, generator=generator, dtype=torch.float32) * 2 - torch.tensor([[0.0], [0.7]])
        weights = torch.sigmoid(logits[0])
        moves = torch.sigmoid(logits[1]) * torch.tensor(r, dtype=torch.float32)
        out, positions = pool(features, weights, moves)
        for name, value in [("features", features), ("logits", logits), ("scale", torch.tensor([r], dtype=torch.float32)),
                            ("weights", weights), ("moves", moves), ("positions", positions), ("pooled", out)]:
            np.save(os.path.join(HERE, f"case{k}.{name}.npy"), value.numpy().astype(np.float32))
        print(f"case{k}: C={channels} T={frames} r={r}: L={out.shape[1]}, last position {positions[-1].item():.6f}")


if __name__ == "__main__":
    main()
