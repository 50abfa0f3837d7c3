import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../ir/builder.js';
import { isSlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { inferenceWithTransforms } from '../../../train/trainer.js';
import { Rng } from '../../../util/rng.js';
import { buildZooModel } from '../../../zoo/index.js';
import { resnet20 } from '../../../zoo/resnet.js';
import { exportBinary } from './export.js';
import { BINARY_METHODS, type BinaryMethodName } from './methods.js';
import { planBinary } from './plan.js';
import { layerBytes, packedSize } from './size.js';

const lenet = (): Model => buildZooModel('lenet5', { seed: 2, width: 0.25 });
const resnet = (): Model => resnet20({ seed: 2, width: 0.25, blocksPerStage: 1 });

async function forward(m: Model, x: Tensor): Promise<number[]> {
  const s = await Session.create(m, { threads: 1 });
  try {
    return (await s.run({ [m.graph.inputs[0]!.name]: x }))[s.outputNames[0]!]!.toNumbers();
  } finally {
    await s.release();
  }
}

function image(n: number, seed: number): Tensor {
  const r = new Rng(seed);
  return Tensor.f32([n, 1, 28, 28], Array.from({ length: n * 784 }, () => r.uniform(0, 1)));
}

/** Checks the deployment form of `method` on `model` and that it computes the fake-quantized forward. */
async function checkDeployment(model: Model, method: BinaryMethodName): Promise<void> {
  const plan = planBinary(model, method);
  // Trained running statistics: inserted BatchNorms no longer map ReLU zeros to exactly 0 (Sign(0) = 0 would
  // make tiny float differences between the two graphs flip binary activations).
  for (const [name, v] of plan.model.graph.initializers) if (name.endsWith('running_mean') && name.includes('act_bn')) v.initializer = Tensor.f32(v.initializer!.dims, new Float32Array(v.initializer!.size).fill(0.05));
  const fake = inferenceWithTransforms(plan.model, plan.hooks);
  const dep = exportBinary(plan, fake);
  const g = dep.model.graph;
  for (const l of dep.layers) {
    const node = g.findNode(l.node)!;
    const codes = new Set(g.initializers.get(l.weight)!.initializer!.toNumbers());
    if (l.bits === 1) assert.ok([...codes].every((v) => v === 1 || v === -1), `${method} ${l.weight}: binary codes ±1, got ${[...codes].slice(0, 4).join(', ')}`);
    if (method === 'twn') assert.ok([...codes].every((v) => v === 1 || v === -1 || v === 0), `${l.weight}: ternary codes`);
    if (method === 'ttq') assert.ok(codes.size <= 3, `${l.weight}: at most 3 values`);
    if (l.scale !== undefined) {
      const uses = node.output(0).uses;
      assert.equal(uses.length, 1, `${l.node}: its output feeds only the scale`);
      const mul = uses[0]!.node;
      assert.equal(mul.opType, 'Mul');
      const m = node.input(1).initializer!.dims[0]!;
      assert.deepEqual(mul.input(1).initializer!.dims, node.opType === 'Conv' ? [1, m, 1, 1] : [m], `${l.node}: per-channel scale shape`);
      assert.equal(node.inputs.length, 2, `${l.node}: bias moved after the scale`);
    }
    const plain = plan.layers.find((p) => p.node === l.node)!;
    if (plain.quantizedInput && (method === 'xnor' || method === 'bnn')) {
      const sign = node.input(0).producer!;
      assert.equal(sign.opType, 'Sign', `${l.node}: a Sign feeds the binary layer`);
      assert.equal(sign.input(0).producer?.opType, 'BatchNormalization', `${l.node}: BatchNorm before the Sign`);
    }
  }
  const x = image(3, 9);
  const want = await forward(fake, x);
  const got = await forward(dep.model, x);
  assert.equal(got.length, want.length, method);
  const range = Math.max(...want.map(Math.abs));
  expectClose(got, want, { atol: 1e-5 * Math.max(1, range), rtol: 1e-5 });
}

for (const method of BINARY_METHODS) {
  test(`${method}: the deployed form (codes + scales, Sign activations) reproduces the fake-quantized model`, async () => {
    await checkDeployment(lenet(), method);
  });
}

test('residual network: XNOR and DoReFa share one BatchNorm + quantizer per block input (conv and projection shortcut)', async () => {
  for (const method of ['xnor', 'dorefa', 'bnn'] as const) await checkDeployment(resnet(), method);
  const plan = planBinary(resnet(), 'xnor');
  const bn = plan.model.graph.nodes.filter((n) => n.name.endsWith('.act_bn'));
  const transition = plan.model.graph.findNode('layer2.0.shortcut.conv')!;
  assert.equal(transition.input(0), plan.model.graph.findNode('layer2.0.conv1')!.input(0), 'shortcut and conv1 read the same normalised input');
  assert.ok(bn.length >= 4);
  assert.deepEqual(plan.layers.map((l) => l.node).includes('conv1'), false, 'first layer stays float');
});

test('packed size: codes at their bit width plus scales, the rest at float32', () => {
  assert.equal(layerBytes({ bits: 1, params: 20, extraFloats: 2 }), 3 + 8);
  assert.equal(layerBytes({ bits: 2, params: 9, extraFloats: 2 }), 3 + 8);
  const model = lenet();
  const plan = planBinary(model, 'bwn');
  const dep = exportBinary(plan, inferenceWithTransforms(plan.model, plan.hooks));
  const s = packedSize(dep, model);
  const saved = dep.layers.reduce((a, l) => a + 4 * l.params - layerBytes(l), 0);
  assert.equal(s.floatBytes - s.bytes, saved);
  assert.ok(s.ratio > 1);
});

test('typed errors: unknown method, nothing to quantize', () => {
  assert.throws(() => planBinary(lenet(), 'xor' as BinaryMethodName), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /unknown binary\/ternary method 'xor'.*bc, bwn/.test(e.message));
  const b = new GraphBuilder('two');
  const x = b.input('x', 'float32', ['N', 4]);
  const h = b.op('Relu', [b.op('Gemm', [x, b.initializer('w1', Tensor.f32([3, 4]))], { transB: 1 })]);
  b.output(b.op('Gemm', [h, b.initializer('w2', Tensor.f32([2, 3]))], { transB: 1 }), 'y');
  const two = b.build();
  assert.throws(() => planBinary(two, 'twn'), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /nothing to quantize besides the first and last/.test(e.message));
  assert.deepEqual(planBinary(two, 'twn', { quantizeFirstLast: true }).layers.map((l) => l.node).length, 2);
});
