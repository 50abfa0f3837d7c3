import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import { collectProblems } from '../ir/verify.js';
import { lowerConvsToNchwc, NCHWC_DOMAIN } from './nchwc-conv.js';

function net(): GraphBuilder {
  const b = new GraphBuilder('net');
  const x = b.input('x', 'float32', ['N', 16, 8, 8]);
  const w = b.input('w', 'float32', [32, 16, 3, 3]);
  const a = b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'fed' });
  const s = b.op('Conv', [x, b.input('ws', 'float32', [32, 16, 1, 1])], { strides: [2, 2] }, { name: 'shortcut' });
  const c = b.op('Conv', [x, b.initializer('wc', Tensor.f32([32, 16, 3, 3]))], { pads: [1, 1, 1, 1] }, { name: 'constant' });
  const odd = b.op('Conv', [a, b.input('wo', 'float32', [12, 32, 3, 3])], {}, { name: 'odd' });
  const g = b.op('Conv', [a, b.input('wg', 'float32', [32, 16, 3, 3])], { group: 2 }, { name: 'grouped' });
  b.output(b.op('Relu', [a]), 'a');
  b.output(s, 's');
  b.output(c, 'c');
  b.output(odd, 'odd');
  b.output(g, 'g');
  return b;
}

test('nchwc lowering: fed-weight convs with block-multiple channels only, input reordered once', () => {
  const m = net().build(17);
  const { modified } = lowerConvsToNchwc(m, { blockSize: 16 });
  assert.equal(modified, true);
  const nodes = m.graph.nodes;
  const blocked = nodes.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv').map((n) => n.name);
  assert.equal(blocked.length, 1, 'only "fed": "shortcut" is a graph output, the others are constant, odd-sized or grouped');
  assert.ok(blocked[0]?.startsWith('fed/'));
  assert.deepEqual(nodes.filter((n) => n.domain === '' && n.opType === 'Conv').map((n) => n.name).sort(), ['constant', 'grouped', 'odd', 'shortcut']);
  assert.equal(nodes.filter((n) => n.opType === 'ReorderInput').length, 1);
  const out = nodes.find((n) => n.opType === 'ReorderOutput');
  assert.equal(out?.attrInt('channels'), 32);
  assert.equal(m.opsetImports.get(NCHWC_DOMAIN), 1);
  assert.deepEqual(collectProblems(m.graph), []);
  const perm = nodes.find((n) => n.opType === 'Transpose');
  assert.deepEqual(perm?.attrInts('perm'), [0, 2, 4, 5, 3, 1]);
});

test('nchwc lowering: nothing to do leaves the model unmodified', () => {
  const m = net().build(17);
  assert.equal(lowerConvsToNchwc(m, { blockSize: 64 }).modified, false);
  assert.equal(m.opsetImports.has(NCHWC_DOMAIN), false);
});
