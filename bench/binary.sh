#!/usr/bin/env bash
# The binary / ternary table, one process per configuration (each well under 20 minutes), niced,
# 1 onnxruntime thread. Rows go to stdout logs and JSON lines in $OUT/<model>.jsonl.
#   bench/binary.sh MODEL.onnx DATASET EPOCHS [configs...]   (extra options for binary.js in $ARGS)
# e.g. bench/binary.sh runs/lenet5.onnx mnist 3
#      ARGS='--limit 12000 --no-validate' bench/binary.sh runs/resnet20.onnx fashion-mnist 2 xnor bnn
set -euo pipefail
model=$1 data=$2 epochs=$3
shift 3
configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(bc bc-stoch bwn xnor bnn twn ttq dorefa-1/2 dorefa-1/4 hwgq)
out=${OUT:-runs/binary}
mkdir -p "$out"
name=$(basename "$model" .onnx)
for c in "${configs[@]}"; do
  nice -n 19 node dist/bench/binary.js --model "$model" --data "$data" --epochs "$epochs" --configs "$c" \
    --threads 1 --out "$out" --json "$out/$name.jsonl" ${ARGS:-} >>"$out/$name.log" 2>&1
done
