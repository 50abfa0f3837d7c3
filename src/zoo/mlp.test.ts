import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkModel } from '../ir/verify.js';
import { buildZooModel } from './index.js';
import { mlp } from './mlp.js';

const params = (m: ReturnType<typeof mlp>): number => [...m.graph.initializers.values()].reduce((a, v) => a + (v.initializer?.size ?? 0), 0);

test("mlp: Hinton's 784-1200-1200-10 by default, 30-30 at width 0.025, dropout only when asked", () => {
  assert.equal(params(buildZooModel('mlp')), 784 * 1200 + 1200 + 1200 * 1200 + 1200 + 1200 * 10 + 10);
  const small = buildZooModel('mlp', { width: 0.025 });
  assert.equal(params(small), 784 * 30 + 30 + 30 * 30 + 30 + 30 * 10 + 10);
  assert.ok(!small.graph.nodes.some((n) => n.opType === 'Dropout'));
  const teacher = mlp({ dropout: 0.5, inputDropout: 0.2, hidden: [64, 32] });
  checkModel(teacher);
  assert.deepEqual(teacher.graph.nodes.filter((n) => n.opType === 'Dropout').length, 3);
  assert.deepEqual(teacher.graph.initializers.get('fc3.weight')?.initializer?.dims, [10, 32]);
  assert.throws(() => mlp({ dropout: 1 }), /dropout ratios must be in \[0, 1\)/);
});
