import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../ir/builder.js';
import { UnsupportedOpError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { verify } from '../../../ir/verify.js';
import { modelStats } from '../../../metrics/layer-stats.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { Rng } from '../../../util/rng.js';
import { buildDependencyGraph } from './dependency.js';
import { buildFixture, zeroChannels, type FixtureName } from './fixtures.js';
import { pruneChannels } from './prune.js';
import type { DependencyGraph, RemovalPlan } from './types.js';

function groupNamed(dep: DependencyGraph, name: string): DependencyGraph['groups'][number] {
  const g = dep.groups.find((x) => x.name === name);
  assert.ok(g !== undefined, `no group '${name}' in ${dep.groups.map((x) => x.name).join(', ')}`);
  return g;
}

async function run(model: Model, x: Tensor): Promise<Float32Array> {
  const s = await Session.create(model, { threads: 1 });
  try {
    const out = await s.run({ input: x });
    return Object.values(out)[0]?.data as Float32Array;
  } finally {
    await s.release();
  }
}

function randomInput(batch: number, seed = 3): Tensor {
  const rng = new Rng(seed);
  return Tensor.f32([batch, 2, 8, 8], Array.from({ length: batch * 128 }, () => rng.normal()));
}

/** Removes 1-2 channels of every prunable group after zeroing them; outputs must not change. */
async function checkZeroedPruning(name: FixtureName): Promise<{ dep: DependencyGraph; pruned: Model; plan: RemovalPlan }> {
  const model = buildFixture(name);
  const dep = buildDependencyGraph(model);
  const plan = new Map<number, number[]>();
  for (const g of dep.groups) if (g.blocked.length === 0) plan.set(g.id, g.size > 3 ? [0, g.size - 2] : [g.size - 1]);
  assert.ok(plan.size > 0, `${name}: nothing prunable`);
  zeroChannels(dep, plan);
  const pruned = pruneChannels(model, plan);
  verify(pruned.graph);
  const x = randomInput(3);
  expectClose(await run(pruned, x), await run(model, x), { rtol: 1e-5, atol: 1e-5, what: name });
  assert.ok(modelStats(pruned).macs < modelStats(model).macs, `${name}: MACs must drop`);
  assert.ok(modelStats(pruned).params < modelStats(model).params, `${name}: params must drop`);
  return { dep, pruned, plan };
}

test('conv -> BN -> ReLU -> conv: out-channels couple with BN and the next conv; the classifier is blocked', async () => {
  const { dep, pruned } = await checkZeroedPruning('chain');
  const c1 = groupNamed(dep, 'c1');
  assert.equal(c1.size, 6);
  assert.deepEqual(c1.blocked, []);
  const roles = c1.slices.map((s) => `${s.node.name}:${s.input}:${s.axis}:${s.role}`).sort();
  assert.deepEqual(roles, ['c1.bn:1:0:bn-scale', 'c1.bn:2:0:param', 'c1.bn:3:0:param', 'c1.bn:4:0:param', 'c1:1:0:out', 'c2:1:1:in'].sort());
  const fc = groupNamed(dep, 'fc');
  assert.equal(fc.blocked[0]?.opType, 'graph output');
  assert.deepEqual(pruned.graph.initializers.get('c1.weight')?.initializer?.dims, [4, 2, 3, 3]);
  assert.deepEqual(pruned.graph.initializers.get('c2.weight')?.initializer?.dims, [3, 4, 3, 3]);
  assert.deepEqual(pruned.graph.initializers.get('fc.weight')?.initializer?.dims, [5, 3]);
});

test('residual Adds: every producer feeding an Add chain and every consumer form one group', async () => {
  const { dep } = await checkZeroedPruning('residual');
  const stem = groupNamed(dep, 'stem');
  assert.deepEqual(stem.sources.map((n) => n.name), ['stem', 'b1.c2']);
  assert.ok(stem.slices.some((s) => s.node.name === 'b2.short' && s.role === 'in'));
  assert.ok(stem.slices.some((s) => s.node.name === 'b2.c1' && s.role === 'in'));
  const stage2 = groupNamed(dep, 'b2.c2');
  assert.deepEqual(stage2.sources.map((n) => n.name), ['b2.c2', 'b2.short', 'b3.c1']);
  assert.equal(groupNamed(dep, 'b1.c1').size, 3);
});

test('Concat: the consumer\'s input channels split across the producers\' groups at offsets', async () => {
  const { dep, pruned, plan } = await checkZeroedPruning('concat');
  const a = groupNamed(dep, 'a');
  const b = groupNamed(dep, 'b');
  const inA = a.slices.find((s) => s.node.name === 'c' && s.role === 'in');
  const inB = b.slices.find((s) => s.node.name === 'c' && s.role === 'in');
  assert.deepEqual([...(inA?.channel ?? [])], [0, 1, 2, -1, -1, -1, -1]);
  assert.deepEqual([...(inB?.channel ?? [])], [-1, -1, -1, 0, 1, 2, 3]);
  const removed = (plan.get(a.id)?.length ?? 0) + (plan.get(b.id)?.length ?? 0);
  assert.equal(pruned.graph.initializers.get('c.weight')?.initializer?.dims[1], 7 - removed);
});

test('depthwise conv joins its producer\'s group and its group count follows the channels', async () => {
  const { dep, pruned, plan } = await checkZeroedPruning('depthwise');
  const stem = groupNamed(dep, 'stem');
  assert.deepEqual(stem.sources.map((n) => n.name), ['stem', 'dw']);
  assert.ok(stem.slices.some((s) => s.node.name === 'pw' && s.role === 'in'));
  const kept = 4 - (plan.get(stem.id)?.length ?? 0);
  assert.equal(pruned.graph.findNode('dw')?.attrInt('group'), kept);
  assert.deepEqual(pruned.graph.initializers.get('dw.weight')?.initializer?.dims, [kept, 1, 3, 3]);
});

test('Flatten / Reshape -> Gemm: a channel is a block of H·W input features', async () => {
  for (const name of ['flatten', 'reshape'] as const) {
    const { dep, pruned } = await checkZeroedPruning(name);
    const conv = groupNamed(dep, 'conv');
    const fcIn = conv.slices.find((s) => s.node.name === 'fc1' && s.role === 'in');
    assert.equal(fcIn?.channel.length, 64);
    assert.deepEqual([...(fcIn?.channel.slice(14, 18) ?? [])], [0, 0, 1, 1]);
    assert.deepEqual(pruned.graph.initializers.get('fc1.weight')?.initializer?.dims, [6, 32], name);
  }
});

test('per-channel constants of Mul / Add are sliced with their channels', async () => {
  const { dep, pruned } = await checkZeroedPruning('constants');
  const conv = groupNamed(dep, 'conv');
  assert.equal(conv.slices.filter((s) => s.role === 'param' && (s.node.opType === 'Mul' || s.node.opType === 'Add')).length, 2);
  const mul = pruned.graph.nodes.find((n) => n.opType === 'Mul');
  assert.deepEqual(mul?.input(1).initializer?.dims, [2, 1, 1]);
});

function withCustomOp(): Model {
  const b = new GraphBuilder('custom');
  const x = b.input('input', 'float32', ['N', 2, 4, 4]);
  const w1 = b.initializer('w1', Tensor.f32([3, 2, 1, 1], [1, 2, 3, 4, 5, 6]));
  const w2 = b.initializer('w2', Tensor.f32([2, 3, 1, 1], [1, 1, 1, 1, 1, 1]));
  const h = b.op('Conv', [x, w1], {}, { name: 'conv1' });
  const odd = b.op('Relu', [b.op('MyOp', [h], {}, { name: 'weird', domain: 'com.example' })]);
  const y = b.op('Conv', [b.op('Relu', [h]), w2], {}, { name: 'conv2' });
  b.output(y, 'y');
  b.output(odd, 'z');
  return b.build();
}

test('an op without a rule blocks its group with a clear report; strict throws UnsupportedOpError', () => {
  const model = withCustomOp();
  const dep = buildDependencyGraph(model);
  const g = groupNamed(dep, 'conv1');
  assert.deepEqual(g.blocked, [{ groupId: g.id, opType: 'MyOp', nodeName: 'weird', reason: "no channel-pruning rule for domain 'com.example'" }]);
  assert.throws(() => pruneChannels(model, new Map([[g.id, [0]]])), /blocked by MyOp 'weird'/);
  assert.throws(() => buildDependencyGraph(model, { strict: true }), (e: unknown) => e instanceof UnsupportedOpError && e.opType === 'MyOp' && e.nodeName === 'weird' && /channel pruning/.test(e.message));
});

test('grouped (non-depthwise) convolutions and channel-axis reductions block their groups', () => {
  const b = new GraphBuilder('g');
  const x = b.input('input', 'float32', ['N', 2, 4, 4]);
  const h = b.op('Conv', [x, b.initializer('w1', Tensor.f32([4, 2, 1, 1]).reshape([4, 2, 1, 1]))], {}, { name: 'conv1' });
  const g2 = b.op('Conv', [h, b.initializer('w2', Tensor.f32([4, 2, 1, 1]))], { group: 2 }, { name: 'grouped' });
  b.output(b.op('ReduceMean', [g2], { axes: [1], keepdims: 1 }, { name: 'mean' }), 'y');
  const dep = buildDependencyGraph(b.build());
  assert.match(groupNamed(dep, 'conv1').blocked[0]?.reason ?? '', /grouped convolution \(group 2/);
  assert.ok(groupNamed(dep, 'grouped').blocked.some((r) => r.nodeName === 'mean' && /reduction over the batch or channel axis/.test(r.reason)));
});

test('a plan must keep one channel and name unblocked groups', () => {
  const model = buildFixture('chain');
  const dep = buildDependencyGraph(model);
  const c1 = groupNamed(dep, 'c1');
  assert.throws(() => pruneChannels(model, new Map([[c1.id, [0, 1, 2, 3, 4, 5]]])), /keep at least one channel/);
  assert.throws(() => pruneChannels(model, new Map([[99, [0]]])), /names group 99/);
});
