/**
 * Activation calibration: runs the float model through onnxruntime with the chosen tensors added as graph
 * outputs, over the first `batches` batches of a split. Pass 1 collects min / max; for percentile and
 * entropy a second pass fills a 2048-bin histogram of |x| over [0, max|x|].
 */
import { splitFeeds, type FeedSet } from '../../../data/feeds.js';
import type { Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { feedRuns } from '../../../runtime/feed-run.js';
import { Session } from '../../../runtime/session.js';
import { accumulateHistogram, HISTOGRAM_BINS, type CalibrationMethod, type TensorStats } from './ranges.js';

export interface CalibrationOptions {
  /** Calibration samples: a data set split (fed to `inputName`) or feeds for every model input. */
  readonly split: Split | FeedSet;
  /** Number of batches to run (default 4). */
  readonly batches?: number;
  /** Samples per batch (default 64). */
  readonly batchSize?: number;
  readonly method: CalibrationMethod;
  /** Model input to feed (default: the first input). */
  readonly inputName?: string;
}

/** Runs the model over the calibration batches, calling `visit` with every requested output. */
export async function forEachCalibrationBatch(
  model: Model, names: readonly string[], opts: CalibrationOptions,
  visit: (outputs: Record<string, Tensor>, batch: number) => void,
): Promise<void> {
  const m = model.clone();
  const byName = m.graph.valuesByName();
  const present = new Set(m.graph.outputs.map((v) => v.name));
  for (const name of names) {
    const v = byName.get(name);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `calibration: model has no value '${name}'`);
    if (!present.has(name)) {
      m.graph.addOutput(v);
      present.add(name);
    }
  }
  const input = opts.inputName ?? m.graph.inputs.find((v) => v.initializer === undefined)?.name;
  if (input === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'calibration: model has no input');
  const count = opts.batches ?? 4;
  if (!Number.isInteger(count) || count < 1) throw new SlimnetError('INVALID_ARGUMENT', `calibration batches must be a positive integer, got ${count}`);
  const session = await Session.create(m, { optimizationLevel: 'basic' });
  try {
    let i = 0;
    const feeds = 'inputs' in opts.split ? opts.split : splitFeeds(opts.split, input);
    const batchSize = opts.batchSize ?? 64;
    const run = { batchSize, limit: count * batchSize, outputs: names };
    for await (const r of feedRuns(session, feeds, run, 'the model being calibrated')) visit(r.outputs, i++);
  } finally {
    await session.release();
  }
}

/** Per-tensor statistics of `names` over the calibration batches. */
export async function calibrate(model: Model, names: readonly string[], opts: CalibrationOptions): Promise<Map<string, TensorStats>> {
  const stats = new Map<string, TensorStats>(names.map((n) => [n, { min: Infinity, max: -Infinity }]));
  await forEachCalibrationBatch(model, names, opts, (out) => {
    for (const name of names) {
      const s = stats.get(name) as TensorStats;
      const data = (out[name] as Tensor).toFloat32();
      let lo = s.min;
      let hi = s.max;
      for (let i = 0; i < data.length; i++) {
        const x = data[i] as number;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      s.min = lo;
      s.max = hi;
    }
  });
  if (opts.method !== 'minmax') {
    for (const s of stats.values()) {
      s.histMax = Math.max(Math.abs(s.min), Math.abs(s.max));
      s.hist = new Float64Array(HISTOGRAM_BINS);
    }
    await forEachCalibrationBatch(model, names, opts, (out) => {
      for (const name of names) {
        const s = stats.get(name) as TensorStats;
        accumulateHistogram(s.hist as Float64Array, s.histMax as number, (out[name] as Tensor).toFloat32());
      }
    });
  }
  for (const [name, s] of stats) {
    if (!Number.isFinite(s.min) || !Number.isFinite(s.max)) throw new SlimnetError('RUNTIME', `calibration: tensor '${name}' produced no finite values`);
  }
  return stats;
}
