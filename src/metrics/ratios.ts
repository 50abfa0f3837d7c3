/** Compression ratio C_r = size / size* and speedup S_r = latency / latency* (before over after). */
import { SlimnetError } from '../ir/errors.js';

function ratio(what: string, before: number, after: number): number {
  if (!Number.isFinite(before) || before < 0) throw new SlimnetError('INVALID_ARGUMENT', `${what} before must be a finite number >= 0, got ${before}`);
  if (!Number.isFinite(after) || after <= 0) throw new SlimnetError('INVALID_ARGUMENT', `${what} after must be a finite number > 0, got ${after}`);
  return before / after;
}

/** C_r = size / size*: how many times smaller the compressed model is (bytes, or parameter counts). */
export function compressionRatio(before: number, after: number): number {
  return ratio('size', before, after);
}

/** S_r = latency / latency*: how many times faster the compressed model runs. */
export function speedup(latencyBefore: number, latencyAfter: number): number {
  return ratio('latency', latencyBefore, latencyAfter);
}
