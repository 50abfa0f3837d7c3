#!/usr/bin/env bash
# Trains the baseline models with `slimnet train` and prints each one's final test error.
# usage: bash bench/baselines.sh [lenet-300-100|lenet5|vgg|resnet20 ...]   (default: all four)
# Models go to runs/baselines/<name>.onnx, logs to runs/baselines/<name>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/baselines
mkdir -p "$out"
run() {
  local name=$1; shift
  echo "== $name: node bin/slimnet.js train --model $name $* --out $out/$name.onnx"
  node bin/slimnet.js train --model "$name" "$@" --checkpoint "$out/$name.ckpt.onnx" --out "$out/$name.onnx" 2>&1 | tee "$out/$name.log" | grep -E "^epoch [0-9]+/[0-9]+:|saved"
}
models=("$@"); [ "${#models[@]}" -gt 0 ] || models=(lenet-300-100 lenet5 vgg resnet20)
for m in "${models[@]}"; do
  case "$m" in
    lenet-300-100) run lenet-300-100 --data mnist --epochs 20 --lr 0.05 --schedule cosine --weight-decay 0.0001 --seed 1 ;;
    lenet5) run lenet5 --data mnist --epochs 20 --lr 0.01 --schedule cosine --weight-decay 0.0005 --seed 1 ;;
    vgg) run vgg --width 0.5 --data fashion-mnist --epochs 8 --lr 0.05 --schedule cosine --weight-decay 0.0005 --seed 1 ;;
    resnet20) run resnet20 --data fashion-mnist --epochs 6 --lr 0.05 --schedule cosine --weight-decay 0.0005 --seed 1 ;;
    *) echo "unknown baseline '$m'" >&2; exit 2 ;;
  esac
done
