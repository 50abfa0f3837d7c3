import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttributeInput } from '../ir/attributes.js';
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError, UnsupportedOpError } from '../ir/errors.js';
import { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import { Rng } from '../util/rng.js';
import { convGeometry, convMacs, fcGeometry } from './layer-geometry.js';

const CASES: ReadonlyArray<{ w: number[]; x: [number, number]; attrs: Record<string, AttributeInput> }> = [
  { w: [4, 3, 3, 3], x: [13, 11], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 3] } },
  { w: [4, 3, 3, 3], x: [13, 11], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } },
  { w: [4, 3, 2, 4], x: [9, 10], attrs: { auto_pad: 'SAME_LOWER', strides: [1, 2] } },
  { w: [4, 3, 3, 3], x: [13, 11], attrs: { pads: [2, 1, 0, 1], strides: [2, 1], dilations: [2, 3] } },
  { w: [8, 2, 3, 2], x: [9, 7], attrs: { group: 4, pads: [1, 0, 2, 1], strides: [2, 3] } },
  { w: [2, 3, 3, 3], x: [6, 5], attrs: { auto_pad: 'VALID', strides: [2, 2] } },
];

/** One Conv with seeded weights; `explicit` replaces auto_pad by the geometry's resolved pads. */
function convModel(c: (typeof CASES)[number], explicit: boolean) {
  const rng = new Rng(7);
  const b = new GraphBuilder('conv');
  const cin = (c.w[1] as number) * Number(c.attrs.group ?? 1);
  const x = b.input('x', 'float32', [1, cin, ...c.x]);
  const size = c.w.reduce((a, d) => a * d, 1);
  const w = b.initializer('w', Tensor.f32(c.w, Array.from({ length: size }, () => rng.normal())));
  const y = b.op('Conv', [x, w], c.attrs, { name: 'conv' });
  b.output(y, 'y');
  const node = b.graph.findNode('conv') as Node;
  const g = convGeometry(node, c.w, c.x);
  if (explicit) {
    node.attributes.delete('auto_pad');
    node.setAttr('pads', [...g.pads]);
  }
  return { model: b.build(), g, cin };
}

test('conv geometry matches onnxruntime: output size, and resolved pads compute what auto_pad computes', async () => {
  for (const c of CASES) {
    const auto = convModel(c, false);
    const fixed = convModel(c, true);
    const rng = new Rng(3);
    const values = Array.from({ length: auto.cin * c.x[0] * c.x[1] }, () => rng.normal());
    const feed = { x: Tensor.f32([1, auto.cin, ...c.x], values) };
    const [a, e] = await Promise.all([auto.model, fixed.model].map(async (m) => {
      const s = await Session.create(m);
      try {
        return (await s.run(feed)).y as Tensor;
      } finally {
        await s.release();
      }
    }));
    const what = JSON.stringify(c.attrs);
    assert.deepEqual(a?.dims.slice(2), [...auto.g.outSize], what);
    assert.deepEqual(e?.dims, a?.dims, what);
    expectClose(e?.toFloat32() ?? [], a?.toFloat32() ?? [], { rtol: 1e-5, atol: 1e-5, what });
  }
});

test('conv geometry fields and MACs; a 1-D conv and a bad auto_pad are refused', () => {
  const node = new Node('Conv', 'c').setAttr('group', 2).setAttr('strides', [2, 2]).setAttr('pads', [1, 1, 1, 1]);
  const g = convGeometry(node, [8, 3, 3, 3], [8, 8]);
  assert.deepEqual(g, {
    kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], group: 2, cin: 6, cout: 8,
    inSize: [8, 8], outSize: [4, 4],
  });
  assert.equal(convMacs(g), 8 * 3 * 9 * 16);
  assert.throws(() => convGeometry(node, [8, 3, 3], [8, 8]), UnsupportedOpError);
  node.setAttr('auto_pad', 'SAME');
  const unknown = (e: unknown): boolean => e instanceof SlimnetError && /unknown auto_pad 'SAME'/.test(e.message);
  assert.throws(() => convGeometry(node, [8, 3, 3, 3], [8, 8]), unknown);
});

test('fc geometry reads the weight layout from the op and transB', () => {
  assert.deepEqual(fcGeometry(new Node('MatMul', 'm'), [5, 3]), { in: 5, out: 3, outMajor: false });
  assert.deepEqual(fcGeometry(new Node('Gemm', 'g'), [5, 3]), { in: 5, out: 3, outMajor: false });
  assert.deepEqual(fcGeometry(new Node('Gemm', 'g').setAttr('transB', 1), [5, 3]), { in: 3, out: 5, outMajor: true });
  assert.throws(() => fcGeometry(new Node('MatMul', 'm'), [2, 5, 3]), /weight of rank 3/);
});
