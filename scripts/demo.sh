#!/usr/bin/env bash
# The main job, end to end on built-in data: train LeNet-5 on MNIST, inspect it, evaluate it.
# (Later issues extend this to the full compression pipeline.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=runs/demo
mkdir -p "$out"
node bin/slimnet.js train --model lenet5 --data mnist --epochs "${EPOCHS:-3}" --batch-size 64 --lr 0.01 \
  --optimizer sgd --seed 1 --out "$out/lenet5.onnx"
node bin/slimnet.js inspect "$out/lenet5.onnx"
node bin/slimnet.js eval "$out/lenet5.onnx" --data mnist
