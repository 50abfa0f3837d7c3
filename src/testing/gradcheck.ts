/**
 * Finite-difference gradient checks for gradient rules.
 *
 *   gradcheck(model: Model, opts?: GradcheckOptions): Promise<GradcheckReport>
 *     Throws an AssertionError naming the worst element when analytic and numeric gradients disagree.
 *   analyticGradients(model: Model, opts?: GradcheckOptions): Promise<AnalyticResult>
 *   expectGradient(model: Model, wrt: string, expected: ArrayLike<number>, opts?: GradcheckOptions): Promise<void>
 *     (projection defaults to 'ones' there: the gradient of the sum of all outputs)
 *
 * The model is a forward model whose parameters are graph *inputs* (so one onnxruntime session serves
 * every perturbation). Its float outputs are reduced to the scalar loss L = Σ_o Σ out_o ⊙ R_o with a seeded
 * random projection R_o; the analytic gradient comes from `addBackward` on a decoded copy (after
 * `inferShapes`, with R_o as the seed of each output), the numeric one from central differences computed
 * in float64 on the caller's model. The caller's model is not modified.
 *
 * Defaults: float64 graphs eps 1e-6, rtol 1e-6, atol 1e-6; float32 graphs eps 1e-2, rtol 1e-2, atol 1e-3.
 * Inputs not given in `inputs` are drawn N(0, 1) from `seed`; every element is checked, or a seeded sample
 * of `maxElements` per input for bigger tensors.
 */
import assert from 'node:assert/strict';
import { addBackward } from '../autodiff/backward.js';
import type { GradientRule } from '../autodiff/rule.js';
import { isFloatDType } from '../ir/dtype.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { getNumber, setNumber, Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { verify } from '../ir/verify.js';
import { decodeModel, encodeModel } from '../onnx/index.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { Session } from '../runtime/session.js';
import { Rng } from '../util/rng.js';

export interface GradcheckOptions {
  /** Graph inputs to differentiate (default: every float input). */
  readonly wrt?: readonly string[];
  /** Input values; float inputs left out are drawn N(0, 1) (their shapes must then be static). */
  readonly inputs?: Readonly<Record<string, Tensor>>;
  /** Central-difference step (default 1e-6 for float64 graphs, 1e-2 for float32). */
  readonly eps?: number;
  /** Relative tolerance against |numeric| (default 1e-6 float64, 1e-2 float32). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-6 float64, 1e-3 float32). */
  readonly atol?: number;
  /** Elements checked per input at most (a seeded random sample beyond that; default 64). */
  readonly maxElements?: number;
  readonly seed?: number;
  /** Output projection: seeded random (default for gradcheck), all ones, or explicit tensors by output name. */
  readonly projection?: 'random' | 'ones' | Readonly<Record<string, Tensor>>;
  /** Gradient rules overriding the built-in table. */
  readonly rules?: ReadonlyMap<string, GradientRule>;
  /**
   * Keep the inputs' declared symbolic dims (e.g. a batch 'N') during shape inference, so rules take their
   * run-time-shape paths (default false: the fed dims are made static).
   */
  readonly keepSymbolicShapes?: boolean;
}

export interface AnalyticResult {
  /** The input values used (given or drawn). */
  readonly inputs: Readonly<Record<string, Tensor>>;
  /** d L / d input, by input name (zeros where L does not depend on it). */
  readonly grads: Readonly<Record<string, Tensor>>;
  /** The projections R_o, by output name. */
  readonly projection: Readonly<Record<string, Tensor>>;
}

export interface GradcheckReport extends AnalyticResult {
  /** Number of elements compared. */
  readonly checked: number;
  /** Largest |analytic - numeric| seen. */
  readonly maxAbsError: number;
}

interface Defaults {
  readonly eps: number;
  readonly rtol: number;
  readonly atol: number;
}

function defaultsFor(model: Model): Defaults {
  const f64 = model.graph.inputs.some((v) => v.dtype === 'float64');
  return f64 ? { eps: 1e-6, rtol: 1e-6, atol: 1e-6 } : { eps: 1e-2, rtol: 1e-2, atol: 1e-3 };
}

/** The model's input values: given ones, the rest drawn N(0, 1). */
function resolveInputs(model: Model, opts: GradcheckOptions, rng: Rng): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const v of model.graph.inputs) {
    if (model.graph.initializers.has(v.name)) continue;
    const given = opts.inputs?.[v.name];
    if (given !== undefined) {
      feeds[v.name] = given;
      continue;
    }
    const shape = v.shape;
    if (v.dtype === undefined || !isFloatDType(v.dtype) || shape === undefined || !shape.every((d) => typeof d === 'number')) {
      throw new SlimnetError('INVALID_ARGUMENT', `gradcheck: give a value for input '${v.name}' (not float, or shape not static)`);
    }
    const t = new Tensor(v.dtype, shape as number[]);
    for (let i = 0; i < t.size; i++) setNumber(t, i, rng.normal());
    feeds[v.name] = t;
  }
  return feeds;
}

