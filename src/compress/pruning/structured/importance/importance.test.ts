import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dataset, Split } from '../../../../data/types.js';
import { GraphBuilder } from '../../../../ir/builder.js';
import type { Model } from '../../../../ir/graph.js';
import type { Value } from '../../../../ir/value.js';
import { Tensor } from '../../../../ir/tensor.js';
import { Session } from '../../../../runtime/session.js';
import { expectClose } from '../../../../testing/expect-close.js';
import { paramRef } from '../../../../train/graph-edit.js';
import { bnScaleL1Term, type LossTerm } from '../../../../train/regularizers.js';
import { train } from '../../../../train/trainer.js';
import { Rng } from '../../../../util/rng.js';
import { buildDependencyGraph } from '../dependency.js';
import { pruneChannels } from '../prune.js';
import { channelGroupLassoTerm, sslImportance } from '../sparsity.js';
import { apozImportance } from './apoz.js';
import { bnScaleImportance, magnitudeImportance } from './magnitude.js';
import { taylorImportance } from './taylor.js';
import { ThiNetImportance } from './thinet.js';

interface TinyOptions {
  /** conv1 weights [3, 2] (1×1 kernels). */
  readonly w1?: readonly number[];
  readonly b1?: readonly number[];
  /** conv2 weights [4, 3] (1×1 kernels). */
  readonly w2?: readonly number[];
  readonly gamma?: readonly number[];
}

/** input [N,2,4,4] → conv1 (3) [→ BN] → Relu → conv2 (4) → GAP → Flatten → logits [N,4]. */
function tiny(o: TinyOptions = {}): Model {
  const b = new GraphBuilder('tiny');
  const x = b.input('input', 'float32', ['N', 2, 4, 4]);
  const w1 = b.initializer('conv1.weight', Tensor.f32([3, 2, 1, 1], o.w1 ?? [1, -1, 0.5, 0.5, -1, 2]));
  const b1 = b.initializer('conv1.bias', Tensor.f32([3], o.b1 ?? [0.1, 0.2, 0.3]));
  let h = b.op('Conv', [x, w1, b1], {}, { name: 'conv1' });
  if (o.gamma !== undefined) {
    const p = (name: string, v: readonly number[]): ReturnType<GraphBuilder['initializer']> => b.initializer(name, Tensor.f32([3], v));
    h = b.op('BatchNormalization', [h, p('bn.weight', o.gamma), p('bn.bias', [0, 0, 0]), p('bn.mean', [0, 0, 0]), p('bn.var', [1, 1, 1])], {}, { name: 'bn' });
  }
  const w2 = b.initializer('conv2.weight', Tensor.f32([4, 3, 1, 1], o.w2 ?? [1, 2, -1, 0.5, -0.5, 1, 2, 1, 1, -1, 0.3, 0.7]));
  const y = b.op('Conv', [b.op('Relu', [h]), w2], {}, { name: 'conv2' });
  b.output(b.op('Flatten', [b.op('GlobalAveragePool', [y])], { axis: 1 }), 'logits');
  return b.build();
}

function randomSplit(count: number, seed = 5): Split {
  const rng = new Rng(seed);
  return {
    images: Float32Array.from({ length: count * 32 }, () => rng.normal()),
    labels: Int32Array.from({ length: count }, () => rng.int(4)),
    count,
    sampleShape: [2, 4, 4],
  };
}

async function scoresOf(model: Model, importance: ReturnType<typeof magnitudeImportance>, data?: Split): Promise<number[]> {
  const dep = buildDependencyGraph(model);
  const g = dep.groups.find((x) => x.name === 'conv1');
  assert.ok(g !== undefined);
  const scores = await importance.score({ dep, ...(data === undefined ? {} : { data }), samples: 48, batchSize: 16 });
  return [...(scores.get(g.id) ?? [])];
}

function argmin(xs: readonly number[]): number {
  return xs.indexOf(Math.min(...xs));
}

test('L1 / L2 filter norms: the smallest filter is the least important', async () => {
  const model = tiny({ w1: [1, 1, 0.1, -0.1, 2, -2] });
  expectClose(await scoresOf(model, magnitudeImportance({ p: 1 })), [2, 0.2, 4]);
  expectClose(await scoresOf(model, magnitudeImportance({ p: 2 })), [Math.SQRT2, Math.sqrt(0.02), Math.sqrt(8)]);
  // Counting the consumer's columns too: conv2 column norms |1|+|0.5|+|2|+|-1| etc. are added.
  const both = await scoresOf(model, magnitudeImportance({ p: 1, roles: ['out', 'in'] }));
  expectClose(both, [2 + 4.5, 0.2 + 3.8, 4 + 3.7], { rtol: 1e-6 });
});

test('BN scale: the channel with the smallest |gamma| is the least important', async () => {
  const scores = await scoresOf(tiny({ gamma: [1, -0.01, 0.5] }), bnScaleImportance());
  expectClose(scores, [1, 0.01, 0.5]);
});

