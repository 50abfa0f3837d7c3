#!/usr/bin/env bash
# Runs the CPU-sensitive tests again on an emulated AVX2-only CPU (no AVX-512, no VNNI), whatever this
# machine has: QEMU user mode (Debian qemu-user) presents an AMD EPYC-Rome to onnxruntime's cpuid-based
# kernel selection, so its NCHWc block size is 8 and its u8×s8 GEMM uses the saturating AVX2 path.
# The native run of the suite covers this machine's own kind. Needs a build (scripts/setup.sh).
# Under CI (CI=true) a missing qemu-x86_64 is a failure; elsewhere the emulated run is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
files=(
  dist/src/runtime/nchwc.test.js
  dist/src/train/blocked-convs.test.js
  dist/src/runtime/int8-kernels.test.js
  dist/src/compress/quantization/int8/export.test.js
  dist/src/compress/quantization/int8/reduce-range.test.js
)
if ! command -v qemu-x86_64 >/dev/null; then
  if [ "${CI:-}" = "true" ]; then echo "test-avx2: qemu-x86_64 missing (Debian qemu-user)" >&2; exit 1; fi
  echo "test-avx2: skipped, qemu-x86_64 not installed (apt-get install qemu-user)" >&2
  exit 0
fi
node_bin="$(command -v node)"
status=0
for f in "${files[@]}"; do
  [ -f "$f" ] || { echo "test-avx2: $f not built" >&2; exit 1; }
  echo "# emulated AVX2 (qemu -cpu EPYC-Rome): $f"
  if ! qemu-x86_64 -cpu EPYC-Rome "$node_bin" "$f" 2> >(grep -v '^qemu-x86_64: warning' >&2); then status=1; fi
done
exit "$status"
