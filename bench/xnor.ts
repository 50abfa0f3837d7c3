/**
 * XNOR + popcount inference measured against onnxruntime float (1 thread each, interleaved blocks, medians):
 *  1. layers: the native kernel (sign packing + XNOR-popcount conv/GEMM + scale, float in / float out) vs an
 *     onnxruntime float Conv / Gemm of the same shape, for the binary layers of XNOR-Net LeNet-5 and ResNet-20
 *     at 28×28 input and a few larger shapes; every kernel variant this CPU runs;
 *  2. models: BinaryRunner (kernel for every Sign → Conv/Gemm(±1) layer, onnxruntime in between) vs onnxruntime
 *     running the same model in float, plus the float zoo network before binarization, with output agreement.
 *   node dist/bench/xnor.js [--part layers|models|all] [--batches 1,64] [--runs 50] [--isas best|all]
 *        [--shapes LeNet-5,ResNet-20] [--model trained-xnor.onnx [--baseline float.onnx] ...]
 * --shapes keeps the layer shapes whose name contains one of the strings; --baseline (one per --model, in
 * order) also times the float network the model was binarized from.
 */
import { parseArgs } from 'node:util';
import { GraphBuilder } from '../src/ir/builder.js';
import type { Model } from '../src/ir/graph.js';
import { Tensor } from '../src/ir/tensor.js';
import { compareBinaryLatency } from '../src/compress/quantization/binary-deploy/index.js';
import { xnorLenet5, xnorResnet20 } from '../src/compress/quantization/binary-deploy/fixtures.js';
import { median, withCpuTime } from '../src/compress/quantization/binary-deploy/measure.js';
import { bestXnorIsa, packBinaryWeights, XNOR_ISAS, XnorLayer, xnorAddon, type XnorIsa } from '../src/kernels/xnor/index.js';
import { loadModel } from '../src/onnx/index.js';
import { summarize, timeInterleaved } from '../src/runtime/latency.js';
import { Session } from '../src/runtime/session.js';
import { Rng } from '../src/util/rng.js';
import { lenet5, resnet20 } from '../src/zoo/index.js';

interface LayerShape {
  readonly name: string;
  /** conv: [C, H, W] input, M, k, stride, pad; gemm: K input, M. */
  readonly kind: 'conv' | 'gemm';
  readonly c: number; readonly h: number; readonly m: number; readonly k: number; readonly stride: number; readonly pad: number;
}

const conv = (name: string, c: number, h: number, m: number, k: number, stride: number, pad: number): LayerShape => ({ name, kind: 'conv', c, h, m, k, stride, pad });
const gemm = (name: string, k: number, m: number): LayerShape => ({ name, kind: 'gemm', c: k, h: 1, m, k: 1, stride: 1, pad: 0 });

const LAYERS: readonly LayerShape[] = [
  conv('LeNet-5 conv2 20→50 5×5 @12×12', 20, 12, 50, 5, 1, 0),
  gemm('LeNet-5 fc1 800→500', 800, 500),
  conv('ResNet-20 16→16 3×3 @28×28 (×6)', 16, 28, 16, 3, 1, 1),
  conv('ResNet-20 16→32 3×3 s2 @28×28', 16, 28, 32, 3, 2, 1),
  conv('ResNet-20 32→32 3×3 @14×14 (×5)', 32, 14, 32, 3, 1, 1),
  conv('ResNet-20 32→64 3×3 s2 @14×14', 32, 14, 64, 3, 2, 1),
  conv('ResNet-20 64→64 3×3 @7×7 (×5)', 64, 7, 64, 3, 1, 1),
  conv('128→128 3×3 @28×28', 128, 28, 128, 3, 1, 1),
  conv('256→256 3×3 @14×14', 256, 14, 256, 3, 1, 1),
  conv('512→512 3×3 @7×7', 512, 7, 512, 3, 1, 1),
  gemm('fc 1024→1024', 1024, 1024),
  gemm('fc 4096→4096', 4096, 4096),
];

