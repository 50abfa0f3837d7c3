/** Options shared by every zoo builder. */
import { SlimnetError } from '../ir/errors.js';

/** Options every zoo builder takes: seed, class count, input shape and width multiplier. */
export interface ZooOptions {
  /** Seed of the weight initialisation (default 0): the same seed gives bit-identical weights. */
  readonly seed?: number;
  /** Number of output classes (default 10). */
  readonly numClasses?: number;
  /** Per-sample input shape [C, H, W] (default [1, 28, 28]). */
  readonly inputShape?: readonly number[];
  /** Width multiplier applied to every hidden layer's channel / unit count (default 1; MobileNet's α). */
  readonly width?: number;
}

export interface ResolvedZooOptions {
  readonly seed: number;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly width: number;
}

export function resolveZooOptions(o: ZooOptions): ResolvedZooOptions {
  const shape = o.inputShape ?? [1, 28, 28];
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new SlimnetError('INVALID_ARGUMENT', `zoo inputShape must be [C, H, W] positive integers, got [${shape.join(',')}]`);
  }
  const numClasses = o.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new SlimnetError('INVALID_ARGUMENT', `zoo numClasses must be an integer >= 2, got ${numClasses}`);
  }
  const width = o.width ?? 1;
  if (!(width > 0)) throw new SlimnetError('INVALID_ARGUMENT', `zoo width must be > 0, got ${width}`);
  return { seed: o.seed ?? 0, numClasses, inputShape: shape as [number, number, number], width };
}

/** A channel / unit count scaled by the width multiplier (at least 1). */
export function scaled(n: number, width: number): number {
  return Math.max(1, Math.round(n * width));
}
