import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { Rng } from '../../../util/rng.js';
import { dataFreePrune } from './data-free.js';

/** x[N,4] → Gemm(3 units, rows 0 and 2 identical) → Relu → Gemm(2) (or MatMul + Add form). */
function mlp(matmul: boolean): Model {
  const g = new GraphBuilder('df');
  const x = g.input('x', 'float32', ['N', 4]);
  const rows = [[0.5, -1, 0.25, 2], [1, 1, -1, 0.5], [0.5, -1, 0.25, 2]];
  const bias = [0.1, -0.2, 0.1];
  let h;
  if (matmul) {
    const wt = [0, 1, 2, 3].flatMap((q) => rows.map((r) => r[q] as number));
    h = g.op('Add', [g.op('MatMul', [x, g.initializer('fc1.weight', Tensor.f32([4, 3], wt))], {}, { name: 'fc1' }), g.initializer('fc1.bias', Tensor.f32([3], bias))]);
  } else {
    h = g.op('Gemm', [x, g.initializer('fc1.weight', Tensor.f32([3, 4], rows.flat())), g.initializer('fc1.bias', Tensor.f32([3], bias))], { transB: 1 }, { name: 'fc1' });
  }
  const a = g.op('Relu', [h]);
  g.output(g.op('Gemm', [a, g.initializer('fc2.weight', Tensor.f32([2, 3], [1, 2, 3, -1, 0.5, 4])), g.initializer('fc2.bias', Tensor.f32([2], [0, 1]))], { transB: 1 }, { name: 'fc2' }), 'y');
  return g.build();
}

async function run(m: Model, x: Tensor): Promise<Float32Array> {
  const s = await Session.create(m, { threads: 1 });
  try {
    return (await s.run({ x }))['y']?.data as Float32Array;
  } finally {
    await s.release();
  }
}

for (const matmul of [false, true]) {
  test(`merging two identical neurons leaves the outputs unchanged (${matmul ? 'MatMul + Add' : 'Gemm'})`, async () => {
    const rng = new Rng(2);
    const x = Tensor.f32([5, 4], Array.from({ length: 20 }, () => rng.normal()));
    const model = mlp(matmul);
    const r = dataFreePrune(model, { ratio: 1 / 3 });
    assert.deepEqual(r.layers, [{ layer: 'fc1', before: 3, after: 2 }]);
    const w1 = r.model.graph.initializers.get('fc1.weight')?.initializer;
    assert.deepEqual(w1?.dims, matmul ? [4, 2] : [2, 4]);
    assert.deepEqual(r.model.graph.initializers.get('fc2.weight')?.initializer?.dims, [2, 2]);
    assert.deepEqual(r.model.graph.initializers.get('fc1.bias')?.initializer?.dims, [2]);
    expectClose(await run(r.model, x), await run(model, x), { rtol: 1e-5, atol: 1e-5 });
    assert.equal(r.stats.params, 12, 'weights only: 2×4 + 2×2');
  });
}