function floatOutputs(model: Model): Value[] {
  return model.graph.outputs.filter((o) => o.dtype === undefined || isFloatDType(o.dtype));
}

function projections(outs: Readonly<Record<string, Tensor>>, names: readonly string[], opts: GradcheckOptions, fallback: 'random' | 'ones', rng: Rng): Record<string, Tensor> {
  const p = opts.projection ?? fallback;
  const out: Record<string, Tensor> = {};
  for (const name of names) {
    const o = outs[name];
    if (o === undefined || !isFloatDType(o.dtype)) continue;
    if (typeof p === 'object') {
      const given = p[name];
      if (given === undefined) throw new SlimnetError('INVALID_ARGUMENT', `gradcheck: no projection for output '${name}'`);
      out[name] = given;
      continue;
    }
    const r = new Tensor(o.dtype, o.dims);
    for (let i = 0; i < r.size; i++) setNumber(r, i, p === 'ones' ? 1 : rng.uniform(-1, 1));
    out[name] = r;
  }
  return out;
}

/** L = Σ_o Σ out_o ⊙ R_o, in float64. */
function projectedLoss(outs: Readonly<Record<string, Tensor>>, proj: Readonly<Record<string, Tensor>>): number {
  let s = 0;
  for (const [name, r] of Object.entries(proj)) {
    const o = outs[name];
    if (o === undefined) throw new SlimnetError('RUNTIME', `gradcheck: output '${name}' missing from the run`);
    for (let i = 0; i < r.size; i++) s += getNumber(o, i) * getNumber(r, i);
  }
  return s;
}

/** Builds the backward copy and runs it once: d L / d input for every name in `wrt`. */
async function runBackward(model: Model, feeds: Record<string, Tensor>, wrt: readonly string[], proj: Readonly<Record<string, Tensor>>, opts: GradcheckOptions): Promise<Record<string, Tensor>> {
  const copy = decodeModel(encodeModel(model));
  const g = copy.graph;
  if (opts.keepSymbolicShapes === true) {
    inferShapes(copy);
  } else {
    const inputShapes = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims]));
    for (const v of g.inputs) if (feeds[v.name] !== undefined) v.shape = feeds[v.name]?.dims;
    inferShapes(copy, { inputShapes });
  }
  const params = wrt.map((name) => {
    const v = g.inputs.find((i) => i.name === name);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `gradcheck: '${name}' is not a graph input`);
    return v;
  });
  const totals = new Map<Value, Value>();
  for (const out of floatOutputs(copy)) {
    const r = proj[out.name];
    if (r === undefined) continue;
    const seed = g.addInitializer(g.uniqueName(`gradcheck/seed/${out.name}`), r);
    const grads = addBackward(g, out, params, { opset: copy.opset(), seed, ...(opts.rules === undefined ? {} : { rules: opts.rules }) });
    for (const [p, d] of grads) {
      const prev = totals.get(p);
      const sum = prev === undefined ? d : g.createNode('Add', [prev, d], 1, 'gradcheck/sum').output();
      sum.dtype = p.dtype;
      sum.shape = p.shape;
      totals.set(p, sum);
    }
  }
  const names = new Map<Value, string>();
  for (const [p, d] of totals) {
    const o = g.createNode('Identity', [d], 1, `gradcheck/grad/${p.name}`).output();
    o.dtype = p.dtype;
    o.shape = p.shape;
    g.addOutput(o);
    names.set(p, o.name);
  }
  verify(g);
  const session = await Session.create(copy, { threads: 1 });
  try {
    const res = names.size === 0 ? {} : await session.run(feeds, [...names.values()]);
    const grads: Record<string, Tensor> = {};
    for (const p of params) {
      const name = names.get(p);
      const t = name === undefined ? undefined : res[name];
      grads[p.name] = t ?? new Tensor(feeds[p.name]?.dtype ?? 'float32', feeds[p.name]?.dims ?? []);
    }
    return grads;
  } finally {
    await session.release();
  }
}

function defaultWrt(model: Model, feeds: Readonly<Record<string, Tensor>>): string[] {
  return Object.keys(feeds).filter((k) => isFloatDType((feeds[k] as Tensor).dtype) && model.graph.inputs.some((v) => v.name === k));
}

/** Shared set-up: inputs, forward session, projection, analytic gradients. */
async function prepare(model: Model, opts: GradcheckOptions, fallback: 'random' | 'ones'): Promise<AnalyticResult & { session: Session }> {
  const rng = new Rng(opts.seed ?? 1234);
  const inputs = resolveInputs(model, opts, rng);
  const session = await Session.create(model, { threads: 1 });
  const names = floatOutputs(model).map((o) => o.name);
  const outs = await session.run(inputs, names);
  const projection = projections(outs, names, opts, fallback, rng);
  const grads = await runBackward(model, inputs, opts.wrt ?? defaultWrt(model, inputs), projection, opts);
  return { inputs, grads, projection, session };
}

