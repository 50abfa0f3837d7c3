import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../ir/builder.js';
import { isSlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { needsXnorAddon } from '../../../testing/needs-xnor.js';
import { Rng } from '../../../util/rng.js';
import { findBinaryLayers } from './detect.js';
import { packedModelSize } from './size.js';
import { xnorLenet5, xnorResnet20 } from './fixtures.js';
import { BinaryRunner } from './runner.js';

function randomInput(dims: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor('float32', dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal()));
}

function signs(rng: Rng, dims: number[]): Tensor {
  return Tensor.f32(dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rng.next() < 0.5 ? -1 : 1)));
}

/** Runs `model` on the BinaryRunner and on one onnxruntime session; returns the runner for inspection. */
async function agree(model: Model, feeds: Record<string, Tensor>, what: string): Promise<BinaryRunner> {
  const runner = await BinaryRunner.create(model);
  const session = await Session.create(model, { threads: 1 });
  try {
    const got = await runner.run(feeds);
    const want = await session.run(feeds);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
    for (const [k, t] of Object.entries(want)) {
      assert.deepEqual(got[k]?.dims, t.dims, `${what}: dims of ${k}`);
      expectClose(got[k]?.data as Float32Array, t.data as Float32Array, { rtol: 1e-5, atol: 1e-5, what: `${what}: ${k}` });
    }
  } finally {
    await runner.release();
    await session.release();
  }
  return runner;
}

test('XNOR-Net LeNet-5 and ResNet-20: the runner equals onnxruntime on the whole float model', async (t) => {
  if (!needsXnorAddon(t)) return;
  const lenet = await agree(xnorLenet5({ seed: 1 }), { input: randomInput([3, 1, 28, 28], 2) }, 'lenet5');
  assert.equal(lenet.engine, 'xnor');
  assert.deepEqual(lenet.layers.map((l) => [l.node, l.kind, l.scaleFolded, l.batchNormFolded]), [['conv2', 'conv', true, true], ['fc1', 'gemm', true, true]]);
  assert.equal(lenet.segments, 3);
  const resnet = await agree(xnorResnet20({ seed: 3 }), { input: randomInput([2, 1, 28, 28], 4) }, 'resnet20');
  assert.equal(resnet.layers.length, 18);
  assert.ok(resnet.layers.every((l) => l.kind === 'conv' && l.scaleFolded && l.batchNormFolded));
  // Every block's second conv absorbs the shortcut Add: only the stem, the two projection shortcuts and the head remain.
  assert.deepEqual(resnet.layers.filter((l) => l.residualFolded).map((l) => l.node), [0, 1, 2].flatMap((s) => [0, 1, 2].map((i) => `layer${s + 1}.${i}.conv2`)));
  assert.equal(resnet.segments, 4);
});

test('residual Add: folded when shapes match exactly, left to onnxruntime when it broadcasts', async (t) => {
  if (!needsXnorAddon(t)) return;
  const rng = new Rng(4);
  const b = new GraphBuilder('residual');
  const x = b.input('x', 'float32', ['N', 8, 5, 5]);
  const g = b.input('g', 'float32', ['N', 8, 1, 1]);
  const conv = (name: string, v: Value): Value => {
    const y = b.op('Conv', [b.op('Sign', [v]), b.initializer(`${name}.w`, signs(rng, [8, 8, 3, 3]))], { pads: [1, 1, 1, 1] }, { name });
    return b.op('Mul', [y, b.constant(Array.from({ length: 8 }, () => rng.uniform(0.1, 1)), [1, 8, 1, 1])]);
  };
  const r1 = b.op('Add', [x, conv('c1', x)]);
  r1.dtype = 'float32';
  r1.shape = ['N', 8, 5, 5];
  const r2 = b.op('Add', [conv('c2', r1), g]);
  r2.dtype = 'float32';
  b.output(r2, 'y');
  const runner = await agree(b.build(), { x: randomInput([2, 8, 5, 5], 6), g: randomInput([2, 8, 1, 1], 7) }, 'residual');
  assert.deepEqual(runner.layers.map((l) => [l.node, l.residualFolded]), [['c1', true], ['c2', false]]);
  assert.equal(runner.segments, 1);
});

