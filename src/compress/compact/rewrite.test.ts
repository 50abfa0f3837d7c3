/**
 * Every rewrite on zoo models: the output shape is kept, the graph verifies, onnxruntime runs it with
 * finite outputs, the report's totals are the model's, and the input model is untouched. Plus the
 * structure each rewrite promises (counted by hand) and its typed errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../ir/builder.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { checkModel } from '../../ir/verify.js';
import { modelStats } from '../../metrics/layer-stats.js';
import { encodeModel } from '../../onnx/index.js';
import { evaluate } from '../../testing/grad-models.js';
import { buildZooModel } from '../../zoo/index.js';
import { rewrite } from './rewrite.js';
import type { RewriteOptions } from './types.js';

function input(model: Model, batch = 2): Tensor {
  const dims = [batch, ...(model.graph.inputs[0]?.shape?.slice(1) as number[])];
  const n = dims.reduce((a, d) => a * d, 1);
  return Tensor.f32(dims, Array.from({ length: n }, (_, i) => Math.sin(0.37 * i)));
}

async function outputOf(model: Model, x = input(model)): Promise<Float32Array> {
  const out = await evaluate(model, { [model.graph.inputs[0]?.name as string]: x });
  return out[model.graph.outputs[0]?.name as string]?.data as Float32Array;
}

const CASES: ReadonlyArray<[string, number, RewriteOptions]> = [
  ['vgg', 0.25, { to: 'depthwise' }],
  ['resnet20', 0.25, { to: 'depthwise', options: { noActivation: true } }],
  ['vgg', 0.25, { to: 'fire' }],
  ['resnet20', 0.25, { to: 'fire', options: { squeezeRatio: 0.25 } }],
  ['vgg', 0.25, { to: 'shuffle', options: { groups: 2 } }],
  ['resnet20', 0.25, { to: 'shuffle' }],
  ['lenet5', 1, { to: 'factorize' }],
  ['vgg', 0.25, { to: 'factorize', options: { midChannels: 4 } }],
  ['lenet5', 1, { to: '5x5-to-3x3', options: { midChannels: 10 } }],
  ['lenet5', 1, { to: 'gap' }],
  ['lenet5', 1, { to: 'gap', options: { head: 'fc' } }],
  ['mobilenet', 0.25, { to: 'gap' }],
  ['resnet20', 0.25, { to: 'width', options: { widthMult: 0.5 } }],
  ['mobilenet', 0.25, { to: 'width', options: { widthMult: 1.5, divisor: 2 } }],
  ['lenet5', 1, { to: 'resolution', options: { size: '20x20' } }],
  ['shufflenet', 0.25, { to: 'resolution', options: { resolutionMult: 0.75 } }],
];

test('every rewrite keeps the output shape, verifies, runs in onnxruntime and leaves its input alone', async () => {
  for (const [zoo, width, opts] of CASES) {
    const what = `${zoo} ${JSON.stringify(opts)}`;
    const model = buildZooModel(zoo, { width, numClasses: 7 });
    const bytes = encodeModel(model);
    const { model: out, report } = rewrite(model, opts);
    checkModel(out);
    assert.deepEqual(encodeModel(model), bytes, `${what}: the input model changed`);
    assert.deepEqual(out.graph.outputs.map((v) => [v.name, v.shape]), [['logits', ['N', 7]]], what);
    const y = await outputOf(out);
    assert.equal(y.length, 14, what);
    assert.ok(y.every(Number.isFinite), what);
    const [before, after] = [modelStats(model), modelStats(out)];
    assert.deepEqual(report.before, { params: before.params, macs: before.macs }, what);
    assert.deepEqual(report.after, { params: after.params, macs: after.macs }, what);
    assert.ok(report.changes.length > 0, what);
    for (const c of report.changes) for (const name of c.into) assert.ok(out.graph.findNode(name) !== undefined, `${what}: ${name}`);
  }
});

test('depthwise: a k×k conv becomes dw k×k + BN + ReLU + pw 1×1 with the counted parameters and MACs', () => {
  const model = buildZooModel('vgg', { width: 0.25 });
  const { model: out, report } = rewrite(model, { to: 'depthwise', layers: ['features.1.2.conv'] });
  const c = report.changes[0];
  assert.equal(report.changes.length, 1);
  assert.deepEqual(c?.layers, ['features.1.2.conv']);
  assert.deepEqual(out.graph.nodes.filter((n) => c?.into.includes(n.name)).map((n) => n.opType), ['Conv', 'BatchNormalization', 'Relu', 'Conv']);
  // 8 -> 8 channels at 28x28: 8·8·9 weights before; 8·9 + 4·8 (BN) + 8·8 after.
  assert.equal(c?.paramsBefore, 8 * 8 * 9);
  assert.equal(c?.paramsAfter, 8 * 9 + 4 * 8 + 8 * 8);
  assert.equal(c?.macsBefore, 8 * 8 * 9 * 28 * 28);
  assert.equal(c?.macsAfter, (8 * 9 + 8 * 8) * 28 * 28);
  assert.equal(out.graph.findNode('features.1.2.conv.dw')?.attrInt('group', 1), 8);
});

test('fire: squeeze / expand channel split and branch paddings keep the stride-2 output size', () => {
  const model = buildZooModel('resnet20', { width: 0.5 });
  const { model: out, report } = rewrite(model, { to: 'fire', layers: ['layer2.0.conv1'], options: { squeezeRatio: 0.25, expand3x3Ratio: 0.75 } });
  // 8 -> 16 channels, stride 2: squeeze 4, expand 1x1 4, expand 3x3 12.
  const dims = (n: string): readonly number[] | undefined => out.graph.findNode(n)?.input(1).initializer?.dims;
  assert.deepEqual(dims('layer2.0.conv1.squeeze'), [4, 8, 1, 1]);
  assert.deepEqual(dims('layer2.0.conv1.expand1x1'), [4, 4, 1, 1]);
  assert.deepEqual(dims('layer2.0.conv1.expand3x3'), [12, 4, 3, 3]);
  assert.deepEqual(out.graph.findNode('layer2.0.conv1.expand3x3')?.attrInts('pads'), [1, 1, 0, 0]);
  assert.equal(report.changes[0]?.macsAfter, 4 * 8 * 28 * 28 + (4 * 4 + 12 * 4 * 9) * 14 * 14);
});

test('5x5-to-3x3 spreads the padding and keeps the stride on the last conv', () => {
  const b = buildZooModel('lenet5');
  const { model: out } = rewrite(b, { to: '5x5-to-3x3', layers: ['conv2'] });
  const n1 = out.graph.findNode('conv2.3x3_1');
  const n2 = out.graph.findNode('conv2.3x3_2');
  assert.deepEqual(n1?.input(1).initializer?.dims, [50, 20, 3, 3]);
  assert.deepEqual(n2?.input(1).initializer?.dims, [50, 50, 3, 3]);
  assert.ok(out.graph.nodes.some((n) => n.opType === 'Relu' && n.input(0) === n1?.output(0)));
});

test('resolution: flatten → fc sizes and the shuffle reshapes follow the new input size', () => {
  const { model: l5, report } = rewrite(buildZooModel('lenet5'), { to: 'resolution', options: { size: '20x20' } });
  // 20 -> conv5 16 -> pool 8 -> conv5 4 -> pool 2: fc1 reads 50·2·2 features.
  assert.deepEqual(l5.graph.findNode('fc1')?.input(1).initializer?.dims, [500, 200]);
  assert.ok(report.changes.some((c) => /input 'input' 28x28 => 20x20/.test(c.detail)));
  const { model: sn } = rewrite(buildZooModel('shufflenet', { width: 0.25 }), { to: 'resolution', options: { size: '16x16' } });
  const targets = sn.graph.nodes.filter((n) => n.opType === 'Reshape' && n.name.endsWith('shuffle_split')).map((n) => n.input(1).initializer?.toNumbers().slice(3));
  assert.deepEqual(targets[0], [8, 8]);
  assert.deepEqual(targets[targets.length - 1], [2, 2]);
});

/** input [N, 1, 8, 8] -> conv 3x3 pad 1 (2 channels) -> Reshape by a Constant node to `target` -> (fc to 10 when 2-D). */
function reshapeModel(target: readonly number[]): Model {
  const b = new GraphBuilder('exported');
  const x = b.input('input', 'float32', ['N', 1, 8, 8]);
  const y = b.op('Conv', [x, b.initializer('w', Tensor.f32([2, 1, 3, 3]))], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv' });
  const shape = b.op('Constant', [], { value: Tensor.i64([target.length], target) });
  let z = b.op('Reshape', [y, shape], {}, { name: 'flatten' });
  if (target.length === 2) z = b.op('Gemm', [z, b.initializer('fc.w', Tensor.f32([10, 128])), b.initializer('fc.b', Tensor.f32([10]))], { transB: 1 }, { name: 'fc' });
  b.output(z, 'logits');
  return b.build();
}

test('resolution: a Constant-node flatten target is recomputed; a target it cannot read is UNSUPPORTED_OP', async () => {
  const { model, report } = rewrite(reshapeModel([0, 128]), { to: 'resolution', options: { size: '6x6' } });
  assert.deepEqual(model.graph.findNode('flatten')?.input(1).initializer?.toNumbers(), [0, 72]);
  assert.deepEqual(model.graph.findNode('fc')?.input(1).initializer?.dims, [10, 72]);
  assert.ok(!model.graph.nodes.some((n) => n.opType === 'Constant'));
  assert.deepEqual(report.changes.map((c) => c.layers.join()), ['', 'conv', 'flatten', 'fc']);
  assert.equal((await outputOf(model)).length, 20);
  assert.throws(() => rewrite(reshapeModel([0, 2, 4, 16]), { to: 'resolution', options: { size: '6x6' } }), (e: Error & { code?: string }) => e.code === 'UNSUPPORTED_OP' && /'flatten'.*spells out the old size/.test(e.message));
});

test('typed errors: unknown rewrite, unknown / ineligible layer, nothing eligible, unsupported fit, bad options', () => {
  const l5 = buildZooModel('lenet5');
  const err = (opts: RewriteOptions, re: RegExp): void => {
    assert.throws(() => rewrite(l5, opts), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && re.test(e.message));
  };
  err({ to: 'squeeze' } as unknown as RewriteOptions, /unknown compact rewrite method 'squeeze'.*depthwise/);
  err({ to: 'depthwise', layers: ['conv9'] }, /no layer named 'conv9'.*conv1, conv2/);
  err({ to: 'depthwise', layers: ['conv1'] }, /'conv1' cannot be rewritten: one input channel/);
  err({ to: 'depthwise', layers: ['fc1'] }, /'fc1' cannot be rewritten: not a Conv/);
  err({ to: 'fire' }, /no layer is eligible \(conv1: .*cropping/);
  err({ to: 'depthwise', init: 'fit' }, /no 'fit' initialisation/);
  err({ to: 'shuffle', options: { groups: 1 } }, /'groups' must be in \[2, inf\], got 1/);
  err({ to: 'width', options: { widthMult: 0 } }, /widthMult must be > 0/);
  err({ to: 'resolution' }, /exactly one of size/);
  err({ to: 'gap', init: 'fit', options: { head: 'fc' } }, /exactly one linear layer/);
  assert.throws(() => rewrite(buildZooModel('vgg', { width: 0.25 }), { to: 'gap', options: { head: 'fc' } }), /already global average pooling \+ one fc/);
  assert.throws(() => rewrite(buildZooModel('lenet-300-100'), { to: 'gap' }), /reads the model input 'input' directly/);
});
