#!/usr/bin/env bash
# Builds the native XNOR + popcount addon (native/xnor -> native/xnor/build/Release/xnor.node) with npm's
# bundled node-gyp against the installed Node headers. Needs a C++17 compiler, make and python3.
# Fails with a clear message when they are missing; SLIMNET_SKIP_NATIVE=1 skips the build (slimnet then runs
# binary layers on onnxruntime and the kernel tests skip, except under CI=true where they fail).
# Idempotent: rebuilds only when a source is newer than the addon.
set -euo pipefail
cd "$(dirname "$0")/.."
addon=native/xnor/build/Release/xnor.node

if [ "${SLIMNET_SKIP_NATIVE:-0}" = "1" ]; then
  echo "build-native: SLIMNET_SKIP_NATIVE=1, not building the XNOR addon" >&2
  exit 0
fi
if [ -f "$addon" ] && [ -z "$(find native/xnor/binding.gyp native/xnor/src -newer "$addon" -print -quit)" ]; then
  exit 0
fi

missing=()
command -v "${CXX:-g++}" >/dev/null || missing+=("${CXX:-g++} (C++ compiler)")
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build-native: cannot build the XNOR addon, missing: ${missing[*]}." >&2
  echo "  Install them (Debian: apt-get install g++ make python3) or set SLIMNET_SKIP_NATIVE=1 to go without it." >&2
  exit 1
fi

gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$gyp" ] || gyp="$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
if [ ! -f "$gyp" ]; then
  echo "build-native: npm's bundled node-gyp was not found (looked in $(npm root -g)/npm/node_modules/node-gyp)" >&2
  exit 1
fi
nodedir="$(npm config get nodedir 2>/dev/null || true)"
if [ -z "$nodedir" ] || [ "$nodedir" = "undefined" ] || [ ! -f "$nodedir/include/node/node_api.h" ]; then
  nodedir="$(dirname "$(dirname "$(command -v node)")")"
fi
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "build-native: Node headers not found ($nodedir/include/node/node_api.h); install them (Debian: libnode-dev / nodejs headers)" >&2
  exit 1
fi

echo "build-native: building the XNOR addon" >&2
(cd native/xnor && node "$gyp" rebuild --nodedir="$nodedir" --loglevel=error >/dev/null) || {
  echo "build-native: node-gyp failed; rerun for details: cd native/xnor && node $gyp rebuild --nodedir=$nodedir" >&2
  exit 1
}
node -e "const a = require('./$addon'); if (typeof a.conv !== 'function') process.exit(1)" || {
  echo "build-native: the built addon does not load" >&2
  exit 1
}