test('layer forms: bias, Gemm alpha/beta/C, transB = 0, unfoldable Mul, shared Sign, skipped layers', async (t) => {
  if (!needsXnorAddon(t)) return;
  const rng = new Rng(9);
  const b = new GraphBuilder('forms');
  const x = b.input('x', 'float32', ['N', 6, 7, 7]);
  const s = b.op('Sign', [x]);
  // Conv with a bias and stride 2, its output also a graph output (so no Mul to fold).
  const c1 = b.op('Conv', [s, b.initializer('w1', signs(rng, [5, 6, 3, 3])), b.constant(Array.from({ length: 5 }, () => rng.normal()))], { pads: [1, 0, 1, 2], strides: [2, 2] }, { name: 'c1' });
  // The same Sign feeds a second conv whose Mul scale is per-column ([1,1,1,W]): not foldable, stays a Mul.
  const c2 = b.op('Conv', [s, b.initializer('w2', signs(rng, [4, 6, 1, 1]))], {}, { name: 'c2' });
  const odd = b.op('Mul', [c2, b.constant(Array.from({ length: 7 }, () => rng.normal()), [1, 1, 1, 7])]);
  // ±1 weights without a Sign in front (float activations) and a grouped conv: both stay on onnxruntime.
  const plain = b.op('Conv', [x, b.initializer('w3', signs(rng, [2, 6, 1, 1]))], {}, { name: 'plain' });
  const grouped = b.op('Conv', [s, b.initializer('w4', signs(rng, [6, 2, 3, 3]))], { group: 3, pads: [1, 1, 1, 1] }, { name: 'grouped' });
  // Gemm with alpha, beta, C [1, M], transB = 0 and a scalar scale.
  const flat = b.op('Flatten', [odd], { axis: 1 });
  const g = b.op('Gemm', [b.op('Sign', [flat]), b.initializer('w5', signs(rng, [196, 3])), b.constant([0.5, -1, 2], [1, 3])], { alpha: 0.25, beta: 3 }, { name: 'g' });
  const gs = b.op('Mul', [g, b.constant(0.7)]);
  for (const [v, n] of [[c1, 'c1'], [gs, 'gemm'], [plain, 'plain'], [grouped, 'grouped']] as Array<[Value, string]>) {
    v.dtype = 'float32';
    b.output(v, n);
  }
  const model = b.build();
  const scan = findBinaryLayers(model);
  assert.deepEqual(scan.layers.map((l) => [l.node.name, l.mul !== undefined]), [['c1', false], ['c2', false], ['g', true]]);
  assert.deepEqual(scan.skipped.map((k) => k.node), ['plain', 'grouped']);
  assert.match(scan.skipped[0]?.reason ?? '', /not the output of a Sign/);
  assert.match(scan.skipped[1]?.reason ?? '', /group = 3/);
  const runner = await agree(model, { x: randomInput([3, 6, 7, 7], 5) }, 'forms');
  assert.equal(runner.layers.length, 3);
});

test('engine choice, fallback and bad feeds', async () => {
  const model = xnorLenet5({ seed: 2 });
  const ort = await BinaryRunner.create(model, { engine: 'onnxruntime' });
  assert.equal(ort.engine, 'onnxruntime');
  assert.equal(ort.segments, 1);
  assert.match(ort.fallbackReason ?? '', /requested/);
  await assert.rejects(ort.run({}), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /missing model input\(s\): input/.test(e.message));
  const first = ort.run({ input: randomInput([1, 1, 28, 28], 1) });
  await assert.rejects(ort.run({ input: randomInput([1, 1, 28, 28], 1) }), (e: unknown) => isSlimnetError(e, 'RUNTIME') && /already running/.test(e.message));
  const y = await first;
  assert.deepEqual(y.logits?.dims, [1, 10]);
  await ort.release();
  await assert.rejects(BinaryRunner.create(model, { threads: 0 }), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT'));
});

test('packed model size: ±1 Conv/Gemm weights at 1 bit, everything else as stored', () => {
  const m = xnorLenet5({ seed: 0 });
  const s = packedModelSize(m);
  // conv2 [50, 20, 5, 5] (500 bits = 8 words per row) and fc1 [500, 800] (13 words per row).
  assert.equal(s.binaryTensors, 2);
  assert.equal(s.binaryWeights, 50 * 500 + 500 * 800);
  assert.equal(s.binaryBytes, 24 + 50 * 8 * 8 + 24 + 500 * 13 * 8);
  assert.equal(s.unpackedBytes - s.otherBytes, 4 * s.binaryWeights);
  assert.equal(s.totalBytes, s.binaryBytes + s.otherBytes);
});
