/**
 * Measured onnxruntime speedups of a decomposition, like Table 7 of the survey: for every factored layer,
 * a one-layer model of the original node against a model of its replacement chain (same input shape,
 * weights copied from the two models), and the whole models; each pair timed by compareLatency in
 * interleaved blocks.
 */
import { GraphBuilder } from '../../ir/builder.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import type { Shape } from '../../ir/shape.js';
import type { Value } from '../../ir/value.js';
import { inferValueInfo } from '../../passes/infer-shapes.js';
import { compareLatency, type LatencyComparison } from '../../runtime/latency.js';
import type { DecomposeReport } from './types.js';

/** Options of `measureDecomposition`: batch sizes, runs, threads and whether to time layers alone. */
export interface MeasureOptions {
  /** Batch sizes to time (default [1, 64]). */
  readonly batchSizes?: readonly number[];
  /** Timed runs per model and batch size (default 50). */
  readonly runs?: number;
  /** onnxruntime intra-op threads (default 1). */
  readonly threads?: number;
  /** Also time every factored layer alone (default true). */
  readonly perLayer?: boolean;
  /** Called before each comparison with a short label. */
  readonly onProgress?: (message: string) => void;
}

/** Latency of one factored layer against the original, per batch size. */
export interface LayerLatency {
  readonly name: string;
  /** One comparison per batch size (a = original layer, b = its replacement). */
  readonly comparisons: readonly LatencyComparison[];
}

/** Latency of a decomposition: the whole model and each factored layer alone, original vs decomposed. */
export interface DecompositionLatency {
  /** Whole model, one comparison per batch size (a = original, b = decomposed). */
  readonly whole: readonly LatencyComparison[];
  readonly layers: readonly LayerLatency[];
}

/** A model of the named nodes of `model` (a chain), fed by one input of `inputShape`. */
export function extractChain(model: Model, names: readonly string[], inputShape: Shape): Model {
  const b = new GraphBuilder('layer');
  const mapped = new Map<Value, Value>();
  let last: Value | undefined;
  names.forEach((name, i) => {
    const node = model.graph.findNode(name);
    if (node === undefined) throw new SlimnetError('INVALID_ARGUMENT', `node '${name}' is not in the model`);
    const inputs = node.inputs.map((v, slot) => {
      if (v === undefined) return undefined;
      if (i === 0 && slot === 0) return b.input('input', 'float32', inputShape);
      if (v.initializer !== undefined) {
        const existing = mapped.get(v) ?? b.initializer(v.name, v.initializer);
        mapped.set(v, existing);
        return existing;
      }
      const m = mapped.get(v);
      if (m === undefined) throw new SlimnetError('INVALID_ARGUMENT', `node '${name}' reads '${v.name}', which the chain [${names.join(', ')}] does not produce`);
      return m;
    });
    const attrs = Object.fromEntries(node.attributes);
    const outs = b.opN(node.opType, inputs, node.outputs.length, attrs, { name: node.name, domain: node.domain });
    node.outputs.forEach((o, k) => mapped.set(o, outs[k] as Value));
    last = outs[0];
  });
  if (last === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'extractChain needs at least one node');
  b.output(last, 'output');
  return b.build(model.opset());
}

/** Times the original against the decomposed model, and each factored layer against its replacement. */
export async function measureDecomposition(original: Model, decomposed: Model, report: DecomposeReport, opts: MeasureOptions = {}): Promise<DecompositionLatency> {
  const batchSizes = opts.batchSizes ?? [1, 64];
  const runs = opts.runs ?? 50;
  const threads = opts.threads ?? 1;
  const log = opts.onProgress ?? (() => undefined);
  const whole: LatencyComparison[] = [];
  for (const batchSize of batchSizes) {
    log(`latency: whole model, batch ${batchSize}`);
    whole.push(await compareLatency(original, decomposed, { batchSize, runs, threads }));
  }
  const layers: LayerLatency[] = [];
  if (opts.perLayer === false) return { whole, layers };
  const info = inferValueInfo(original);
  for (const row of report.layers) {
    if (row.status !== 'decomposed' || row.nodes === undefined) continue;
    const node = original.graph.findNode(row.name);
    const shape = node === undefined ? undefined : (info.get(node.input(0))?.shape ?? node.input(0).shape);
    if (node === undefined || shape === undefined) continue;
    const a = extractChain(original, [row.name], shape);
    const b = extractChain(decomposed, row.nodes, shape);
    const comparisons: LatencyComparison[] = [];
    for (const batchSize of batchSizes) {
      log(`latency: ${row.name}, batch ${batchSize}`);
      comparisons.push(await compareLatency(a, b, { batchSize, runs, threads }));
    }
    layers.push({ name: row.name, comparisons });
  }
  return { whole, layers };
}
