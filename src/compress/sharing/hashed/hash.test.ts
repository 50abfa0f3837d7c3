// The hash: exact modular arithmetic, the same indices in TypeScript and in onnxruntime, spread over buckets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../ir/builder.js';
import { Session } from '../../../runtime/session.js';
import { Rng } from '../../../util/rng.js';
import { HASH_PRIME, emitHashIndex, hashCoefficients, hashIndex, polyHash } from './hash.js';

test('polyHash equals the polynomial computed with BigInt', () => {
  const rng = new Rng(3);
  const p = BigInt(HASH_PRIME);
  for (let t = 0; t < 200; t++) {
    const c = Array.from({ length: 4 }, () => 1 + rng.int(HASH_PRIME - 1));
    const x = t < 100 ? rng.int(HASH_PRIME) : rng.int(1 << 20);
    const [c0, c1, c2, c3] = c.map(BigInt) as [bigint, bigint, bigint, bigint];
    const X = BigInt(x);
    const want = (((c3 * X + c2) % p * X + c1) % p * X + c0) % p;
    assert.equal(polyHash(x, c), Number(want), `x=${x} c=${c.join(',')}`);
  }
});

test('the ONNX index graph computes the same signed indices as hashIndex', async () => {
  const c = hashCoefficients(11);
  const b = new GraphBuilder('hash');
  b.output(emitHashIndex(b, 'h', [37, 53], 97, c), 'index');
  const s = await Session.create(b.build(17), { threads: 1 });
  const out = (await s.run({})).index;
  await s.release();
  assert.deepEqual(out?.dims, [37, 53]);
  assert.deepEqual(out?.toNumbers(), Array.from(hashIndex(37 * 53, 97, c)));
});

test('buckets and signs are spread evenly', () => {
  const k = 64;
  const idx = hashIndex(64 * 500, k, hashCoefficients(5));
  const counts = new Array<number>(k).fill(0);
  let negative = 0;
  for (const s of idx) {
    counts[s >> 1] = (counts[s >> 1] as number) + 1;
    negative += s & 1;
  }
  // 500 expected per bucket (binomial sd ≈ 22): every bucket within 6 sd, signs within 1 %.
  for (const n of counts) assert.ok(Math.abs(n - 500) < 135, `bucket count ${n}`);
  assert.ok(Math.abs(negative / idx.length - 0.5) < 0.01, `negative fraction ${negative / idx.length}`);
  assert.notDeepEqual(Array.from(hashIndex(1000, k, hashCoefficients(6))), Array.from(hashIndex(1000, k, hashCoefficients(5))));
});
