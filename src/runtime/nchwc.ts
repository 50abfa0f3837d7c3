/**
 * Blocked-layout convolutions for graphs with run-time weights (see passes/nchwc-conv.ts): finds the
 * channel block size of onnxruntime's NCHWc kernels on this machine by probing, then lowers the model.
 * The probe runs a 16-channel conv through the lowered form for each candidate block size and keeps the
 * one whose output equals the plain Conv's; when none does (a CPU or build without NCHWc kernels) models
 * are left as they are.
 */
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { lowerConvsToNchwc } from '../passes/nchwc-conv.js';
import type { PassResult } from '../passes/pass.js';
import { Session } from './session.js';

const CANDIDATES = [16, 8] as const;
let probed: Promise<number | undefined> | undefined;

/** onnxruntime's NCHWc block size on this CPU, or undefined when its blocked kernels are unavailable. */
export function nchwcBlockSize(): Promise<number | undefined> {
  probed ??= probe();
  return probed;
}

/** Lowers the model's Convs with run-time weights to the blocked layout when this CPU supports it. */
export async function accelerateConvs(model: Model): Promise<PassResult> {
  const block = await nchwcBlockSize();
  return block === undefined ? { model, modified: false } : lowerConvsToNchwc(model, { blockSize: block });
}

function probeModel(): Model {
  const b = new GraphBuilder('nchwc-probe');
  const x = b.input('x', 'float32', [2, 16, 5, 5]);
  const w = b.input('w', 'float32', [16, 16, 3, 3]);
  b.output(b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), 'y');
  return b.build(17);
}

async function probe(): Promise<number | undefined> {
  const x = Tensor.f32([2, 16, 5, 5], Array.from({ length: 800 }, (_, i) => Math.sin(i * 0.7)));
  const w = Tensor.f32([16, 16, 3, 3], Array.from({ length: 2304 }, (_, i) => Math.cos(i * 1.3)));
  const want = await runOnce(probeModel(), { x, w });
  if (want === undefined) return undefined;
  for (const block of CANDIDATES) {
    const lowered = probeModel();
    lowerConvsToNchwc(lowered, { blockSize: block });
    const got = await runOnce(lowered, { x, w });
    if (got !== undefined && got.every((v, i) => Math.abs(v - (want[i] as number)) <= 1e-3 * (1 + Math.abs(want[i] as number)))) return block;
  }
  return undefined;
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
