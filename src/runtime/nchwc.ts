/**
 * Blocked-layout convolutions for graphs with run-time weights (see passes/nchwc-conv.ts): finds the
 * channel block size of onnxruntime's NCHWc kernels on this machine, then lowers the model.
 *
 * The block size is read from onnxruntime itself, not guessed from a convolution that happens to agree:
 * a session over a Conv with a *constant* 8 × 16 filter, optimised at level 'all' and saved with
 * `optimizedModelFilePath`, contains onnxruntime's own NCHWc rewrite, whose reordered filter has its output
 * channels padded to the block size (8 → 16 on AVX-512, 8 → 8 on AVX2). The reordered values must equal
 * `blockedFilterReference` for that block (the layout the in-graph reorder produces), and a lowered Conv + Relu
 * must then reproduce the plain one; otherwise (no NCHWc kernels, an unknown layout) models are left as they
 * are. The training engine checks the lowering once more on its first real batch (train/run-training.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { loadModel } from '../onnx/index.js';
import { blockedFilterReference, lowerConvsToNchwc, NCHWC_DOMAIN } from '../passes/nchwc-conv.js';
import type { PassResult } from '../passes/pass.js';
import { Session } from './session.js';

let probed: Promise<number | undefined> | undefined;

/** onnxruntime's NCHWc block size on this CPU, or undefined when its blocked kernels are unavailable. */
export function nchwcBlockSize(): Promise<number | undefined> {
  probed ??= probe();
  return probed;
}

/**
 * Lowers the model's Convs with run-time weights to the blocked layout when this CPU supports it.
 * `blockSize` overrides the detected block (tests use it to exercise a wrong lowering).
 */
export async function accelerateConvs(model: Model, opts: { readonly blockSize?: number } = {}): Promise<PassResult> {
  const block = opts.blockSize ?? (await nchwcBlockSize());
  return block === undefined ? { model, modified: false } : lowerConvsToNchwc(model, { blockSize: block });
}

const PROBE_M = 8;
const PROBE_C = 16;

function filterValues(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 1 + i);
}

/** Conv with a constant [8, 16, 3, 3] filter: onnxruntime reorders it into its own blocked layout. */
function constantFilterModel(): Model {
  const b = new GraphBuilder('nchwc-block-probe');
  const x = b.input('x', 'float32', [1, PROBE_C, 6, 6]);
  const w = b.graph.addInitializer('w', Tensor.f32([PROBE_M, PROBE_C, 3, 3], filterValues(PROBE_M * PROBE_C * 9)));
  b.output(b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), 'y');
  return b.build(17);
}

/** The block size onnxruntime's optimiser used for a constant filter, when its layout is the reference one. */
export async function blockFromOptimizedModel(): Promise<number | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-nchwc-'));
  try {
    const path = join(dir, 'optimized.onnx');
    const s = await Session.create(constantFilterModel(), { threads: 1, optimizedModelPath: path });
    await s.release();
    const conv = loadModel(path).graph.nodes.find((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv');
    const filter = conv?.inputs[1]?.initializer;
    const block = filter?.dims[0];
    if (filter === undefined || block === undefined || block < PROBE_M || block % PROBE_M !== 0) return undefined;
    const want = blockedFilterReference(filterValues(PROBE_M * PROBE_C * 9), [PROBE_M, PROBE_C, 3, 3], block);
    const got = filter.toFloat32();
    const same = filter.dims.every((d, i) => d === want.dims[i]) && got.every((v, i) => v === want.data[i]);
    return same ? block : undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runtimeFilterModel(channels: number): Model {
  const b = new GraphBuilder('nchwc-lowering-probe');
  const x = b.input('x', 'float32', [2, channels, 7, 7]);
  const w = b.input('w', 'float32', [channels, channels, 3, 3]);
  b.output(b.op('Relu', [b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]), 'y');
  return b.build(17);
}

/** Whether a Conv + Relu lowered with `block` reproduces the plain one on this machine. */
export async function loweringReproducesPlain(block: number): Promise<boolean> {
  const c = 2 * block;
  const x = Tensor.f32([2, c, 7, 7], Array.from({ length: 2 * c * 49 }, (_, i) => Math.sin(i * 0.7)));
  const w = Tensor.f32([c, c, 3, 3], Array.from({ length: c * c * 9 }, (_, i) => Math.cos(i * 1.3)));
  const want = await runOnce(runtimeFilterModel(c), { x, w });
  const lowered = runtimeFilterModel(c);
  if (want === undefined || !lowerConvsToNchwc(lowered, { blockSize: block }).modified) return false;
  const got = await runOnce(lowered, { x, w });
  const scale = want.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  return got !== undefined && got.every((v, i) => Math.abs(v - (want[i] as number)) <= 1e-4 * (1 + scale));
}

async function probe(): Promise<number | undefined> {
  const block = await blockFromOptimizedModel();
  return block !== undefined && (await loweringReproducesPlain(block)) ? block : undefined;
}

async function runOnce(model: Model, feeds: Record<string, Tensor>): Promise<Float32Array | undefined> {
  let s: Session | undefined;
  try {
    s = await Session.create(model, { threads: 1 });
    return (await s.run(feeds)).y?.toFloat32();
  } catch {
    return undefined;
  } finally {
    await s?.release();
  }
}
