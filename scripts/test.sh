#!/usr/bin/env bash
# The whole test suite: set up, build, then run every compiled *.test.js with node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mapfile -t files < <(find dist/src -name '*.test.js' | sort)
exec node --test --test-concurrency=2 --test-timeout=600000 "${files[@]}"
