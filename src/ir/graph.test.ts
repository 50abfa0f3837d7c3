import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from './builder.js';
import { Tensor } from './tensor.js';

test('builder links producers and consumers', () => {
  const b = new GraphBuilder('t');
  const x = b.input('x', 'float32', ['N', 4]);
  const w = b.initializer('w', Tensor.f32([3, 4]));
  const y = b.op('Gemm', [x, w], { transB: 1, alpha: 1 });
  const z = b.op('Relu', [y]);
  b.output(z, 'z');
  const g = b.graph;
  assert.equal(g.nodes.length, 2);
  assert.equal(y.producer?.opType, 'Gemm');
  assert.deepEqual(y.consumers.map((n) => n.opType), ['Relu']);
  assert.equal(x.uses.length, 1);
  const gemm = y.producer;
  assert.ok(gemm);
  assert.deepEqual(gemm.attributes.get('alpha'), { type: 'float', value: 1 });
  assert.deepEqual(gemm.attributes.get('transB'), { type: 'int', value: 1 });
  assert.equal(z.name, 'z');
});

test('replaceAllUsesWith and removeNode keep links consistent', () => {
  const b = new GraphBuilder('t');
  const x = b.input('x', 'float32', [2]);
  const a = b.op('Identity', [x]);
  const c = b.op('Neg', [a]);
  b.output(c);
  a.replaceAllUsesWith(x);
  assert.equal(a.uses.length, 0);
  assert.equal(x.uses.length, 2);
  const ident = a.producer;
  assert.ok(ident);
  b.graph.removeNode(ident);
  assert.equal(b.graph.nodes.length, 1);
  assert.equal(x.uses.length, 1);
});

test('sortTopologically orders nodes and detects cycles', () => {
  const b = new GraphBuilder('t');
  const x = b.input('x', 'float32', [2]);
  const a = b.op('Neg', [x]);
  const c = b.op('Neg', [a]);
  b.output(c);
  const g = b.graph;
  const first = g.nodes[0];
  assert.ok(first);
  g.removeNode(first, true);
  g.addNode(first);
  first.setInput(0, x);
  assert.equal(g.nodes[0]?.output().name, c.name);
  g.sortTopologically();
  assert.equal(g.nodes[0]?.output().name, a.name);
  g.nodes[0]?.setInput(0, c);
  assert.throws(() => g.sortTopologically(), /cycle/);
});

test('tensor float16 conversions round-trip representable values', async () => {
  const { floatToHalf, halfToFloat } = await import('./tensor.js');
  for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8]) {
    assert.equal(halfToFloat(floatToHalf(v)), v);
  }
  assert.equal(halfToFloat(floatToHalf(1 / 3)), 0.333251953125);
});
