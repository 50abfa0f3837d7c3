import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { expectClose } from '../../testing/expect-close.js';
import { needsXnorAddon } from '../../testing/needs-xnor.js';
import { Rng } from '../../util/rng.js';
import { bestXnorIsa, XNOR_ISAS, XnorLayer, type XnorIsa } from './kernel.js';
import { packBinaryWeights } from './packed.js';

interface Case {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number; readonly m: number;
  readonly k: number; readonly stride: number; readonly pad: readonly [number, number, number, number]; readonly dil: number;
}

/** Float reference: Sign(x) (0 stays 0) convolved with ±1 weights, zero padding, then alpha * y + beta. */
function referenceConv(x: Float32Array, cs: Case, wt: Float32Array, alpha: Float32Array, beta: Float32Array): Float32Array {
  const { n, c, h, w, m, k, stride, pad, dil } = cs;
  const oh = Math.floor((h + pad[0] + pad[2] - (k - 1) * dil - 1) / stride) + 1;
  const ow = Math.floor((w + pad[1] + pad[3] - (k - 1) * dil - 1) / stride) + 1;
  const out = new Float32Array(n * m * oh * ow);
  for (let b = 0; b < n; b++) for (let mm = 0; mm < m; mm++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    let s = 0;
    for (let cc = 0; cc < c; cc++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
      const iy = oy * stride - pad[0] + ky * dil;
      const ix = ox * stride - pad[1] + kx * dil;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      s += Math.sign(x[((b * c + cc) * h + iy) * w + ix] as number) * (wt[((mm * c + cc) * k + ky) * k + kx] as number);
    }
    out[((b * m + mm) * oh + oy) * ow + ox] = (alpha[mm] as number) * s + (beta[mm] as number);
  }
  return out;
}

function randomCase(cs: Case, seed: number, zeroFraction: number): { x: Float32Array; wt: Tensor; alpha: Float32Array; beta: Float32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: cs.n * cs.c * cs.h * cs.w }, () => (rng.next() < zeroFraction ? 0 : rng.normal()));
  const wt = Tensor.f32([cs.m, cs.c, cs.k, cs.k], Float32Array.from({ length: cs.m * cs.c * cs.k * cs.k }, () => (rng.next() < 0.5 ? -1 : 1)));
  const alpha = Float32Array.from({ length: cs.m }, () => rng.uniform(0.1, 2));
  const beta = Float32Array.from({ length: cs.m }, () => rng.normal());
  return { x, wt, alpha, beta };
}

const CASES: readonly Case[] = [
  { n: 2, c: 3, h: 9, w: 7, m: 5, k: 3, stride: 1, pad: [1, 1, 1, 1], dil: 1 },
  { n: 1, c: 16, h: 12, w: 12, m: 16, k: 3, stride: 2, pad: [1, 1, 1, 1], dil: 1 },
  { n: 3, c: 20, h: 12, w: 12, m: 50, k: 5, stride: 1, pad: [0, 0, 0, 0], dil: 1 },
  { n: 1, c: 64, h: 6, w: 5, m: 17, k: 3, stride: 1, pad: [2, 0, 1, 3], dil: 2 },
  { n: 2, c: 70, h: 5, w: 5, m: 9, k: 1, stride: 1, pad: [0, 0, 0, 0], dil: 1 },
  { n: 1, c: 130, h: 4, w: 6, m: 33, k: 3, stride: 3, pad: [1, 2, 1, 0], dil: 1 },
];

function isasHere(): XnorIsa[] {
  return XNOR_ISAS.slice(0, XNOR_ISAS.indexOf(bestXnorIsa()) + 1);
}

test('XNOR conv equals the float reference: every kernel variant, stride, padding, dilation, exact zeros', (t) => {
  if (!needsXnorAddon(t)) return;
  CASES.forEach((cs, i) => {
    for (const zeros of [0, 0.2]) {
      const { x, wt, alpha, beta } = randomCase(cs, 10 * i + (zeros > 0 ? 1 : 0), zeros);
      const expected = referenceConv(x, cs, wt.data as Float32Array, alpha, beta);
      for (const isa of isasHere()) {
        for (const threads of [1, 2]) {
          const layer = XnorLayer.create(packBinaryWeights(wt), {
            alpha, beta, isa, threads, geometry: { strides: [cs.stride, cs.stride], pads: cs.pad, dilations: [cs.dil, cs.dil] },
          });
          const y = layer.run(x, [cs.n, cs.c, cs.h, cs.w]);
          assert.deepEqual(layer.outputDims([cs.n, cs.c, cs.h, cs.w]).reduce((a, b) => a * b, 1), expected.length);
          expectClose(y, expected, { rtol: 1e-6, atol: 1e-5, what: `case ${i} zeros ${zeros} ${isa} x${threads}` });
        }
      }
    }
  });
});

