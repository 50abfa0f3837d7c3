/**
 * resizeChannels: every coupling of the fixtures survives a new channel layout. Doubling each group (every
 * channel replicated once) and halving the consumers' weights on the replicated axis must keep the outputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { verify } from '../../../ir/verify.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { Rng } from '../../../util/rng.js';
import { buildDependencyGraph } from './dependency.js';
import { buildFixture, type FixtureName } from './fixtures.js';
import { resizeChannels } from './prune.js';

async function run(model: Model, x: Tensor): Promise<Float32Array> {
  const s = await Session.create(model, { threads: 1 });
  try {
    return Object.values(await s.run({ input: x }))[0]?.data as Float32Array;
  } finally {
    await s.release();
  }
}

const FIXTURES: readonly FixtureName[] = ['chain', 'residual', 'concat', 'depthwise', 'flatten', 'reshape', 'constants'];

test('doubling every group with halved consumer weights keeps every fixture\'s outputs', async () => {
  const rng = new Rng(9);
  const x = Tensor.f32([2, 2, 8, 8], Array.from({ length: 256 }, () => rng.normal()));
  for (const name of FIXTURES) {
    const model = buildFixture(name);
    const dep = buildDependencyGraph(model);
    const layout = new Map<number, number[]>();
    for (const g of dep.groups) if (g.blocked.length === 0) layout.set(g.id, [...Array(g.size).keys(), ...Array(g.size).keys()]);
    const { model: wide, slices } = resizeChannels(model, layout);
    verify(wide.graph);
    for (const s of slices) {
      if (s.role !== 'in') continue;
      const t = wide.graph.findNode(s.node)?.input(s.input).initializer;
      if (t?.data instanceof Float32Array) for (let i = 0; i < t.size; i++) t.data[i] = (t.data[i] as number) / 2;
    }
    const grown = dep.groups.filter((g) => g.blocked.length === 0);
    assert.ok(grown.length > 0, name);
    const wideDep = buildDependencyGraph(wide);
    for (const g of grown) assert.equal(wideDep.groups.find((w) => w.name === g.name)?.size, 2 * g.size, `${name} ${g.name}`);
    expectClose(await run(wide, x), await run(model, x), { rtol: 1e-4, atol: 1e-5, what: name });
  }
});

test('a layout that names a blocked group, no channels, or a channel out of range is refused', () => {
  const model = buildFixture('chain');
  const dep = buildDependencyGraph(model);
  const open = dep.groups.find((g) => g.blocked.length === 0);
  const blocked = dep.groups.find((g) => g.blocked.length > 0);
  assert.ok(open !== undefined && blocked !== undefined);
  assert.throws(() => resizeChannels(model, new Map([[blocked.id, [0]]])), /is blocked by/);
  assert.throws(() => resizeChannels(model, new Map([[open.id, []]])), /must list 1 or more/);
  assert.throws(() => resizeChannels(model, new Map([[open.id, [open.size]]])), /must list 1 or more of them/);
  assert.throws(() => resizeChannels(model, new Map([[99, [0]]])), /names group 99/);
});
