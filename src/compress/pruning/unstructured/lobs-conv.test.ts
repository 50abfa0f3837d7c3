import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { expectClose } from '../../../testing/expect-close.js';
import { Rng } from '../../../util/rng.js';
import { magnitudePrune } from './magnitude.js';
import { layerInputMoments } from './layer-inputs.js';
import { dampedInverse } from '../../../util/linalg/cholesky.js';
import { lobsPrune, obsReconstruct } from './lobs.js';

const C = 4;
const O = 6;
const S = 5;

/** One grouped, strided, padded conv (group 2, stride 2, pad 1, 3×3) on [C, S, S] inputs. */
function convModel(seed: number, group = 2): Model {
  const rng = new Rng(seed);
  const g = new GraphBuilder('conv');
  const x = g.input('input', 'float32', ['N', C, S, S]);
  const w = g.initializer('w', Tensor.f32([O, C / group, 3, 3], Array.from({ length: (O * C * 9) / group }, () => rng.normal())));
  const y = g.op('Conv', [x, w], { group, strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, { name: 'conv' });
  g.output(g.op('Flatten', [y], { axis: 1 }), 'logits');
  return g.build();
}

/** Inputs whose pixels within a channel are strongly correlated (a per-channel level plus small noise). */
function split(count: number, seed: number): Split {
  const rng = new Rng(seed);
  const levels = Array.from({ length: count * C }, () => rng.normal());
  const images = Float32Array.from({ length: count * C * S * S }, (_, i) => (levels[Math.floor(i / (S * S))] as number) + 0.3 * rng.normal());
  return { images, labels: new Int32Array(count), count, sampleShape: [C, S, S] };
}

/** The im2col Gram matrices computed directly in JS. */
function directGram(data: Split, group: number): Float64Array {
  const cg = C / group;
  const d = cg * 9;
  const out = new Float64Array(group * d * d);
  const px = new Float64Array(d);
  for (let n = 0; n < data.count; n++) {
    for (let g = 0; g < group; g++) {
      for (let oy = 0; oy < 3; oy++) {
        for (let ox = 0; ox < 3; ox++) {
          for (let c = 0; c < cg; c++) {
            for (let i = 0; i < 3; i++) {
              for (let j = 0; j < 3; j++) {
                const y = oy * 2 - 1 + i;
                const x = ox * 2 - 1 + j;
                const inside = y >= 0 && y < S && x >= 0 && x < S;
                px[c * 9 + i * 3 + j] = inside ? (data.images[((n * C + g * cg + c) * S + y) * S + x] as number) : 0;
              }
            }
          }
          for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) out[g * d * d + a * d + b] = (out[g * d * d + a * d + b] as number) + ((px[a] as number) * (px[b] as number)) / data.count;
        }
      }
    }
  }
  return out;
}

test('conv layer input moments: one-hot im2col Conv + MatMul equals the direct patch Gram, per group', async () => {
  const data = split(5, 2);
  const m = (await layerInputMoments(convModel(1), ['conv'], data, { threads: 1, samples: 5, batchSize: 2 })).get('conv');
  assert.ok(m !== undefined);
  assert.equal(m.groups, 2);
  assert.equal(m.dim, 18);
  expectClose([...m.h], [...directGram(data, 2)], { rtol: 1e-4, atol: 1e-4 });
});

test('exact OBS reconstruction: kept weights satisfy H_RR (w − w0)_R = −H_RS w0_S', () => {
  const rng = new Rng(6);
  const d = 5;
  const a = Array.from({ length: d * d }, () => rng.normal());
  const h = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) h[i * d + j] = (h[i * d + j] as number) + (a[i * d + k] as number) * (a[j * d + k] as number);
  const w0 = Float32Array.from({ length: 2 * d }, () => rng.normal());
  w0[d] = 0;
  const mask = Float32Array.from([1, 0, 1, 1, 0, 0, 1, 1, 1, 1]);
  const w = Float32Array.from(w0);
  obsReconstruct(w, w0, mask, { out: 2, in: d, transposed: false }, h);
  for (let r = 0; r < 2; r++) {
    for (let q = 0; q < d; q++) {
      if (mask[r * d + q] === 0) {
        assert.equal(w[r * d + q], 0);
        continue;
      }
      let g = 0;
      for (let j = 0; j < d; j++) g += (h[q * d + j] as number) * ((w[r * d + j] as number) - (w0[r * d + j] as number));
      expectClose(g, 0, { atol: 1e-4, what: `gradient of the layer error at kept weight ${r},${q}` });
    }
  }
  assert.deepEqual([...w.subarray(d)], [...w0.subarray(d)].map((x, q) => (mask[d + q] === 0 ? 0 : x)), 'a row losing only zeros is unchanged');
  // The removed-set form (from H⁻¹) gives the same rows; with 2 of 5 removed it is the one used.
  const viaInverse = Float32Array.from(w0);
  obsReconstruct(viaInverse, w0, mask, { out: 2, in: d, transposed: false }, h, dampedInverse(h, d, 0));
  expectClose([...viaInverse], [...w], { rtol: 1e-4, atol: 1e-5 });
});

test('L-OBS on a conv layer: the target sparsity, and a smaller layer output error than magnitude pruning', async () => {
  const data = split(64, 3);
  const model = convModel(4, 1);
  const h = (await layerInputMoments(model, ['conv'], data, { threads: 1, samples: 64 })).get('conv');
  assert.ok(h !== undefined);
  const w0 = model.graph.initializers.get('w')?.initializer?.data as Float32Array;
  const layerError = (m: Model): number => {
    const w = m.graph.initializers.get('w')?.initializer?.data as Float32Array;
    const d = h.dim;
    let e = 0;
    for (let r = 0; r < O; r++) {
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) e += ((w[r * d + i] as number) - (w0[r * d + i] as number)) * (h.h[i * d + j] as number) * ((w[r * d + j] as number) - (w0[r * d + j] as number));
      }
    }
    return e;
  };
  const obs = await lobsPrune(model, data, { sparsity: 0.6, samples: 64, threads: 1 });
  expectClose(obs.stats.sparsity, 0.6, { atol: 1 / w0.length });
  const mag = magnitudePrune(model, { sparsity: 0.6 });
  const eObs = layerError(obs.model);
  const eMag = layerError(mag.model);
  assert.ok(eObs < 0.5 * eMag, `OBS layer error ${eObs} should be well below magnitude's ${eMag}`);
});