function floatLayer(s: LayerShape, rng: Rng): { model: Model; signs: Tensor } {
  const b = new GraphBuilder(s.name);
  const fanIn = s.c * s.k * s.k;
  const dims = s.kind === 'conv' ? [s.m, s.c, s.k, s.k] : [s.m, s.c];
  const w = Tensor.f32(dims, Float32Array.from({ length: s.m * fanIn }, () => rng.normal() / Math.sqrt(fanIn)));
  const signs = Tensor.f32(dims, Float32Array.from(w.data as Float32Array, (v) => (v < 0 ? -1 : 1)));
  if (s.kind === 'conv') {
    const x = b.input('x', 'float32', ['N', s.c, s.h, s.h]);
    const p = s.pad;
    b.output(b.op('Conv', [x, b.initializer('w', w)], { kernel_shape: [s.k, s.k], strides: [s.stride, s.stride], pads: [p, p, p, p] }), 'y');
  } else {
    b.output(b.op('Gemm', [b.input('x', 'float32', ['N', s.c]), b.initializer('w', w)], { transB: 1 }), 'y');
  }
  return { model: b.build(), signs };
}

async function benchLayers(batches: readonly number[], runs: number, isas: readonly XnorIsa[], shapes: readonly string[]): Promise<void> {
  console.log(`\n## Layers: XNOR kernel vs onnxruntime float (1 thread, ${runs} interleaved runs each, ms: median / min)\n`);
  console.log('Speedups: of the medians, of the minima (least disturbed runs), and of the median process CPU time.\n');
  const others = isas.slice(1);
  console.log(`| layer | batch | MMAC | onnxruntime float | xnor ${isas[0] as string} | speedup median / min / cpu |${others.map((i) => ` xnor ${i} |`).join('')}`);
  console.log(`|---|---|---|---|---|---|${others.map(() => '---|').join('')}`);
  const rng = new Rng(1);
  for (const s of LAYERS.filter((l) => shapes.length === 0 || shapes.some((x) => l.name.includes(x)))) {
    const { model, signs } = floatLayer(s, rng);
    const packed = packBinaryWeights(signs, { kind: s.kind, scales: Float32Array.from({ length: s.m }, () => 0.1) });
    const geometry = { strides: [s.stride, s.stride], pads: [s.pad, s.pad, s.pad, s.pad] };
    const layers = isas.map((isa) => XnorLayer.create(packed, { isa, ...(s.kind === 'conv' ? { geometry } : {}) }));
    const session = await Session.create(model, { threads: 1, allowSpinning: false });
    try {
      for (const n of batches) {
        const dims = s.kind === 'conv' ? [n, s.c, s.h, s.h] : [n, s.c];
        const x = new Tensor('float32', dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal()));
        const outDims = layers[0]?.outputDims(dims) ?? [];
        const macs = (outDims.reduce((a, b) => a * b, 1) * s.c * s.k * s.k) / 1e6;
        const cpu: number[][] = [[], ...layers.map(() => [])];
        const fns = [() => session.run({ x }), ...layers.map((l) => () => l.run(x.data as Float32Array, dims))].map((f, i) => withCpuTime(f, cpu[i] as number[]));
        const times = await timeInterleaved(fns, { batchSize: n, runs, warmup: 10, blocks: 5, pauseMs: 10 });
        const st = times.map((t) => summarize(t, n, 1));
        const cmed = cpu.map((c) => median(c.slice(10)));
        const fmt = (i: number): string => `${(st[i]?.medianMs as number).toFixed(3)} / ${(st[i]?.minMs as number).toFixed(3)}`;
        const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;
        const [o, k] = [st[0] as { medianMs: number; minMs: number }, st[1] as { medianMs: number; minMs: number }];
        const speed = `**${ratio(o.medianMs, k.medianMs)}** / ${ratio(o.minMs, k.minMs)} / ${ratio(cmed[0] as number, cmed[1] as number)}`;
        console.log(`| ${s.name} | ${n} | ${macs.toFixed(1)} | ${fmt(0)} | ${fmt(1)} | ${speed} |${others.map((_, i) => ` ${fmt(i + 2)} |`).join('')}`);
      }
    } finally {
      await session.release();
    }
  }
}

