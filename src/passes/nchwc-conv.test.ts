import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import type { Model } from '../ir/graph.js';
import { collectProblems } from '../ir/verify.js';
import { expectClose } from '../testing/expect-close.js';
import { evaluateReference, type RefTensor } from '../testing/nchwc-reference.js';
import { Rng } from '../util/rng.js';
import { blockedFilterReference, lowerConvsToNchwc, NCHWC_DOMAIN } from './nchwc-conv.js';

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

/** Stride, padding, dilation, bias, a 1×1 shortcut sharing the input, Relu: every lowering case at once. */
function mixed(): Model {
  const b = new GraphBuilder('mixed');
  const x = b.input('x', 'float32', [2, 16, 7, 7]);
  const bias = b.input('bias', 'float32', [32]);
  const h = b.op('Relu', [b.op('Conv', [x, b.input('w1', 'float32', [32, 16, 3, 3]), bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] })]);
  const d = b.op('Conv', [h, b.input('w2', 'float32', [16, 32, 3, 3])], { pads: [2, 1, 2, 1], dilations: [2, 1] });
  const s = b.op('Conv', [x, b.input('w3', 'float32', [16, 16, 1, 1])], { strides: [2, 2] });
  b.output(b.op('Relu', [b.op('Add', [d, s])]), 'y');
  return b.build(17);
}

function feeds(seed: number): Record<string, RefTensor> {
  const rng = new Rng(seed);
  const rand = (dims: number[]): RefTensor => ({ dims, data: Float64Array.from({ length: dims.reduce((a, v) => a * v, 1) }, () => rng.normal()) });
  return { x: rand([2, 16, 7, 7]), bias: rand([32]), w1: rand([32, 16, 3, 3]), w2: rand([16, 32, 3, 3]), w3: rand([16, 16, 1, 1]) };
}

for (const block of [8, 16]) {
  test(`nchwc lowering with block ${block} computes the plain graph (reference interpreter, any CPU)`, () => {
    const f = feeds(3);
    const want = evaluateReference(mixed(), f, block);
    const lowered = mixed();
    lowerConvsToNchwc(lowered, { blockSize: block });
    assert.equal(lowered.graph.nodes.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv').length, 3);
    const got = evaluateReference(lowered, f, block);
    assert.deepEqual(got.dims, want.dims);
    expectClose([...got.data], [...want.data], { rtol: 1e-9, atol: 1e-9 });
    // The other block size's kernels would read this graph's filters wrongly: the check can fail.
    const other = evaluateReference(lowered, f, block === 8 ? 16 : 8);
    assert.ok(other.data.some((v, i) => Math.abs(v - (want.data[i] as number)) > 1e-3));
  });
}

test('blockedFilterReference: output-channel-innermost blocks, zero padding to the block', () => {
  const w = Array.from({ length: 3 * 2 * 1 * 1 }, (_, i) => i + 1); // W[m, c] = 2m + c + 1
  const r = blockedFilterReference(w, [3, 2, 1, 1], 4);
  assert.deepEqual(r.dims, [4, 4, 1, 1]);
  // D[ci, mi] = W[mi, ci]: ci = 0 → W[0..2, 0] = 1, 3, 5, pad; ci = 1 → 2, 4, 6, pad; ci = 2, 3 → pad.
  assert.deepEqual([...r.data], [1, 3, 5, 0, 2, 4, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});
