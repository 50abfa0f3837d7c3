#!/usr/bin/env bash
# The main job, end to end on built-in data: Deep Compression of LeNet-5 on MNIST.
#   1. train LeNet-5 (EPOCHS, default 2), then prune it (Han et al.'s per-layer sparsities, iterative),
#      retrain with masks, share weights by k-means (8-bit conv / 5-bit fc codebooks), fine-tune the
#      codebooks and Huffman-pack everything into one container: error, size ratio and latency printed;
#   2. unpack the container back to ONNX (bit-exact) and evaluate it;
#   3. for comparison, int8 quantization of the trained model (QOperator, runs on onnxruntime's int8 kernels).
# Epochs are kept small so it runs in a few minutes; bench/deep-compress.ts has the long schedules.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=runs/demo
mkdir -p "$out"
node bin/slimnet.js deep-compress lenet5 --data mnist --train-epochs "${EPOCHS:-2}" --model-out "$out/lenet5.onnx" \
  --prune iterative --sparsity conv1=0.34,conv2=0.88,fc1=0.92,fc2=0.81 --prune-options cycles=2,epochsPerCycle=1 \
  --retrain-epochs 1 --conv-bits 8 --fc-bits 5 --finetune-epochs 1 --seed 1 \
  --out "$out/lenet5.sldc" --onnx-out "$out/lenet5.deep-compressed.onnx"
node bin/slimnet.js unpack "$out/lenet5.sldc" --out "$out/lenet5.unpacked.onnx" --data mnist
node bin/slimnet.js quantize "$out/lenet5.onnx" --method int8 --data mnist --out "$out/lenet5.int8.onnx"
