/**
 * Loads the native XNOR addon (native/xnor, built by scripts/build-native.sh into
 * native/xnor/build/Release/xnor.node). When it is absent, `xnorAddon()` reports why instead of throwing,
 * so callers can fall back to onnxruntime; `requireXnorAddon()` throws DEPENDENCY_MISSING.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SlimnetError } from '../../ir/errors.js';

/** An opaque handle to prepared weights inside the addon. */
export interface XnorLayerHandle {
  readonly __xnorLayer: unique symbol;
}

/** The functions the addon exports (see native/xnor/src/addon.cc). */
export interface XnorAddon {
  prepare(bits: Uint32Array, m: number, k: number, alpha: Float32Array, beta: Float32Array, preScale?: Float32Array, preShift?: Float32Array): XnorLayerHandle;
  conv(layer: XnorLayerHandle, x: Float32Array, geometry: Int32Array, out: Float32Array, isa: number, threads: number, residual?: Float32Array): void;
  bestIsa(): number;
}

/** Whether the native XNOR addon loaded: the addon and its path, or why it did not. */
export type XnorAddonStatus = { readonly ok: true; readonly addon: XnorAddon; readonly path: string } | { readonly ok: false; readonly reason: string };

/** Where the build puts the addon, from dist/src/kernels/xnor/ (compiled) up to the repository root. */
export const XNOR_ADDON_PATH = fileURLToPath(new URL('../../../../native/xnor/build/Release/xnor.node', import.meta.url));

const BUILD_HINT = 'build it with `bash scripts/build-native.sh` (needs g++, make and python3)';
let cached: XnorAddonStatus | undefined;

/** Loads the addon once (or from `path`, uncached); never throws. */
export function xnorAddon(path?: string): XnorAddonStatus {
  if (path === undefined && cached !== undefined) return cached;
  const p = path ?? XNOR_ADDON_PATH;
  let status: XnorAddonStatus;
  if (!existsSync(p)) status = { ok: false, reason: `the XNOR addon is not built (${p} is missing); ${BUILD_HINT}` };
  else {
    try {
      status = { ok: true, addon: createRequire(import.meta.url)(p) as XnorAddon, path: p };
    } catch (e) {
      status = { ok: false, reason: `the XNOR addon at ${p} failed to load (${e instanceof Error ? e.message : String(e)}); ${BUILD_HINT}` };
    }
  }
  if (path === undefined) cached = status;
  return status;
}

/** The addon, or a DEPENDENCY_MISSING error saying how to build it. */
export function requireXnorAddon(): XnorAddon {
  const s = xnorAddon();
  if (!s.ok) throw new SlimnetError('DEPENDENCY_MISSING', s.reason);
  return s.addon;
}