async function benchModels(batches: readonly number[], runs: number, paths: readonly string[], baselines: readonly string[]): Promise<void> {
  const models: Array<{ name: string; model: Model; baseline: Model | undefined }> = paths.length > 0
    ? paths.map((p, i) => ({ name: p, model: loadModel(p), baseline: baselines[i] === undefined ? undefined : loadModel(baselines[i]) }))
    : [
      { name: 'LeNet-5 XNOR (random ±1)', model: xnorLenet5({ seed: 1 }), baseline: lenet5({ seed: 1 }) },
      { name: 'ResNet-20 XNOR (random ±1)', model: xnorResnet20({ seed: 1 }), baseline: resnet20({ seed: 1 }) },
    ];
  console.log(`\n## Models: BinaryRunner vs onnxruntime float on the same model (1 thread, ${runs} interleaved runs each, ms: median / min)\n`);
  console.log('| model | batch | binary layers | segments | onnxruntime float | runner | speedup median / min / cpu | float net before binarization | max abs diff (max abs out) | argmax agree | time in kernel |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { name, model, baseline } of models) {
    for (const n of batches) {
      const r = await compareBinaryLatency(model, { batchSize: n, runs, warmup: 10, threads: 1, seed: n, ...(baseline === undefined ? {} : { baseline }) });
      const kernelMs = r.steps.filter((s) => s.engine === 'xnor').reduce((a, s) => a + s.totalMs, 0);
      const allMs = r.steps.reduce((a, s) => a + s.totalMs, 0);
      const mm = (l: { medianMs: number; minMs: number } | undefined): string => (l === undefined ? '-' : `${l.medianMs.toFixed(3)} / ${l.minMs.toFixed(3)}`);
      const speed = `**${r.speedup.toFixed(2)}×** / ${(r.onnxruntime.minMs / r.runner.minMs).toFixed(2)}× / ${(r.cpuMs.onnxruntime / r.cpuMs.runner).toFixed(2)}×`;
      console.log(`| ${name} | ${n} | ${r.layers.length} (${r.engine}) | ${r.segments} | ${mm(r.onnxruntime)} | ${mm(r.runner)} | ${speed} | ${mm(r.baseline)} | ${r.maxAbsDiff.toExponential(1)} (${r.maxAbsOutput.toFixed(2)}) | ${(100 * r.argmaxAgreement).toFixed(0)} % | ${((100 * kernelMs) / Math.max(allMs, 1e-9)).toFixed(0)} % |`);
    }
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      part: { type: 'string', default: 'all' },
      batches: { type: 'string', default: '1,64' },
      runs: { type: 'string', default: '50' },
      isas: { type: 'string', default: 'all' },
      model: { type: 'string', multiple: true },
      baseline: { type: 'string', multiple: true },
      shapes: { type: 'string', default: '' },
    },
  });
  const status = xnorAddon();
  if (!status.ok) throw new Error(status.reason);
  const batches = (values.batches as string).split(',').map(Number);
  const runs = Number(values.runs);
  const best = bestXnorIsa();
  const isas = values.isas === 'best' ? [best] : [...XNOR_ISAS.slice(0, XNOR_ISAS.indexOf(best) + 1)].reverse();
  console.log(`# XNOR + popcount vs onnxruntime float — node ${process.version}, kernel variants: ${isas.join(', ')}, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const part = values.part as string;
  const shapes = (values.shapes as string).split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (part === 'layers' || part === 'all') await benchLayers(batches, runs, isas, shapes);
  if (part === 'models' || part === 'all') await benchModels(batches, runs, [...(values.model ?? []), ...positionals], values.baseline ?? []);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
