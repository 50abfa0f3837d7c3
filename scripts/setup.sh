#!/usr/bin/env bash
# Installs everything slimnet needs on a fresh machine: npm dependencies, the TypeScript build, and
# (when running as root with apt) the Debian packages used for data and cross-checks:
#   dataset-fashion-mnist  - Fashion-MNIST IDX files in /usr/share/datasets/fashion-mnist
#   python3-onnx           - onnx.checker for cross-check tests
#   g++, make              - to build the native XNOR addon (native/xnor, scripts/build-native.sh)
#   qemu-user              - runs the CPU-sensitive tests on an emulated AVX2-only CPU (scripts/test-avx2.sh)
# Set SLIMNET_SKIP_APT=1 to skip the Debian part. Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=(dataset-fashion-mnist python3-onnx libonnx-testdata g++ make qemu-user)
if [ "${SLIMNET_WITH_TORCH:-0}" = "1" ]; then apt_pkgs+=(python3-torch libopenblas0-openmp); fi

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] && [ "${SLIMNET_SKIP_APT:-0}" != "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (${missing[*]}); install them with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

if [ ! -d node_modules/onnxruntime-node ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm install" >&2
  npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || npm install --no-audit --no-fund --loglevel=error
fi

echo "setup: building TypeScript" >&2
npx --no-install tsc -p tsconfig.json

# The native XNOR + popcount addon (binary-network inference); fails clearly without a C++ compiler.
bash scripts/build-native.sh
