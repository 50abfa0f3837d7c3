import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { encodeModel } from '../../onnx/index.js';
import { Session } from '../../runtime/session.js';
import { buildZooModel } from '../../zoo/index.js';
import { magnitudePrune } from '../pruning/unstructured/magnitude.js';
import { kmeansShare } from '../quantization/kmeans/share.js';
import { packWithReport, unpack } from './container.js';
import { formatSizeTable } from './size-table.js';

function bitsOf(m: Model, name: string): Uint8Array {
  const t = m.graph.initializers.get(name)!.initializer!;
  const d = t.data as Float32Array;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

async function run(m: Model, x: Tensor): Promise<Float32Array> {
  const s = await Session.create(m, { threads: 1 });
  const out = await s.run({ [s.inputNames[0]!]: x });
  await s.release();
  return out[s.outputNames[0]!]!.data as Float32Array;
}

test('pack / unpack is bit-exact on a pruned + shared LeNet-5 and the unpacked model runs identically', async () => {
  const dense = buildZooModel('lenet5', { seed: 3, width: 0.25 });
  const pruned = magnitudePrune(dense, { sparsity: 0.9 }).model;
  const shared = kmeansShare(pruned, { bits: { conv: 8, fc: 5 } }).model;
  // A -0 weight must survive as -0.
  const w0 = shared.graph.initializers.get(shared.graph.nodes.find((n) => n.opType === 'Conv')!.input(1).name)!.initializer!.data as Float32Array;
  w0[w0.findIndex((x) => x === 0)] = -0;
  const { bytes, report } = packWithReport(shared);
  const back = unpack(bytes);
  assert.ok(report.layers.length >= 3);
  for (const l of report.layers) assert.deepEqual(bitsOf(back, l.name), bitsOf(shared, l.name), l.name);
  for (const [name, v] of shared.graph.initializers) {
    assert.deepEqual(back.graph.initializers.get(name)!.initializer!.data, v.initializer!.data, name);
  }
  assert.ok(report.ratio > 10, `ratio ${report.ratio}`);
  assert.ok(report.totalBytes < encodeModel(shared).length / 5);
  const x = Tensor.f32([2, 1, 28, 28], Array.from({ length: 2 * 784 }, (_, i) => Math.sin(i)));
  assert.deepEqual(await run(back, x), await run(shared, x));
  const table = formatSizeTable(report);
  assert.match(table, /total/);
  assert.equal(table.split('\n').length, report.layers.length + 3);
});

test('layers with too many distinct values stay raw ONNX; bad magic throws', () => {
  const dense = buildZooModel('lenet-300-100', { seed: 1, width: 0.25 });
  const { bytes, report } = packWithReport(dense, { maxBits: 4 });
  assert.equal(report.layers.length, 0);
  const back = unpack(bytes);
  for (const [name, v] of dense.graph.initializers) assert.deepEqual(back.graph.initializers.get(name)!.initializer!.data, v.initializer!.data);
  const bad = Uint8Array.from(bytes);
  bad[0] = 0;
  assert.throws(() => unpack(bad), /magic/);
});

test('a layer without zeros is stored without relative indices (gap width 0) and still round-trips bit for bit', () => {
  const shared = kmeansShare(buildZooModel('lenet-300-100', { seed: 4, width: 0.25 }), { bits: 3 }).model;
  const { bytes, report } = packWithReport(shared);
  assert.ok(report.layers.length === 3 && report.layers.every((l) => l.gapBits === 0 && l.indexBits === 0 && l.nonzero === l.params), JSON.stringify(report.layers.map((l) => [l.gapBits, l.indexBits])));
  const back = unpack(bytes);
  for (const l of report.layers) assert.deepEqual(bitsOf(back, l.name), bitsOf(shared, l.name), l.name);
  // One exact zero brings the relative indices back.
  const w = shared.graph.initializers.get('fc2.weight')!.initializer!.data as Float32Array;
  w[5] = 0;
  const again = packWithReport(shared);
  assert.ok(again.report.layers.find((l) => l.name === 'fc2.weight')!.gapBits > 0);
  assert.equal((unpack(again.bytes).graph.initializers.get('fc2.weight')!.initializer!.data as Float32Array)[5], 0);
});
