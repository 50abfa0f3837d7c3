import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { xnorLenet5 } from '../../compress/quantization/binary-deploy/fixtures.js';
import { xnorAddon } from '../../kernels/xnor/index.js';
import { saveModel } from '../../onnx/index.js';
import { cli } from '../../testing/run-cli.js';

test('slimnet xnor: binary layers, packed size, agreement and timing of an XNOR LeNet-5', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'slimnet-xnor-')), 'lenet5-xnor.onnx');
  saveModel(xnorLenet5({ seed: 4 }), path);
  const r = await cli('xnor', path, '--batch-sizes', '2', '--runs', '2', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as {
    layers: Array<{ node: string; reduction: number }>; size: { binaryTensors: number };
    measurements: Array<{ engine: string; maxAbsDiff: number; onnxruntime: { runs: number } }>;
  };
  assert.deepEqual(j.layers.map((l) => [l.node, l.reduction]), [['conv2', 500], ['fc1', 800]]);
  assert.equal(j.size.binaryTensors, 2);
  assert.equal(j.measurements.length, 1);
  assert.equal(j.measurements[0]?.engine, xnorAddon().ok ? 'xnor' : 'onnxruntime');
  assert.ok((j.measurements[0]?.maxAbsDiff ?? 1) < 1e-4);
  assert.equal(j.measurements[0]?.onnxruntime.runs, 2);
  const table = await cli('xnor', path, '--batch-sizes', '', '--runs', '1');
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /2 binary layer\(s\), 425,000 ±1 weights/);
  assert.match(table.out, /conv2\s+conv\s+50\s+500/);
  const bad = await cli('xnor', path, '--isa', 'sse9');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--isa must be one of/);
});
