"""Reference only: PyTorch loss trajectory from slimnet's initial weights (ONNX) on given batches.
usage: torch_trajectory.py ARCH INIT.onnx X.npy Y.npy STEPS  -> prints a JSON list of per-step losses."""
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, "bench")
from torch_train_speed import LeNet5, ResNet20  # noqa: E402

arch, path, xp, yp, steps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
torch.set_num_threads(2)
model = LeNet5() if arch == "lenet5" else ResNet20()
weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(path).graph.initializer}
state = model.state_dict()
rename = {}
for k in state:
    # torch names blocks layers.N.*; slimnet names them layerS.I.* and shortcuts shortcut.conv/bn
    rename[k] = k
if arch == "resnet20":
    for k in list(state):
        if k.startswith("layers."):
            n = int(k.split(".")[1])
            rest = ".".join(k.split(".")[2:]).replace("short.0", "shortcut.conv").replace("short.1", "shortcut.bn")
            rename[k] = f"layer{n // 3 + 1}.{n % 3}.{rest}"
new = {}
for k, v in state.items():
    src = rename[k]
    if src in weights:
        new[k] = weights[src].reshape(v.shape)
    elif k.endswith("num_batches_tracked"):
        new[k] = v
    else:
        raise SystemExit(f"no initializer {src} for {k}")
model.load_state_dict(new)
x = torch.from_numpy(np.load(xp))
y = torch.from_numpy(np.load(yp).astype(np.int64))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
model.train()
losses = []
for s in range(steps):
    xb, yb = x[s * 64:(s + 1) * 64], y[s * 64:(s + 1) * 64]
    opt.zero_grad()
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    losses.append(loss.item())
print(json.dumps(losses))
