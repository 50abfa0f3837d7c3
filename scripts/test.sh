#!/usr/bin/env bash
# The whole test suite: set up, build, then run every compiled *.test.js with node's test runner, then the
# CPU-sensitive tests again on an emulated AVX2-only CPU (scripts/test-avx2.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mapfile -t files < <(find dist/src -name '*.test.js' | sort)
node --test --test-concurrency=2 --test-timeout=600000 "${files[@]}"
bash scripts/test-avx2.sh