test('padded positions contribute nothing (all-ones input and weights give 4C / 6C / 9C)', (t) => {
  if (!needsXnorAddon(t)) return;
  const c = 16;
  const wt = Tensor.f32([1, c, 3, 3], new Float32Array(c * 9).fill(1));
  for (const isa of isasHere()) {
    const layer = XnorLayer.create(packBinaryWeights(wt), { isa, geometry: { pads: [1, 1, 1, 1] } });
    const y = layer.run(new Float32Array(c * 16).fill(0.5), [1, c, 4, 4]);
    assert.deepEqual(Array.from(y), [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4].map((v) => v * c), isa);
    const same = XnorLayer.create(packBinaryWeights(wt), { isa, geometry: { autoPad: 'SAME_UPPER' } });
    assert.deepEqual(Array.from(same.run(new Float32Array(c * 16).fill(-2), [1, c, 4, 4])), Array.from(y, (v) => -v));
  }
});

test('XNOR GEMM equals sign(x) · Wᵀ for [M, K] and [K, M] weights, scales as default alpha', (t) => {
  if (!needsXnorAddon(t)) return;
  const rng = new Rng(5);
  for (const [n, k, m] of [[1, 800, 500], [7, 100, 13], [64, 64, 10], [3, 300, 9]] as const) {
    const x = Float32Array.from({ length: n * k }, () => (rng.next() < 0.1 ? 0 : rng.normal()));
    const w = Float32Array.from({ length: m * k }, () => (rng.next() < 0.5 ? -1 : 1));
    const scales = Float32Array.from({ length: m }, () => rng.uniform(0.01, 1));
    const expected = new Float32Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += Math.sign(x[i * k + q] as number) * (w[j * k + q] as number);
      expected[i * m + j] = (scales[j] as number) * s;
    }
    const wT = new Float32Array(k * m);
    for (let j = 0; j < m; j++) for (let q = 0; q < k; q++) wT[q * m + j] = w[j * k + q] as number;
    for (const isa of isasHere()) {
      const a = XnorLayer.create(packBinaryWeights(Tensor.f32([m, k], w), { scales }), { isa });
      const b = XnorLayer.create(packBinaryWeights(Tensor.f32([k, m], wT), { transB: false, scales }), { isa });
      assert.deepEqual(a.outputDims([n, k]), [n, m]);
      expectClose(a.run(x, [n, k]), expected, { rtol: 1e-6, atol: 1e-5, what: `gemm ${n}x${k}x${m} ${isa}` });
      expectClose(b.run(x, [n, k]), expected, { rtol: 1e-6, atol: 1e-5, what: `gemm transB=0 ${isa}` });
    }
  }
});

test('wrong input shapes and buffers are typed errors', (t) => {
  if (!needsXnorAddon(t)) return;
  const layer = XnorLayer.create(packBinaryWeights(Tensor.f32([2, 3, 3, 3], new Float32Array(54).fill(1))), { name: 'conv7' });
  const err = (f: () => unknown, re: RegExp): void => assert.throws(f, (e: unknown) => isSlimnetError(e, 'SHAPE_MISMATCH') && re.test(e.message));
  err(() => layer.run(new Float32Array(48), [1, 4, 3, 4]), /conv7.*\[N, 3, H, W\]/);
  err(() => layer.run(new Float32Array(10), [1, 3, 2, 2]), /too small/);
  err(() => layer.run(new Float32Array(5), [1, 3, 3, 3]), /5 values/);
  err(() => layer.run(new Float32Array(27), [1, 3, 3, 3], new Float32Array(3)), /output buffer/);
  assert.throws(() => XnorLayer.create(packBinaryWeights(Tensor.f32([2, 2], [1, 1, 1, 1])), { alpha: new Float32Array(3) }), /alpha\/beta need 2/);
});

test('input affine (a folded BatchNorm) and residual: sign(a·x + b) with negative and zeroing channels, plus a residual', (t) => {
  if (!needsXnorAddon(t)) return;
  const cs: Case = { n: 2, c: 5, h: 6, w: 6, m: 7, k: 3, stride: 1, pad: [1, 1, 1, 1], dil: 1 };
  const { x, wt, alpha, beta } = randomCase(cs, 42, 0);
  // Channel 1 flips signs; channel 3 maps x = 0.5 exactly to 0 (2·0.5 − 1), so those inputs must count as zeros.
  const scale = Float32Array.from([1, -2, 0.5, 2, 1]);
  const shift = Float32Array.from([0, 0.3, -0.1, -1, 0.2]);
  for (let i = 0; i < 36; i += 3) x[(3 * 36) + i] = 0.5;
  const z = Float32Array.from(x, (v, i) => (scale[Math.floor(i / 36) % 5] as number) * v + (shift[Math.floor(i / 36) % 5] as number));
  const residual = Float32Array.from({ length: cs.n * cs.m * 36 }, (_, i) => Math.sin(i));
  const expected = referenceConv(z, cs, wt.data as Float32Array, alpha, beta).map((v, i) => v + (residual[i] as number));
  for (const isa of isasHere()) {
    const layer = XnorLayer.create(packBinaryWeights(wt), { alpha, beta, isa, inputAffine: { scale, shift }, geometry: { pads: [1, 1, 1, 1] } });
    expectClose(layer.run(x, [2, 5, 6, 6], undefined, residual), expected, { rtol: 1e-5, atol: 1e-5, what: `affine + residual ${isa}` });
  }
  assert.throws(() => XnorLayer.create(packBinaryWeights(wt), { inputAffine: { scale: new Float32Array(4), shift: new Float32Array(4) } }), /inputAffine needs 5/);
});
