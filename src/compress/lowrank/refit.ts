/**
 * Data-driven refit of the last stage of each factored layer (the "asymmetric" reconstruction of Zhang et
 * al. 2016, as in ThiNet's least-squares step): on a few calibration images, the last 1×1 conv / Gemm /
 * MatMul of a factored layer — or any ungrouped conv, such as Jaderberg's 1×k stage, whose input patches are
 * then the regressors — gets the weights and bias that best reproduce, in least squares over every output
 * position, what the original layer outputs, with its input taken from the factored model itself, so errors
 * of earlier factored layers are compensated. Layers are refit in graph order. Grouped / depthwise last
 * stages and convs with auto_pad SAME are left as they are.
 */
import type { Split } from '../../data/types.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import { convGeometry } from '../../passes/layer-geometry.js';
import { Session } from '../../runtime/session.js';
import { solveSpdMatrix } from '../../util/linalg/cholesky.js';
import { matrix, relativeError } from '../../util/linalg/matrix.js';
import type { DecomposeReport } from './types.js';

/** Options of `refitLastStages`: calibration images, their number and threads. */
export interface RefitOptions {
  /** Calibration images (the first `samples` of the split are used). */
  readonly data: Split;
  /** Number of calibration images (default 256). */
  readonly samples?: number;
  /** onnxruntime threads (default 2). */
  readonly threads?: number;
}

/** Relative output error of one factored layer on the calibration images, before and after the refit. */
export interface RefitLayer {
  readonly name: string;
  /** ‖ŷ − y‖ / ‖y‖ of the layer's output on the calibration images, before and after the refit. */
  readonly before: number;
  readonly after: number;
}

/** The result of `refitLastStages`: the refit model, per-layer output errors, and layers that could not be refit. */
export interface RefitResult {
  /** A new model (the input is not modified). */
  readonly model: Model;
  readonly layers: readonly RefitLayer[];
  /** Factored layers whose last stage cannot be refit, with the reason. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

/** Runs `model` on `x` and returns the named values. */
async function values(model: Model, names: readonly string[], x: Tensor, threads: number): Promise<Record<string, Tensor>> {
  const m = model.clone();
  const byName = m.graph.valuesByName();
  for (const name of names) {
    const v = byName.get(name);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `refit: the model has no value '${name}'`);
    if (!m.graph.outputs.includes(v)) m.graph.addOutput(v);
  }
  const input = m.graph.inputs.find((v) => v.initializer === undefined);
  if (input === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'refit: the model has no input');
  const s = await Session.create(m, { threads });
  try {
    return await s.run({ [input.name]: x }, names);
  } finally {
    await s.release();
  }
}

/** Why the last stage cannot be refit, or undefined when it can. */
function refittable(node: Node): string | undefined {
  if (node.opType === 'Conv') {
    if (node.attrInt('group', 1) !== 1) return 'the last stage is a grouped conv';
    const autoPad = node.attrString('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return `the last stage uses auto_pad ${autoPad}`;
    if (node.input(1).initializer?.rank !== 4) return 'the last stage is not a 2-D conv with a stored weight';
    return undefined;
  }
  if (node.opType === 'Gemm') return node.attrInt('transA', 0) === 0 && node.attrInt('transB', 0) === 1 ? undefined : 'Gemm layout not supported';
  if (node.opType === 'MatMul') return undefined;
  return `the last stage is a ${node.opType}`;
}

type Rows = { data: Float32Array; rows: number; cols: number };

/**
 * The input patches of a 2-D conv as rows: one row per output position (n, oh, ow), one column per weight
 * element (c, i, j) in the weight's [out, C, kh, kw] order, zero outside the padded input.
 */
function patchRows(t: Tensor, conv: Node): Rows {
  const d = t.data as Float32Array;
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const g = convGeometry(conv, (conv.input(1).initializer as Tensor).dims, [h, w]);
  const [[kh, kw], [sh, sw], [dh, dw], [pt, pl], [oh, ow]] = [g.kernel, g.strides, g.dilations, g.pads, g.outSize];
  const cols = c * kh * kw;
  const out = new Float32Array(n * oh * ow * cols);
  let r = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++, r++) {
        const base = r * cols;
        for (let ch = 0; ch < c; ch++) {
          const plane = (b * c + ch) * h * w;
          for (let i = 0; i < kh; i++) {
            const iy = y * sh - pt + i * dh;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = x * sw - pl + j * dw;
              if (ix >= 0 && ix < w) out[base + (ch * kh + i) * kw + j] = d[plane + iy * w + ix] as number;
            }
          }
        }
      }
    }
  }
  return { data: out, rows: n * oh * ow, cols };
}

/** Rows (positions) of an activation as [positions × channels]: NCHW → (n, h, w) × c, or [N, ..., F] → rows × F. */
function rows(t: Tensor, conv: boolean): Rows {
  const d = t.data as Float32Array;
  if (!conv) {
    const cols = t.dims[t.rank - 1] as number;
    return { data: d, rows: d.length / cols, cols };
  }
  const [n, c] = t.dims as [number, number];
  const hw = d.length / (n * c);
  const out = new Float32Array(d.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) out[(i * hw + p) * c + ch] = d[(i * c + ch) * hw + p] as number;
  return { data: out, rows: n * hw, cols: c };
}

