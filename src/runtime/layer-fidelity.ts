/**
 * Per-layer fidelity: where a candidate model departs from its reference. Every value both models compute under
 * the same name (a node output) is exposed as an extra output of both, both run over the same feeds, and each
 * value gets the fidelity measures of metrics/fidelity.ts (SQNR per layer is the usual diagnosis of quantization).
 * An integer value `<name>_quantized` of a QOperator model stands for the float value `<name>`: it is compared
 * through a DequantizeLinear with the scale and zero point of the node that produced it.
 */
import type { FeedSet } from '../data/feeds.js';
import { isFloatDType } from '../ir/dtype.js';
import type { Model } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { FidelityAccumulator, type OutputFidelity } from '../metrics/fidelity.js';
import type { CompareOptions } from './compare.js';
import { feedRuns } from './feed-run.js';
import { Session } from './session.js';

const QUANTIZED = '_quantized';

/** Input slots of the output scale and zero point of the quantized operators (onnx and com.microsoft). */
const OUTPUT_QPARAMS: Readonly<Record<string, readonly [number, number]>> = {
  QuantizeLinear: [1, 2], QLinearConv: [6, 7], QLinearMatMul: [6, 7], QLinearAdd: [6, 7], QLinearMul: [6, 7],
  QGemm: [7, 8], QLinearGlobalAveragePool: [3, 4], QLinearAveragePool: [3, 4], QLinearSigmoid: [3, 4],
  QLinearLeakyRelu: [3, 4],
};

/** The float values a model computes: its node outputs, and `<name>` for a dequantizable `<name>_quantized`. */
function floatNames(model: Model): Set<string> {
  const names = new Set<string>();
  for (const n of model.graph.nodes) {
    for (const v of n.outputs) {
      names.add(v.name);
      const dequantizable = v.name.endsWith(QUANTIZED) && OUTPUT_QPARAMS[n.opType] !== undefined;
      if (dequantizable) names.add(v.name.slice(0, -QUANTIZED.length));
    }
  }
  return names;
}

/** Names of node outputs both models compute (float or of unknown type), in the reference's node order. */
export function sharedValueNames(reference: Model, candidate: Model): string[] {
  const produced = floatNames(candidate);
  const names = reference.graph.nodes.flatMap((n) => n.outputs)
    .filter((v) => v.name !== '' && produced.has(v.name) && (v.dtype === undefined || isFloatDType(v.dtype)))
    .map((v) => v.name);
  return [...new Set(names)];
}

/** `model` with `names` added to its outputs (a clone; the model itself is unchanged). */
function exposing(model: Model, names: readonly string[]): Model {
  const m = model.clone();
  dequantizing(m, new Set(names));
  const byName = m.graph.valuesByName();
  const present = new Set(m.graph.outputs.map((v) => v.name));
  for (const name of names) {
    const v = byName.get(name);
    if (v !== undefined && !present.has(name)) m.graph.addOutput(v);
  }
  return m;
}

/** Adds `<name>` = DequantizeLinear(`<name>_quantized`) for the wanted names the model only has quantized. */
function dequantizing(m: Model, wanted: ReadonlySet<string>): void {
  const g = m.graph;
  const has = g.valuesByName();
  for (const n of [...g.nodes]) {
    const slots = OUTPUT_QPARAMS[n.opType];
    const q = n.outputs[0];
    if (slots === undefined || q === undefined || !q.name.endsWith(QUANTIZED)) continue;
    const name = q.name.slice(0, -QUANTIZED.length);
    if (!wanted.has(name) || has.has(name)) continue;
    const dq = g.createNode('DequantizeLinear', [q, n.inputs[slots[0]], n.inputs[slots[1]]]);
    const out = dq.outputs[0] as Value;
    g.reserveName(name);
    out.name = name;
    out.dtype = 'float32';
  }
}

/**
 * Fidelity of every shared value (sharedValueNames) of `candidate` to `reference` on the feeds, in the reference's
 * node order. Values whose type turns out not to be float, or whose shapes differ between the models, are left out.
 */
export async function compareLayers(
  reference: Model, candidate: Model, feeds: FeedSet, opts: CompareOptions = {},
): Promise<OutputFidelity[]> {
  const names = sharedValueNames(reference, candidate);
  const threads = opts.threads === undefined ? {} : { threads: opts.threads };
  const ref = await Session.create(exposing(reference, names), threads);
  const cand = await Session.create(exposing(candidate, names), threads).catch(async (e: unknown) => {
    await ref.release();
    throw e;
  });
  const acc = new Map(names.map((n) => [n, new FidelityAccumulator(n)]));
  const run = { ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }), outputs: names };
  try {
    const candRuns = feedRuns(cand, feeds, run, 'the compressed model');
    for await (const { outputs: r } of feedRuns(ref, feeds, run, 'the reference model')) {
      const c = (await candRuns.next()).value?.outputs ?? {};
      for (const name of names) {
        const [rt, ct] = [r[name], c[name]];
        const same = rt !== undefined && ct !== undefined && rt.dims.join() === ct.dims.join()
          && isFloatDType(rt.dtype) && isFloatDType(ct.dtype);
        if (same) acc.get(name)?.add(rt.toFloat32(), ct.toFloat32(), rt.dims);
        else acc.delete(name);
      }
    }
  } finally {
    await ref.release();
    await cand.release();
  }
  return [...acc.values()].map((a) => a.result());
}
