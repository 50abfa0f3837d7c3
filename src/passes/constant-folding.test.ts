import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { verify } from '../ir/verify.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import { foldConstants } from './constant-folding.js';

/** y = reshape(x + chain(a, b), shape(x)) + idiv + sin(a): every node not reading x folds except Sin. */
function model(): Model {
  const b = new GraphBuilder('fold');
  const x = b.input('x', 'float32', [2, 3]);
  const a = b.initializer('a', Tensor.f32([2, 3], [0.5, -1.25, 2, 3.5, -4, 0.75]));
  const bias = b.initializer('b', Tensor.f32([3], [1, 2, -3]));
  const c = b.op('Div', [b.op('Mul', [b.op('Add', [a, bias]), b.constant(2.5)]), b.constant(1.5)]);
  const t = b.op('Transpose', [c], { perm: [1, 0] });
  const r = b.op('Reshape', [t, b.constInt64([-1])]);
  const s = b.op('Squeeze', [b.op('Unsqueeze', [r, b.constInt64([0])]), b.constInt64([0])]);
  const cat = b.op('Concat', [s, b.op('Constant', [], { value: Tensor.f32([6], [9, 8, 7, 6, 5, 4]) })], { axis: 0 });
  const picked = b.op('Gather', [cat, b.graph.addInitializer('idx', Tensor.i64([2, 3], [0, 11, 5, -1, 3, 7]))]);
  const truncated = b.op('Cast', [b.op('Cast', [picked], { to: 6 })], { to: 1 });
  const id = b.op('Identity', [b.op('Neg', [truncated])]);
  const quotient = b.op('Div', [b.constInt64([7, -7, 9, -9, 1, 0], [2, 3]), b.constInt64([2, 2, -4], [3])]);
  const idiv = b.op('Cast', [quotient], { to: 1 });
  const y0 = b.op('Reshape', [b.op('Add', [x, id]), b.op('Shape', [x])], {}, { name: 'reshape_x' });
  b.output(b.op('Add', [b.op('Add', [y0, idiv]), b.op('Sin', [a], {}, { name: 'sin' })]), 'y');
  return b.build();
}

async function run(m: Model, x: Tensor): Promise<Float32Array> {
  const s = await Session.create(m, { optimizationLevel: 'disabled' });
  try {
    return ((await s.run({ x })).y as Tensor).toFloat32();
  } finally {
    await s.release();
  }
}

test('folded constants compute what onnxruntime computes; unknown ops and x-dependent nodes stay', async () => {
  const m = model();
  const x = Tensor.f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const before = await run(m, x);
  assert.equal(foldConstants(m).modified, true);
  verify(m.graph);
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Add', 'Reshape', 'Add', 'Sin', 'Add']);
  assert.ok(m.graph.initializers.has('a'), 'Sin still reads a');
  assert.ok(!m.graph.initializers.has('b') && !m.graph.initializers.has('idx'), 'inputs of folded nodes are gone');
  expectClose(await run(m, x), before, { rtol: 1e-6, atol: 1e-6 });
  assert.equal(foldConstants(m).modified, false, 'nothing left to fold');
});

test('a node with a symbolic input shape, a graph output or an integer division by zero is not folded', () => {
  const b = new GraphBuilder('keep');
  const x = b.input('x', 'float32', ['N', 3]);
  b.output(b.op('Shape', [x]), 'shape');
  b.output(b.op('Identity', [b.constant([1, 2])]), 'direct');
  const zero = b.op('Div', [b.constInt64([1]), b.constInt64([0])], {}, { name: 'div0' });
  b.output(b.op('Cast', [zero], { to: 1 }), 'z');
  const m = b.build();
  foldConstants(m);
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Shape', 'Identity', 'Div', 'Cast']);
});
