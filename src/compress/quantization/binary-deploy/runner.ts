/**
 * BinaryRunner: executes an ONNX model whose binary layers (Sign → Conv/Gemm with ±1 weights → optional
 * per-channel Mul) run on the native XNOR + popcount kernel and everything else on onnxruntime, in
 * segments between the binary layers. Without the addon (or with engine 'onnxruntime') the whole model
 * runs in one onnxruntime session, so callers work either way; `engine` says which one is in use.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { xnorAddon } from '../../../kernels/xnor/addon.js';
import { XnorLayer, type XnorIsa } from '../../../kernels/xnor/kernel.js';
import { Session, type Feeds } from '../../../runtime/session.js';
import { findBinaryLayers, type SkippedBinaryLayer } from './detect.js';
import { splitAroundBinaryLayers, type Step } from './plan.js';

/** Options of `BinaryRunner.create`: engine, threads, kernel variant and profiling. */
export interface BinaryRunnerOptions {
  /**
   * 'auto' (default): the XNOR kernel when the addon is built, else onnxruntime for everything;
   * 'xnor': require the kernel (DEPENDENCY_MISSING without it); 'onnxruntime': never use it.
   */
  readonly engine?: 'auto' | 'xnor' | 'onnxruntime';
  /** onnxruntime intra-op threads and XNOR kernel threads (default 1). */
  readonly threads?: number;
  /** XNOR kernel variant (default 'auto': the best this CPU runs). */
  readonly isa?: XnorIsa | 'auto';
  /** Accumulate wall time per step in `stepTimes()` (default false). */
  readonly profile?: boolean;
}

/** What the runner does with one binary layer. */
export interface BinaryLayerInfo {
  readonly node: string;
  readonly kind: 'conv' | 'gemm';
  /** Output channels × reduction length. */
  readonly outChannels: number;
  readonly reduction: number;
  /** Whether a following Mul by a per-channel scale was folded into the kernel. */
  readonly scaleFolded: boolean;
  /** Whether a BatchNormalization in front of the Sign was folded into the kernel. */
  readonly batchNormFolded: boolean;
  /** Whether an Add of a residual tensor after the layer was folded into the kernel. */
  readonly residualFolded: boolean;
}

/** Time spent in one step over the profiled runs. */
export interface StepTime {
  readonly step: string;
  readonly engine: 'xnor' | 'onnxruntime';
  readonly totalMs: number;
  readonly runs: number;
}

type Exec =
  | { readonly kind: 'onnxruntime'; readonly session: Session; readonly inputs: readonly string[]; readonly outputs: readonly string[]; readonly label: string }
  | {
    readonly kind: 'xnor'; readonly layer: XnorLayer; readonly input: string; readonly residual: string | undefined; readonly output: string;
    readonly label: string;
    /** Output memory reused from run to run when the output is not a graph output (undefined: allocate each run). */
    buffer: Float32Array | undefined;
    readonly reuse: boolean;
  };

/**
 * Runs a binary model with its binary layers on the XNOR kernel and the rest on onnxruntime segments (or everything on
 * onnxruntime without the addon).
 */
export class BinaryRunner {
  /** Which engine runs the binary layers. */
  readonly engine: 'xnor' | 'onnxruntime';
  /** Why the kernel is not used, when engine is 'onnxruntime'. */
  readonly fallbackReason: string | undefined;
  readonly layers: readonly BinaryLayerInfo[];
  /** Conv / Gemm nodes with ±1 weights left to onnxruntime, with the reason. */
  readonly skipped: readonly SkippedBinaryLayer[];
  /** Number of onnxruntime segments (1 when the whole model runs on onnxruntime). */
  readonly segments: number;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private readonly execs: readonly Exec[];
  private readonly constants: ReadonlyMap<string, Tensor>;
  private readonly times: Map<string, { ms: number; runs: number }> | undefined;
  private running = false;