test('APoZ: the channel that is always negative before ReLU scores 0', async () => {
  const model = tiny({ w1: [1, -1, 0.01, 0.01, -1, 2], b1: [0, -100, 0] });
  const scores = await scoresOf(model, apozImportance(), randomSplit(48));
  assert.equal(scores[1], 0);
  assert.ok((scores[0] as number) > 0.2 && (scores[2] as number) > 0.2, String(scores));
});

test('Taylor: the channel whose activation never affects the loss scores 0', async () => {
  const w2 = [1, 0, -1, 0.5, 0, 1, 2, 0, 1, -1, 0, 0.7];
  const scores = await scoresOf(tiny({ w2 }), taylorImportance(), randomSplit(48));
  assert.equal(scores[1], 0);
  assert.ok((scores[0] as number) > 0 && (scores[2] as number) > 0, String(scores));
  assert.equal(argmin(scores), 1);
});

test('ThiNet: removes first the channel whose removal leaves zero reconstruction error, then rescales', async () => {
  // Channel 1 feeds nothing (zero column); channel 2 duplicates channel 0 with half its consumer weights.
  const w1 = [1, -1, 0.5, 0.5, 1, -1];
  const b1 = [0.1, 0.2, 0.1];
  const w2 = [1, 0, 0.5, -2, 0, -1, 0.4, 0, 0.2, 3, 0, 1.5];
  const model = tiny({ w1, b1, w2 });
  const thinet = new ThiNetImportance();
  const scores = await scoresOf(model, thinet, randomSplit(48));
  assert.equal(argmin(scores), 1);
  assert.equal(scores[1], 0);
  // Remove channels 1 and 2: least squares scales channel 0's consumer weights by 1.5, an exact rebuild.
  const dep = buildDependencyGraph(model);
  const g = dep.groups.find((x) => x.name === 'conv1');
  assert.ok(g !== undefined);
  const plan = new Map([[g.id, [1, 2]]]);
  thinet.beforePrune(dep, plan);
  const pruned = pruneChannels(model, plan);
  const rng = new Rng(9);
  const x = Tensor.f32([5, 2, 4, 4], Array.from({ length: 160 }, () => rng.normal()));
  const run = async (m: Model): Promise<Float32Array> => {
    const s = await Session.create(m, { threads: 1 });
    const out = (await s.run({ input: x })).logits?.data as Float32Array;
    await s.release();
    return out;
  };
  expectClose(await run(pruned), await run(tiny({ w1, b1, w2 })), { rtol: 1e-4, atol: 1e-4 });
});

test('SSL: the channel group lasso equals Σ_channels ‖coupled filters‖₂, and SSL scores are those norms', async () => {
  const model = tiny({ w1: [1, 1, 0.1, -0.1, 2, -2] });
  const dep = buildDependencyGraph(model);
  const b = new GraphBuilder(model.graph);
  const params = ['conv1.weight', 'conv1.bias', 'conv2.weight'].map((n) => paramRef(model.graph.initializers.get(n) as Value));
  const term = channelGroupLassoTerm(dep, 1).build({ b, params });
  assert.ok(term !== undefined);
  term.dtype = 'float32';
  term.shape = [];
  b.output(term, 'penalty');
  const s = await Session.create(model, { threads: 1 });
  const value = (await s.run({ input: Tensor.f32([1, 2, 4, 4]) }, ['penalty'])).penalty?.data[0] as number;
  await s.release();
  // conv2's group ends at the graph output (blocked), so only conv1's three filters count.
  const norms = [Math.SQRT2, Math.sqrt(0.02), Math.sqrt(8)];
  expectClose(value, norms.reduce((a, x) => a + x, 0), { rtol: 1e-5 });
  expectClose(await scoresOf(tiny({ w1: [1, 1, 0.1, -0.1, 2, -2] }), sslImportance()), norms, { rtol: 1e-6 });
});

/** Trains `model` for one epoch on random labelled data with only `term`'s pull mattering (lr large, coefficient large). */
async function trainWith(model: Model, term: LossTerm): Promise<Model> {
  const data = randomSplit(256, 3);
  const dataset: Dataset = { name: 'random', numClasses: 4, train: data, test: data };
  return (await train({ model, dataset, epochs: 1, lr: 0.05, momentum: 0, batchSize: 16, threads: 1, inProcess: true, validate: false, hooks: { terms: [term] } })).model;
}

test('SSL training drives the weakest coupled channel towards zero first; slimming does the same to the smallest |γ|', async () => {
  const ssl = await trainWith(tiny({ w1: [1, 1, 0.2, -0.2, 2, -2] }), channelGroupLassoTerm(buildDependencyGraph(tiny()), 1));
  const sslScores = await scoresOf(ssl, sslImportance());
  assert.equal(argmin(sslScores), 1);
  assert.ok((sslScores[1] as number) < 0.06 && (sslScores[0] as number) > 0.3, `channel 1's filter norm ${sslScores[1]} should be near zero`);
  const slim = await trainWith(tiny({ gamma: [2, 0.2, 1.2] }), bnScaleL1Term(1));
  const gamma = await scoresOf(slim, bnScaleImportance());
  assert.equal(argmin(gamma), 1);
  assert.ok((gamma[1] as number) < 0.06 && (gamma[2] as number) > 0.2, `|γ₁| = ${gamma[1]} should be near zero`);
});