/**
 * Refits the last stage of each factored layer by least squares so that its output matches the original layer's on
 * calibration images.
 */
export async function refitLastStages(original: Model, decomposed: Model, report: DecomposeReport, opts: RefitOptions): Promise<RefitResult> {
  const samples = Math.min(opts.samples ?? 256, opts.data.count);
  const threads = opts.threads ?? 2;
  const per = opts.data.images.length / opts.data.count;
  const x = new Tensor('float32', [samples, ...opts.data.sampleShape], opts.data.images.slice(0, samples * per));
  const model = decomposed.clone();
  const skipped: Array<{ name: string; reason: string }> = [];
  const jobs: Array<{ name: string; last: Node }> = [];
  for (const row of report.layers) {
    const lastName = row.nodes?.[row.nodes.length - 1];
    if (row.status !== 'decomposed' || lastName === undefined) continue;
    const last = model.graph.findNode(lastName);
    const reason = last === undefined ? `node '${lastName}' not found` : refittable(last);
    if (reason !== undefined || last === undefined) skipped.push({ name: row.name, reason: reason ?? 'not found' });
    else jobs.push({ name: row.name, last });
  }
  if (jobs.length === 0) return { model, layers: [], skipped };
  const targets = await values(original, jobs.map((j) => j.last.output(0).name), x, threads);
  const layers: RefitLayer[] = [];
  for (const job of jobs) {
    const inName = job.last.input(0).name;
    const outName = job.last.output(0).name;
    const got = await values(model, [inName, outName], x, threads);
    const conv = job.last.opType === 'Conv';
    const z = conv ? patchRows(got[inName] as Tensor, job.last) : rows(got[inName] as Tensor, false);
    const y = rows(targets[outName] as Tensor, conv);
    const yHat = rows(got[outName] as Tensor, conv);
    const fit = leastSquares(z, y, job.last);
    if (fit === undefined) {
      skipped.push({ name: job.name, reason: `too few calibration rows (${z.rows}) for ${z.cols} inputs` });
      continue;
    }
    layers.push({ name: job.name, before: relativeError(yHat.data, y.data), after: fit.error });
  }
  return { model, layers, skipped };
}

/**
 * Solves min ‖[Z 1] [Wᵀ; b] − Y‖ (bias only when the stage has one) by the normal equations, writes W and b
 * into the stage's initializers and returns the relative error of the fit.
 */
function leastSquares(z: Rows, y: Rows, last: Node): { error: number } | undefined {
  const biasValue = last.opType === 'MatMul' ? undefined : last.inputs[2];
  const withBias = biasValue?.initializer !== undefined;
  const k = z.cols + (withBias ? 1 : 0);
  if (z.rows < 2 * k) return undefined;
  const g = matrix(k, k);
  const rhs = matrix(k, y.cols);
  const zr = new Float64Array(k);
  for (let r = 0; r < z.rows; r++) {
    for (let i = 0; i < z.cols; i++) zr[i] = z.data[r * z.cols + i] as number;
    if (withBias) zr[k - 1] = 1;
    for (let i = 0; i < k; i++) {
      const zi = zr[i] as number;
      if (zi === 0) continue;
      for (let j = i; j < k; j++) g.data[i * k + j] = (g.data[i * k + j] as number) + zi * (zr[j] as number);
      for (let o = 0; o < y.cols; o++) rhs.data[i * y.cols + o] = (rhs.data[i * y.cols + o] as number) + zi * (y.data[r * y.cols + o] as number);
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) g.data[i * k + j] = g.data[j * k + i] as number;
  const sol = solveSpdMatrix(g, rhs); // k × out
  const w = last.input(1).initializer as Tensor;
  const wd = w.data as Float32Array;
  const beta = last.opType === 'Gemm' ? last.attrFloat('beta', 1) : 1;
  for (let o = 0; o < y.cols; o++) {
    for (let i = 0; i < z.cols; i++) {
      // Conv [out, C, kh, kw] (i = patch element) and Gemm (transB) [out, R] store W[o, i]; MatMul [R, out] stores Wᵀ.
      const v = sol.data[i * y.cols + o] as number;
      if (last.opType === 'MatMul') wd[i * y.cols + o] = v;
      else wd[o * z.cols + i] = v;
    }
  }
  if (withBias) {
    const bd = (biasValue?.initializer as Tensor).data as Float32Array;
    if (bd.length !== y.cols) throw new SlimnetError('SHAPE_MISMATCH', `refit: bias of '${last.name}' has ${bd.length} elements, expected ${y.cols}`);
    for (let o = 0; o < y.cols; o++) bd[o] = (sol.data[(k - 1) * y.cols + o] as number) / beta;
  }
  let num = 0;
  let den = 0;
  for (let r = 0; r < z.rows; r++) {
    for (let o = 0; o < y.cols; o++) {
      let s = withBias ? (sol.data[(k - 1) * y.cols + o] as number) : 0;
      for (let i = 0; i < z.cols; i++) s += (z.data[r * z.cols + i] as number) * (sol.data[i * y.cols + o] as number);
      const t = y.data[r * y.cols + o] as number;
      num += (s - t) ** 2;
      den += t * t;
    }
  }
  return { error: den === 0 ? Math.sqrt(num) : Math.sqrt(num / den) };
}