  private constructor(fields: {
    engine: 'xnor' | 'onnxruntime'; fallbackReason: string | undefined; layers: BinaryLayerInfo[]; skipped: readonly SkippedBinaryLayer[];
    execs: Exec[]; model: Model; profile: boolean;
  }) {
    this.engine = fields.engine;
    this.fallbackReason = fields.fallbackReason;
    this.layers = fields.layers;
    this.skipped = fields.skipped;
    this.execs = fields.execs;
    this.segments = fields.execs.filter((e) => e.kind === 'onnxruntime').length;
    const g = fields.model.graph;
    this.inputNames = g.inputs.map((v) => v.name);
    this.outputNames = g.outputs.map((v) => v.name);
    this.constants = new Map(g.outputs.flatMap((v) => (v.initializer === undefined ? [] : [[v.name, v.initializer] as const])));
    this.times = fields.profile ? new Map() : undefined;
  }

  /** Scans, splits and prepares `model` (which is not modified). */
  static async create(model: Model, opts: BinaryRunnerOptions = {}): Promise<BinaryRunner> {
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new SlimnetError('INVALID_ARGUMENT', `threads must be a positive integer, got ${threads}`);
    const m = model.clone();
    m.graph.sortTopologically();
    const scan = findBinaryLayers(m);
    const layers = scan.layers.map((l): BinaryLayerInfo => ({
      node: l.node.name, kind: l.kind, outChannels: l.weights.outChannels,
      reduction: l.weights.inChannels * l.weights.kernel[0] * l.weights.kernel[1], scaleFolded: l.mul !== undefined,
      batchNormFolded: l.batchNorm !== undefined, residualFolded: l.add !== undefined,
    }));
    const engine = opts.engine ?? 'auto';
    const addon = xnorAddon();
    let reason: string | undefined;
    if (engine === 'onnxruntime') reason = "engine 'onnxruntime' was requested";
    else if (!addon.ok) {
      if (engine === 'xnor') throw new SlimnetError('DEPENDENCY_MISSING', addon.reason);
      reason = addon.reason;
    } else if (scan.layers.length === 0) reason = 'the model has no binary layer in the Sign → Conv/Gemm(±1) form';
    const sessionOpts = { threads, allowSpinning: false } as const;
    if (reason !== undefined) {
      const session = await Session.create(m, sessionOpts);
      const execs: Exec[] = [{ kind: 'onnxruntime', session, inputs: session.inputNames, outputs: session.outputNames, label: 'whole model' }];
      return new BinaryRunner({ engine: 'onnxruntime', fallbackReason: reason, layers, skipped: scan.skipped, execs, model: m, profile: opts.profile === true });
    }
    const execs: Exec[] = [];
    try {
      const outputs = new Set(m.graph.outputs.map((v) => v.name));
    for (const [i, step] of splitAroundBinaryLayers(m, scan.layers).entries()) execs.push(await prepare(step, i, threads, opts.isa ?? 'auto', sessionOpts, outputs));
    } catch (e) {
      await releaseAll(execs);
      throw e;
    }
    return new BinaryRunner({ engine: 'xnor', fallbackReason: undefined, layers, skipped: scan.skipped, execs, model: m, profile: opts.profile === true });
  }

  /**
   * Runs the model; returns every graph output (fresh tensors). One run at a time: intermediate kernel outputs
   * live in buffers reused from run to run (like onnxruntime's arena), so a second concurrent run is refused.
   */
  async run(feeds: Feeds): Promise<Record<string, Tensor>> {
    if (this.running) throw new SlimnetError('RUNTIME', 'BinaryRunner.run is already running: await it before the next run');
    this.running = true;
    try {
      return await this.runSteps(feeds);
    } finally {
      this.running = false;
    }
  }

