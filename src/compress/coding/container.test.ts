import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { encodeModel } from '../../onnx/index.js';
import { Session } from '../../runtime/session.js';
import { buildZooModel } from '../../zoo/index.js';
import { magnitudePrune } from '../pruning/unstructured/magnitude.js';
import { kmeansShare } from '../quantization/kmeans/share.js';
import { smallContainer } from '../../testing/sldc-fixture.js';
import { packWithReport, unpack } from './container.js';
import { readFrame, resealFrame, sectionSpans, writeFrame } from './frame.js';
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
  assert.throws(() => unpack(bad), corrupt(/start with 'SLDC'/));
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

/** Offset of the cluster-index code table (idxLengths) in the layer section of `name`. */
function idxLengthsOffset(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const s of sectionSpans(bytes)) {
    const n = view.getUint32(s.payloadOffset, true);
    if (new TextDecoder().decode(bytes.subarray(s.payloadOffset + 4, s.payloadOffset + 4 + n)) !== name) continue;
    const rankAt = s.payloadOffset + 4 + n;
    const kAt = rankAt + 1 + 4 * bytes[rankAt]! + 1;
    const k = view.getUint32(kAt, true);
    return kAt + 4 + 4 * k + 8;
  }
  throw new Error(`no section ${name}`);
}

function corrupt(re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof SlimnetError && e.code === 'CONTAINER_CORRUPT' && re.test(e.message);
}

test('one flipped bit in a code-length table: refused by the checksum, and by the Kraft check when forged', () => {
  const { bytes } = smallContainer();
  const bad = Uint8Array.from(bytes);
  bad[idxLengthsOffset(bytes, 'fc1.weight') + 3]! ^= 0x01;
  const located = /checksum mismatch .*damaged in the layer section 3 of 4, apparently layer 'fc1\.weight'/;
  assert.throws(() => unpack(bad), corrupt(located));
  const kraft = /^layer section 3 of 4 \(layer 'fc1\.weight'\): cluster-index code table: .*Kraft/;
  assert.throws(() => unpack(resealFrame(bad)), corrupt(kraft));
});

test('old versions, extra bytes, a wrong layer count and a missing layer are refused with what was expected', () => {
  const { bytes } = smallContainer();
  const v2 = Uint8Array.from(bytes);
  v2[4] = 2;
  assert.throws(() => unpack(v2), corrupt(/format version 2 .* no longer read; this slimnet reads version 3/));
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes.subarray(0, bytes.length - 4));
  assert.throws(() => unpack(resealFrame(longer)), corrupt(/1 unexplained byte\(s\) after the last section/));
  const count = Uint8Array.from(bytes);
  new DataView(count.buffer).setUint32(9, 5, true);
  assert.throws(() => unpack(resealFrame(count)), corrupt(/announces 5 layer section\(s\) but only 4 fit/));
  // Dropping the last layer section (and fixing the count) leaves its placeholder unfilled.
  const spans = sectionSpans(bytes);
  const last = spans[spans.length - 1]!;
  const dropped = new Uint8Array(bytes.length - (last.crcOffset + 4 - last.lengthOffset));
  dropped.set(bytes.subarray(0, last.lengthOffset));
  new DataView(dropped.buffer).setUint32(9, 3, true);
  const missing = /no layer section for the compressed weight\(s\) 'fc2\.weight'/;
  assert.throws(() => unpack(resealFrame(dropped)), corrupt(missing));
});

test('writeFrame / readFrame: sections come back as written; frames are checksummed per section and in whole', () => {
  const layers = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)];
  const framed = writeFrame(Uint8Array.of(9, 9), layers);
  const f = readFrame(framed);
  assert.deepEqual([...f.onnx], [9, 9]);
  assert.deepEqual(f.layers.map((l) => [...l]), layers.map((l) => [...l]));
  assert.equal(framed.length, 13 + 4 * 8 + 2 + 303 + 4);
  assert.deepEqual(resealFrame(framed), framed);
  const bad = Uint8Array.from(framed);
  bad[bad.length - 10]! ^= 0x80;
  const located = /damaged in the layer section 3 of 3 \(its CRC-32 is 0x[0-9a-f]{8}, stored/;
  assert.throws(() => readFrame(bad), corrupt(located));
  const crc = Uint8Array.from(framed);
  crc[crc.length - 1]! ^= 1;
  assert.throws(() => readFrame(crc), corrupt(/damaged in the header or a section length or checksum field/));
});
