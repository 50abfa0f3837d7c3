import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import { Tensor } from '../ir/tensor.js';
import { Rng } from '../util/rng.js';
import { dotU8S8, SATURATION_FREE_WEIGHT_MAX, saturationFree, type KernelArithmetic } from './int8-arithmetic.js';
import {
  cpuinfoHasVnni, detectInt8Kernels, int8Kernels, probeInt8Kernels, vnniFromEnv, type Int8KernelProbe,
} from './int8-kernels.js';
import { Session } from './session.js';

test('u8×s8 arithmetic: exact sums vs pairs saturated to int16, by hand', () => {
  assert.equal(dotU8S8([255, 255, 1], [127, 127, -5], 'exact'), 64770 - 5);
  assert.equal(dotU8S8([255, 255, 1], [127, 127, -5], 'pairwise-saturating'), 32767 - 5);
  assert.equal(dotU8S8([255, 255], [-128, -128], 'pairwise-saturating'), -32768);
  // Pairs are adjacent k: (255·127 + 0·127) and (255·127 + 0·127) stay below int16.
  assert.equal(dotU8S8([255, 0, 255, 0], [127, 127, 127, 127], 'pairwise-saturating'), 2 * 32385);
  assert.equal(dotU8S8([255, 255], [64, 64], 'pairwise-saturating'), 32640);
  assert.equal(dotU8S8([255, 255], [65, 65], 'pairwise-saturating'), 32767);
  assert.equal(SATURATION_FREE_WEIGHT_MAX, 64);
  assert.ok(saturationFree(63) && saturationFree(64) && !saturationFree(65) && !saturationFree(127));
  assert.throws(() => dotU8S8([1], [1, 2], 'exact'), SlimnetError);
});

test('SLIMNET_CPU_VNNI and /proc/cpuinfo parsing', () => {
  assert.equal(vnniFromEnv(undefined), undefined);
  assert.equal(vnniFromEnv(''), undefined);
  assert.equal(vnniFromEnv('1'), true);
  assert.equal(vnniFromEnv(' false '), false);
  assert.throws(() => vnniFromEnv('yes'), (e: unknown) => e instanceof SlimnetError && e.code === 'INVALID_ARGUMENT');
  assert.equal(cpuinfoHasVnni('processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_vnni avx512bw\n'), true);
  assert.equal(cpuinfoHasVnni('flags\t\t: fpu avx2 avx_vnni\n'), true);
  assert.equal(cpuinfoHasVnni('flags\t\t: fpu sse avx2 fma\nbugs\t\t: avx512_vnni_fake\n'), false);
});

test('detection order: environment, probe (noting a disagreeing /proc/cpuinfo), then /proc/cpuinfo', async () => {
  let probed = 0;
  const probe = (p: Int8KernelProbe) => async (): Promise<Int8KernelProbe> => (probed++, p);
  const sat: Int8KernelProbe = { fullRange: 'pairwise-saturating', reducedRange: 'exact' };
  const failed: Int8KernelProbe = { fullRange: 'unknown', reducedRange: 'unknown', error: 'no QGemm' };
  const env = await detectInt8Kernels('1', false, probe(sat));
  assert.deepEqual([env.arithmetic, env.source, probed], ['exact', 'env', 0]);
  const p = await detectInt8Kernels(undefined, true, probe(sat));
  assert.deepEqual([p.arithmetic, p.source], ['pairwise-saturating', 'probe']);
  assert.match(p.description, /emulated/);
  const c = await detectInt8Kernels(undefined, true, probe(failed));
  assert.deepEqual([c.arithmetic, c.source], ['exact', 'cpuinfo']);
  const a = await detectInt8Kernels(undefined, undefined, probe(failed));
  assert.deepEqual([a.arithmetic, a.source], ['pairwise-saturating', 'assumed']);
  await assert.rejects(detectInt8Kernels('2', true, probe(sat)), /SLIMNET_CPU_VNNI/);
});

test('the probe explains a random QGemm exactly; 7-bit weights are exact on every CPU', async () => {
  const probe = await probeInt8Kernels();
  assert.equal(probe.reducedRange, 'exact', JSON.stringify(probe));
  assert.notEqual(probe.fullRange, 'unknown', JSON.stringify(probe));
  const info = await int8Kernels();
  if (info.source === 'probe') assert.equal(info.arithmetic, probe.fullRange);
  // Large activations and same-signed full-range weights: many pairs leave int16. K odd, B transposed.
  const rng = new Rng(5);
  const [m, k, n] = [8, 37, 6];
  const a = Uint8Array.from({ length: m * k }, () => 150 + rng.int(106));
  const w = Int8Array.from({ length: n * k }, (_, i) => (Math.floor(i / k) % 2 === 0 ? 1 : -1) * (90 + rng.int(38)));
  const b = new GraphBuilder('qgemm');
  const x = b.input('x', 'uint8', [m, k]);
  const one = b.constant(1);
  const wv = b.initializer('w', new Tensor('int8', [n, k], w));
  const zu = b.initializer('zu', new Tensor('uint8', []));
  const zs = b.initializer('zs', new Tensor('int8', []));
  b.output(b.op('QGemm', [x, one, zu, wv, one, zs], { transB: 1 }, { domain: 'com.microsoft' }), 'y');
  const model = b.build(17);
  model.opsetImports.set('com.microsoft', 1);
  const s = await Session.create(model, { threads: 1 });
  const y = (await s.run({ x: new Tensor('uint8', [m, k], a) }))['y']!.toFloat32();
  await s.release();
  const ref = (ar: KernelArithmetic, i: number): number => {
    const row = Math.floor(i / n);
    const col = i % n;
    return dotU8S8(a.subarray(row * k, row * k + k), w.subarray(col * k, col * k + k), ar);
  };
  const other: KernelArithmetic = probe.fullRange === 'exact' ? 'pairwise-saturating' : 'exact';
  let differs = 0;
  for (let i = 0; i < y.length; i++) {
    assert.equal(y[i], ref(probe.fullRange as KernelArithmetic, i), `element ${i} (${probe.fullRange})`);
    if (ref(other, i) !== y[i]) differs++;
  }
  assert.ok(differs > y.length / 2, `the data must tell the two arithmetics apart (${differs} of ${y.length})`);
});
