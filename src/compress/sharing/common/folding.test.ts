// onnxruntime folds the weight generators (hash / circulant index, Gather) when a session is created, so the
// optimized graph of a hashed or dense-circulant model is the dense model's graph: the speed claim's basis.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Model } from '../../../ir/graph.js';
import { decodeModel } from '../../../onnx/index.js';
import { Session } from '../../../runtime/session.js';
import { circulantLayers } from '../circulant/circulant.js';
import { hashLayers } from '../hashed/hashnet.js';
import { tinyMlp } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-fold-'));

async function optimizedOps(model: Model, name: string): Promise<string[]> {
  const path = join(dir, `${name}.onnx`);
  const s = await Session.create(model, { threads: 1, optimizedModelPath: path });
  await s.release();
  return decodeModel(readFileSync(path)).graph.nodes.map((n) => n.opType);
}

test('hashed and dense-circulant generators are folded away; the FFT form keeps its DFTs', async () => {
  const base = tinyMlp(5);
  const dense = await optimizedOps(base, 'dense');
  for (const [name, model] of [
    ['hashed', hashLayers(base, { factor: 4 }).model],
    ['stored', hashLayers(base, { factor: 4, index: 'stored' }).model],
    ['circulant-dense', circulantLayers(base, { mode: 'dense' }).model],
  ] as const) {
    assert.deepEqual(await optimizedOps(model, name), dense, name);
  }
  const fft = await optimizedOps(circulantLayers(base, { mode: 'fft' }).model, 'fft');
  assert.equal(fft.filter((op) => op === 'DFT').length, 4);
  assert.ok(!fft.includes('Gemm') && !fft.includes('MatMul'));
});
