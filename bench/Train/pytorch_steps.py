#!/usr/bin/python3
"""bench/train, PyTorch side: the same training steps as Dipper's engine, on the same net, weights, chunks and targets.

usage: /usr/bin/python3 pytorch_steps.py WORK_DIR THREADS   (then "LOSS STEPS" lines on stdin)

WORK_DIR holds what bench/Train (Dipper) exported: graph.json (the model graph's nodes in order, with each
operation's attributes, and the weights' names and shapes), weights.f32 and student.f32 (the weights, float32
little-endian, in graph.json's order), chunks.f32 [N, 1, T], targets.i32 [N, L] with target_lengths.i32 [N],
teacher.f32 (the teacher's log-probabilities for distillation). The net is built from graph.json the way
Dipper's GraphModule builds it, so both sides run the same operations in the same order.
Reads "LOSS STEPS" lines (LOSS: ctc or kl) and runs that many training steps on that loss's net, which lives on
between requests, so the bench can interleave rounds of Dipper's and PyTorch's steps on a shared host; answers
each with one JSON line: every step's seconds, seconds in the loss's forward and backward, and loss.
"""
import json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH_NORM_MOMENTUM = 0.1   # as GraphModule: PyTorch's default


class GraphNet(nn.Module):
    """The exported model graph as a module: parameters are the operations' trained weights, the rest buffers."""

    def __init__(self, graph, weights):
        super().__init__()
        self.graph = graph
        trained = {p for n in graph["nodes"] for p in n["operation"].get("ParameterNames", [])}
        self.keys = {}
        offset = 0
        for w in graph["weights"]:
            count = int(np.prod(w["shape"]))
            values = torch.from_numpy(weights[offset:offset + count].copy()).reshape(w["shape"])
            offset += count
            key = w["name"].replace(".", "_")
            self.keys[w["name"]] = key
            if w["name"] in trained:
                self.register_parameter(key, nn.Parameter(values))
            else:
                self.register_buffer(key, values)
        assert offset == len(weights), f"{offset} weights in graph.json, {len(weights)} in the file"

    def w(self, name):
        return None if name is None else getattr(self, self.keys[name])

    def forward(self, x):
        values = {self.graph["input"]: x}
        for node in self.graph["nodes"]:
            op = node["operation"]
            a = [values[i] for i in node["inputs"]]
            kind = op["Kind"]
            if kind == "Conv1d":
                y = F.conv1d(a[0], self.w(op["Weight"]), self.w(op.get("Bias")), op["Stride"], op["Padding"], op["Dilation"], op["Groups"])
            elif kind == "BatchNorm1d":
                y = F.batch_norm(a[0], self.w(op["RunningMean"]), self.w(op["RunningVariance"]), self.w(op["Scale"]), self.w(op["Shift"]),
                                 self.training, BATCH_NORM_MOMENTUM, op["Epsilon"])
            elif kind == "Swish":
                y = F.silu(a[0])
            elif kind == "Logistic":
                y = torch.sigmoid(a[0])
            elif kind == "Relu":
                y = F.relu(a[0])
            elif kind == "Relu6":
                y = F.relu6(a[0])
            elif kind == "Add":
                y = a[0] + a[1]
            elif kind == "Mul":
                y = a[0] * a[1]
            elif kind == "Linear":
                y = F.linear(a[0], self.w(op["Weight"]), self.w(op.get("Bias")))
            elif kind == "LogSoftmax":
                y = F.log_softmax(a[0], op["Axis"])
            elif kind == "Transpose":
                y = a[0].permute(*op["Permutation"])
            else:
                raise ValueError(f"node {node['name']}: {kind} is not supported here")
            values[node["output"]] = y
        return values[self.graph["output"]]


def distillation(student, teacher, temperature):
    """KL(teacher || student) per frame at a temperature, times T^2: Dipper's DistillationLoss, written again."""
    soft_teacher = F.log_softmax(teacher / temperature, -1)
    soft_student = F.log_softmax(student / temperature, -1)
    return (soft_teacher.exp() * (soft_teacher - soft_student)).sum(-1).mean() * (temperature * temperature)


class Trainer:
    """One loss's net, optimiser and masks, kept between rounds so steps continue where the last round stopped."""

    def __init__(self, work, graph, loss_name):
        weights = np.fromfile(os.path.join(work, "student.f32" if loss_name == "kl" else "weights.f32"), dtype="<f4")
        self.loss_name = loss_name
        self.net = GraphNet(graph, weights).train()
        self.optimiser = torch.optim.Adam(self.net.parameters(), lr=graph["learning_rate"])
        # Distillation trains a pruned student: its zeros are put back after every step, as SparsityMask does.
        self.masks = [(p, p.detach() != 0) for p in self.net.parameters() if loss_name == "kl" and bool((p == 0).any())]

    def step(self, data):
        """One training step; returns (seconds, seconds in the loss, loss)."""
        start = time.perf_counter()
        self.optimiser.zero_grad()
        log_probs = self.net(data["chunks"])
        # The loss's forward and backward run on a detached copy of the output, timed on their own; the
        # net's backward then takes the copy's gradient: the same gradients as one backward from the loss.
        output = log_probs.detach().requires_grad_()
        loss_start = time.perf_counter()
        if self.loss_name == "ctc":
            loss = F.ctc_loss(output.transpose(0, 1), data["targets"], data["frames"], data["lengths"])
        else:
            loss = distillation(output, data["teacher"], data["temperature"])
        loss.backward()
        loss_seconds = time.perf_counter() - loss_start
        log_probs.backward(output.grad)
        self.optimiser.step()
        with torch.no_grad():
            for weight, keep in self.masks:
                weight.mul_(keep)
        value = loss.item()
        return time.perf_counter() - start, loss_seconds, value


def main():
    work, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    graph = json.load(open(os.path.join(work, "graph.json")))
    n, t = graph["batch"], graph["chunk"]
    data = {
        "chunks": torch.from_numpy(np.fromfile(os.path.join(work, "chunks.f32"), dtype="<f4").reshape(n, 1, t)),
        "lengths": torch.from_numpy(np.fromfile(os.path.join(work, "target_lengths.i32"), dtype="<i4").astype(np.int64)),
        "targets": torch.from_numpy(np.fromfile(os.path.join(work, "targets.i32"), dtype="<i4").astype(np.int64).reshape(n, -1)),
        "teacher": torch.from_numpy(np.fromfile(os.path.join(work, "teacher.f32"), dtype="<f4").reshape(n, graph["frames"], -1)),
        "frames": torch.full((n,), graph["frames"], dtype=torch.long),
        "temperature": graph["temperature"],
    }
    trainers = {}
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:                      # "LOSS STEPS": run that many steps, answer with one JSON line
        if not line.strip():
            break
        loss_name, count = line.split()
        if loss_name not in trainers:
            trainers[loss_name] = Trainer(work, graph, loss_name)
        trainer = trainers[loss_name]
        steps = [trainer.step(data) for _ in range(int(count))]
        print(json.dumps({"step_seconds": [s[0] for s in steps], "loss_seconds": [s[1] for s in steps],
                          "losses": [s[2] for s in steps]}), flush=True)


if __name__ == "__main__":
    main()
