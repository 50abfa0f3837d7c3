/**
 * 1,000 seeded mutants of a real container: with intact checksums every one must be refused with a typed error;
 * with forged checksums (resealFrame) they reach the structural checks, which must still answer every one with a
 * SlimnetError (never a RangeError / TypeError), quickly and without large allocations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlimnetError } from '../../ir/errors.js';
import { mutants } from '../../testing/mutate.js';
import { initializerBytes, sameInitializers, smallContainer } from '../../testing/sldc-fixture.js';
import { resealFrame, sectionSpans } from './frame.js';
import { unpack } from './unpack.js';

interface Tally {
  typed: number;
  identical: number;
  different: number;
  untyped: string[];
  messages: string[];
  slowestMs: number;
  peakArrayBuffers: number;
}

const { bytes } = smallContainer();
const original = initializerBytes(unpack(bytes));
const lengthFields = [5, 9, ...sectionSpans(bytes).map((s) => s.lengthOffset)];

function run(forge: boolean, seed: number): Tally {
  const t: Tally = {
    typed: 0, identical: 0, different: 0, untyped: [], messages: [], slowestMs: 0, peakArrayBuffers: 0,
  };
  const base = process.memoryUsage().arrayBuffers;
  for (const m of mutants(bytes, 1000, seed, { lengthFields })) {
    const input = forge ? resealFrame(m.bytes) : m.bytes;
    const t0 = performance.now();
    try {
      const back = initializerBytes(unpack(input));
      if (sameInitializers(back, original)) t.identical++;
      else t.different++;
    } catch (e) {
      if (e instanceof SlimnetError && e.code === 'CONTAINER_CORRUPT') {
        t.typed++;
        t.messages.push(e.message);
      } else t.untyped.push(`${m.description}: ${e instanceof Error ? `${e.name} ${e.message}` : String(e)}`);
    }
    t.slowestMs = Math.max(t.slowestMs, performance.now() - t0);
    t.peakArrayBuffers = Math.max(t.peakArrayBuffers, process.memoryUsage().arrayBuffers - base);
  }
  return t;
}

test('the round trip through the fixture container is bit-exact', () => {
  const { model } = smallContainer();
  assert.ok(sameInitializers(original, initializerBytes(model)));
});

test('1,000 mutants with their checksums intact: every one is refused with CONTAINER_CORRUPT', () => {
  const t0 = Date.now();
  const t = run(false, 1);
  assert.deepEqual(t.untyped, []);
  assert.equal(t.typed, 1000, `identical ${t.identical}, different ${t.different}`);
  const located = /checksum mismatch .* layer section \d of 4, apparently layer '\w+\.weight'/;
  assert.ok(t.messages.some((m) => located.test(m)));
  assert.ok(t.messages.some((m) => /checksum mismatch .* ONNX section/.test(m)));
  assert.ok(t.messages.some((m) => /header records/.test(m)));
  assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
  assert.ok(t.peakArrayBuffers < 64 * 2 ** 20, `${t.peakArrayBuffers} bytes of array buffers`);
});

test('1,000 mutants with forged checksums: only typed errors (or a decoded model), fast, no large allocation', () => {
  const t0 = Date.now();
  const t = run(true, 2);
  assert.deepEqual(t.untyped, []);
  assert.equal(t.typed + t.identical + t.different, 1000);
  // The structural checks catch most of what the checksums would have: lengths, tables, streams, dims.
  assert.ok(t.typed > 700, `typed ${t.typed}, identical ${t.identical}, different ${t.different}`);
  const layerErrors = t.messages.filter((m) => /^layer section \d of 4 \(layer '\w+\.weight'\): /.test(m)).length;
  assert.ok(layerErrors > 100, `${layerErrors} errors name a layer`);
  for (const re of [/code table/, /stream/, /dims \[.*\] disagree with the embedded graph/, /tensor end/]) {
    assert.ok(t.messages.some((m) => re.test(m)), `no error matches ${re}`);
  }
  assert.ok(t.slowestMs < 1000, `slowest mutant ${t.slowestMs} ms`);
  assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
  assert.ok(t.peakArrayBuffers < 96 * 2 ** 20, `${t.peakArrayBuffers} bytes of array buffers`);
});