/** Runs the backward graph once and returns d L / d input (L = Σ out ⊙ R). */
export async function analyticGradients(model: Model, opts: GradcheckOptions = {}): Promise<AnalyticResult> {
  const { session, ...rest } = await prepare(model, opts, 'random');
  await session.release();
  return rest;
}

/** Asserts the analytic gradient of `wrt` equals `expected` (hand-computed; projection defaults to 'ones'). */
export async function expectGradient(model: Model, wrt: string, expected: ArrayLike<number>, opts: GradcheckOptions = {}): Promise<void> {
  const { session, grads } = await prepare(model, { ...opts, wrt: [wrt] }, 'ones');
  await session.release();
  const d = defaultsFor(model);
  const got = grads[wrt] as Tensor;
  assert.equal(got.size, expected.length, `gradient of '${wrt}': ${got.size} elements, expected ${expected.length}`);
  const worst = worstElement(got, (i) => expected[i] as number, [...Array(got.size).keys()], opts.rtol ?? d.rtol, opts.atol ?? d.atol);
  if (worst !== undefined) assert.fail(`gradient of '${wrt}' ${describe(worst, got.dims)} vs expected`);
}

interface Mismatch {
  readonly index: number;
  readonly got: number;
  readonly want: number;
  readonly excess: number;
  readonly failures: number;
}

function worstElement(got: Tensor, want: (i: number) => number, indices: readonly number[], rtol: number, atol: number): Mismatch | undefined {
  let worst: Mismatch | undefined;
  let failures = 0;
  for (const i of indices) {
    const [a, n] = [getNumber(got, i), want(i)];
    const excess = Math.abs(a - n) - (atol + rtol * Math.abs(n));
    const bad = !(excess <= 0);
    if (bad) failures++;
    if (bad && (worst === undefined || !(excess <= worst.excess))) worst = { index: i, got: a, want: n, excess: Number.isNaN(excess) ? Infinity : excess, failures };
  }
  return worst === undefined ? undefined : { ...worst, failures };
}

function describe(m: Mismatch, dims: readonly number[]): string {
  const at: number[] = [];
  let rest = m.index;
  for (let k = dims.length - 1; k >= 0; k--) {
    const n = dims[k] as number;
    at.unshift(rest % n);
    rest = Math.floor(rest / n);
  }
  return `[${at.join(',')}] (flat ${m.index}) is ${m.got}, expected ${m.want} (|diff| ${Math.abs(m.got - m.want).toExponential(3)}; ${m.failures} element(s) out of tolerance)`;
}

function sampleIndices(size: number, max: number, rng: Rng): number[] {
  if (size <= max) return [...Array(size).keys()];
  return Array.from(rng.permutation(size).subarray(0, max)).sort((a, b) => a - b);
}

/** Compares analytic gradients with central differences; throws naming the worst element on mismatch. */
export async function gradcheck(model: Model, opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const d = defaultsFor(model);
  const [eps, rtol, atol] = [opts.eps ?? d.eps, opts.rtol ?? d.rtol, opts.atol ?? d.atol];
  const prep = await prepare(model, opts, 'random');
  const { session, inputs, grads, projection } = prep;
  const rng = new Rng((opts.seed ?? 1234) + 1);
  const outNames = Object.keys(projection);
  let checked = 0;
  let maxAbsError = 0;
  try {
    for (const [name, analytic] of Object.entries(grads)) {
      const x = inputs[name] as Tensor;
      const indices = sampleIndices(x.size, opts.maxElements ?? 64, rng);
      const numeric = new Map<number, number>();
      for (const i of indices) {
        const orig = getNumber(x, i);
        const moved = x.clone();
        setNumber(moved, i, orig + eps);
        const up = getNumber(moved, i);
        const lossUp = projectedLoss(await session.run({ ...inputs, [name]: moved }, outNames), projection);
        setNumber(moved, i, orig - eps);
        const down = getNumber(moved, i);
        const lossDown = projectedLoss(await session.run({ ...inputs, [name]: moved }, outNames), projection);
        numeric.set(i, (lossUp - lossDown) / (up - down));
        maxAbsError = Math.max(maxAbsError, Math.abs(getNumber(analytic, i) - (numeric.get(i) as number)));
      }
      checked += indices.length;
      const worst = worstElement(analytic, (i) => numeric.get(i) as number, indices, rtol, atol);
      if (worst !== undefined) {
        assert.fail(`gradcheck: d L / d ${name}${describe(worst, x.dims)} by central differences (eps ${eps}, rtol ${rtol}, atol ${atol})`);
      }
    }
  } finally {
    await session.release();
  }
  return { inputs, grads, projection, checked, maxAbsError };
}
