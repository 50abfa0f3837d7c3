/**
 * Matching data to a model's declared input: which input to feed, how to lay a batch of samples out for
 * it, and a clear ShapeError (naming the input, its declared shape and the data shape) when they disagree.
 */
import { ShapeError, SlimnetError } from '../ir/errors.js';
import type { Dim, Shape } from '../ir/shape.js';
import { shapeToString } from '../ir/shape.js';
import type { Session, SessionValueInfo } from './session.js';

/** How to feed a batch of samples to a model input. */
export interface InputPlan {
  readonly name: string;
  /** Declared shape (for messages). */
  readonly declared: Shape | undefined;
  /** Fixed batch size when the declared batch dimension is a number (batches are padded to it). */
  readonly fixedBatch: number | undefined;
  /** Dims to feed for a batch of `n` samples. */
  dims(n: number): number[];
}

/** Picks the input (`name` or the first declared one) and checks it against one sample's shape. */
export function planInput(session: Session, sampleShape: readonly number[], name?: string): InputPlan {
  const info = pickValue(session.inputs, name, 'input');
  if (info.dtype !== undefined && info.dtype !== 'float32') {
    throw new ShapeError(`model input '${info.name}' has type ${info.dtype}, but the data is float32`);
  }
  const declared = info.shape;
  const dataShape = `[N,${sampleShape.join(',')}]`;
  const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
  if (declared === undefined || declared.length === 0) {
    return { name: info.name, declared, fixedBatch: undefined, dims: (n) => [n, ...sampleShape] };
  }
  const batchDim = declared[0] as Dim;
  const fixedBatch = typeof batchDim === 'number' ? batchDim : undefined;
  const rest = declared.slice(1);
  const mismatch = (): ShapeError =>
    new ShapeError(`model input '${info.name}' is declared ${shapeToString(declared)} but the data samples have shape ${dataShape}`);
  if (fixedBatch !== undefined && fixedBatch < 1) throw mismatch();
  if (rest.length === sampleShape.length) {
    rest.forEach((d, i) => {
      if (typeof d === 'number' && d !== sampleShape[i]) throw mismatch();
    });
    return { name: info.name, declared, fixedBatch, dims: (n) => [n, ...sampleShape] };
  }
  // A flat [N, D] input takes row-major flattened samples (as a Flatten of NCHW would).
  if (rest.length === 1 && (rest[0] === sampleSize || typeof rest[0] !== 'number')) {
    return { name: info.name, declared, fixedBatch, dims: (n) => [n, sampleSize] };
  }
  throw mismatch();
}

/** Finds an input/output by name (or the first one), with a clear error listing what exists. */
export function pickValue(list: readonly SessionValueInfo[], name: string | undefined, what: 'input' | 'output'): SessionValueInfo {
  const info = name === undefined ? list[0] : list.find((v) => v.name === name);
  if (info === undefined) {
    const names = list.map((v) => `'${v.name}'`).join(', ') || 'none';
    throw new SlimnetError(
      'INVALID_ARGUMENT',
      name === undefined ? `the model declares no ${what}s` : `the model has no ${what} '${name}' (its ${what}s: ${names})`,
    );
  }
  return info;
}
