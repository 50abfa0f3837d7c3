import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedSet } from '../data/feeds.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { compareModels } from './compare.js';
import { feedRuns } from './feed-run.js';
import { Session } from './session.js';

/** stateN = decay · state + x; y = 2 · stateN: one input 'x', a state input 'state' and its output 'stateN'. */
function recurrent(decay: number): Model {
  const g = new GraphBuilder('recurrent');
  const x = g.input('x', 'float32', [1, 2]);
  const state = g.input('state', 'float32', [1, 2]);
  const next = g.op('Add', [g.op('Mul', [state, g.constant(decay)]), x]);
  g.output(g.op('Mul', [next, g.constant(2)]), 'y');
  g.output(next, 'stateN');
  return g.build();
}

const feeds = (sequenceLength?: number): FeedSet => ({
  source: 'steps', count: 4,
  inputs: [{ name: 'x', dtype: 'float32', data: Float32Array.from([1, 0, 1, 0, 1, 0, 1, 0]), sampleShape: [2] }],
  ...(sequenceLength === undefined ? {} : { state: { sequenceLength } }),
});

async function ys(model: Model, f: FeedSet): Promise<number[]> {
  const s = await Session.create(model, { threads: 1 });
  const out: number[] = [];
  try {
    for await (const r of feedRuns(s, f)) out.push(r.outputs['y']?.toFloat32()[0] as number);
  } finally {
    await s.release();
  }
  return out;
}

test('a state input is fed the output it pairs with, from zeros, restarting every sequence', async () => {
  // state: 0 -> 1 -> 1.5 -> 1.75 -> 1.875; y = 2 · state after the step.
  assert.deepEqual(await ys(recurrent(0.5), feeds()), [2, 3, 3.5, 3.75]);
  assert.deepEqual(await ys(recurrent(0.5), feeds(2)), [2, 3, 2, 3]);
});

test('declared state pairs are checked against the model', async () => {
  const bad: FeedSet = { ...feeds(), state: { pairs: [{ input: 'state', output: 'nope' }] } };
  await assert.rejects(ys(recurrent(0.5), bad),
    { code: 'DATASET_INVALID', message: /^steps: state pair nope -> state: 'nope' is no output of the model$/ });
  const none: FeedSet = { ...feeds(), state: { pairs: [] } };
  await assert.rejects(ys(recurrent(0.5), none), { code: 'DATASET_INVALID', message: /no samples for input 'state'/ });
});

test('fidelity of a recurrent model: each model carries its own state', async () => {
  const same = await compareModels(recurrent(0.5), recurrent(0.5), feeds(), { threads: 1 });
  assert.equal(same.count, 4);
  assert.equal(same.outputs.find((o) => o.name === 'y')?.sqnrDb, Infinity);
  const other = await compareModels(recurrent(0.5), recurrent(0.75), feeds(), { threads: 1 });
  const y = other.outputs.find((o) => o.name === 'y');
  // Candidate states 1, 1.75, 2.3125, 2.734375 against 1, 1.5, 1.75, 1.875 (x2 for y; second element 0 throughout).
  const ref = [2, 3, 3.5, 3.75];
  const cand = [2, 3.5, 4.625, 5.46875];
  const err = ref.reduce((a, r, i) => a + (r - (cand[i] as number)) ** 2, 0);
  const sig = ref.reduce((a, r) => a + r * r, 0);
  assert.ok(Math.abs((y?.sqnrDb as number) - 10 * Math.log10(sig / err)) < 1e-4, `SQNR ${y?.sqnrDb}`);
  assert.ok(Math.abs((y?.maxAbsError as number) - 1.71875) < 1e-5);
});