  private async runSteps(feeds: Feeds): Promise<Record<string, Tensor>> {
    const missing = this.inputNames.filter((n) => feeds[n] === undefined);
    if (missing.length > 0) throw new SlimnetError('INVALID_ARGUMENT', `missing model input(s): ${missing.join(', ')} (inputs: ${this.inputNames.join(', ')})`);
    const env = new Map<string, Tensor>(Object.entries(feeds));
    for (const e of this.execs) {
      const t0 = this.times === undefined ? 0n : process.hrtime.bigint();
      if (e.kind === 'xnor') env.set(e.output, runKernel(e, env));
      else {
        const f: Record<string, Tensor> = {};
        for (const n of e.inputs) f[n] = env.get(n) as Tensor;
        const out = await e.session.run(f, e.outputs);
        for (const [k, v] of Object.entries(out)) env.set(k, v);
      }
      if (this.times !== undefined) {
        const rec = this.times.get(e.label) ?? { ms: 0, runs: 0 };
        rec.ms += Number(process.hrtime.bigint() - t0) / 1e6;
        rec.runs += 1;
        this.times.set(e.label, rec);
      }
    }
    const result: Record<string, Tensor> = {};
    for (const n of this.outputNames) result[n] = (env.get(n) ?? this.constants.get(n)) as Tensor;
    return result;
  }

  /** Per-step wall time since creation (or the last reset); empty unless created with `profile: true`. */
  stepTimes(reset = false): StepTime[] {
    if (this.times === undefined) return [];
    const out = this.execs.map((e) => {
      const r = this.times?.get(e.label) ?? { ms: 0, runs: 0 };
      return { step: e.label, engine: e.kind, totalMs: r.ms, runs: r.runs };
    });
    if (reset) this.times.clear();
    return out;
  }

  async release(): Promise<void> {
    await releaseAll(this.execs);
  }
}

async function prepare(
  step: Step, i: number, threads: number, isa: XnorIsa | 'auto', sessionOpts: { threads: number; allowSpinning: false }, graphOutputs: ReadonlySet<string>,
): Promise<Exec> {
  if (step.kind === 'onnxruntime') {
    const session = await Session.create(step.model, sessionOpts);
    return { kind: 'onnxruntime', session, inputs: step.inputs, outputs: step.outputs, label: `segment ${i} (${step.nodes} nodes)` };
  }
  const l = step.layer;
  const layer = XnorLayer.create(l.weights, {
    alpha: l.alpha, beta: l.beta, geometry: l.geometry, isa, threads, name: `${l.node.opType} '${l.node.name}'`,
    ...(l.inputAffine === undefined ? {} : { inputAffine: l.inputAffine }),
  });
  return {
    kind: 'xnor', layer, input: step.input, residual: step.residual, output: step.output, label: `xnor ${l.node.name}`, buffer: undefined,
    reuse: !graphOutputs.has(step.output),
  };
}

function runKernel(e: Extract<Exec, { kind: 'xnor' }>, env: ReadonlyMap<string, Tensor>): Tensor {
  const x = floatInput(e, env, e.input);
  const dims = [...x.dims];
  const outDims = e.layer.outputDims(dims);
  const size = outDims.reduce((a, b) => a * b, 1);
  // Fresh large buffers cost page faults on every run; an intermediate output can reuse last run's memory.
  let out = e.buffer;
  if (out === undefined || out.length !== size) out = new Float32Array(size);
  if (e.reuse) e.buffer = out;
  if (e.residual === undefined) return new Tensor('float32', outDims, e.layer.run(x.data, dims, out));
  const r = floatInput(e, env, e.residual);
  if (r.dims.length !== outDims.length || r.dims.some((d, i) => d !== outDims[i])) {
    throw new SlimnetError('RUNTIME', `${e.layer.name}: residual '${e.residual}' is [${r.dims.join(',')}], the layer output [${outDims.join(',')}]`);
  }
  return new Tensor('float32', outDims, e.layer.run(x.data, dims, out, r.data));
}

function floatInput(e: Extract<Exec, { kind: 'xnor' }>, env: ReadonlyMap<string, Tensor>, name: string): Tensor & { data: Float32Array } {
  const x = env.get(name);
  if (x === undefined) throw new SlimnetError('RUNTIME', `${e.layer.name}: its input '${name}' was not computed`);
  if (!(x.data instanceof Float32Array)) throw new SlimnetError('RUNTIME', `${e.layer.name}: input '${name}' is ${x.dtype}, the XNOR kernel reads float32`);
  return x as Tensor & { data: Float32Array };
}

async function releaseAll(execs: readonly Exec[]): Promise<void> {
  for (const e of execs) if (e.kind === 'onnxruntime') await e.session.release();
}
