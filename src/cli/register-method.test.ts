/**
 * A new method is one file plus one registration line: this test defines a quantization method here, registers
 * it, and runs it through the CLI, whose flags, help and validation come from the method's declaration.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { optionNumber, type QuantizationMethod } from '../compress/quantization/method.js';
import { registerQuantizationMethod } from '../compress/quantization/methods.js';
import { defineUnstructuredMethod, registerUnstructuredMethod } from '../compress/pruning/unstructured/methods.js';
import { magnitudeStep } from '../compress/pruning/unstructured/retrain.js';
import { registerCriterion } from '../compress/pruning/structured/criteria.js';
import { quantize } from '../compress/quantization/quantize.js';
import { loadModel, saveModel } from '../onnx/index.js';
import { cli } from '../testing/run-cli.js';
import { buildZooModel } from '../zoo/index.js';

/** Rounds every float weight matrix (rank >= 2) to a grid of `step`. */
const gridMethod: QuantizationMethod = {
  name: 'test-grid',
  summary: 'round weights to a uniform grid (defined by a test)',
  options: {
    step: { type: 'number', placeholder: 'S', min: 1e-6, max: 1, default: 0.05, description: 'grid step of the weights' },
  },
  async run(model, options) {
    const step = optionNumber(options, 'step');
    const out = model.clone();
    let rounded = 0;
    for (const v of out.graph.initializers.values()) {
      const t = v.initializer;
      if (t === undefined || t.rank < 2 || !(t.data instanceof Float32Array)) continue;
      for (let i = 0; i < t.data.length; i++) t.data[i] = step * Math.round((t.data[i] as number) / step);
      rounded += t.size;
    }
    return { model: out, report: { step, rounded }, summary: [`rounded ${rounded} weights to a grid of ${step}`] };
  },
};
registerQuantizationMethod(gridMethod);

/** A pruning method (magnitude per layer or global, chosen by a typed boolean option), one registration line. */
registerUnstructuredMethod(defineUnstructuredMethod({
  name: 'test-prune', retrains: false, weightOnly: true,
  summary: 'magnitude pruning with a boolean scope (defined by a test)',
  options: { perLayer: { type: 'boolean', default: true, description: 'prune each layer to the target' } },
  run: (model, c) => magnitudeStep({ scope: c.options.perLayer ? 'layer' : 'global' })(model, c.sparsity, undefined),
}));

const dir = mkdtempSync(join(tmpdir(), 'slimnet-register-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'mlp.onnx');
saveModel(buildZooModel('lenet-300-100', { width: 0.1, seed: 1 }), model);

test('a method registered from a test file runs through the CLI with flags and help derived from it', async () => {
  const help = await cli('quantize', '--help');
  assert.match(help.out, /test-grid: round weights to a uniform grid/);
  assert.match(help.out, /--step S +grid step of the weights \[test-grid\]/);
  const out = join(dir, 'grid.onnx');
  const r = await cli('quantize', model, '--method', 'test-grid', '--step', '0.25', '--data', 'mnist', '--limit', '64',
    '--latency-runs', '0', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { report: { step: number; rounded: number } };
  assert.equal(j.report.step, 0.25);
  assert.ok(j.report.rounded > 0);
  const w = [...loadModel(out).graph.initializers.values()].find((v) => (v.initializer?.rank ?? 0) >= 2);
  const data = w?.initializer?.data as Float32Array;
  assert.ok(data.every((x) => Math.abs(x / 0.25 - Math.round(x / 0.25)) < 1e-6), 'weights lie on the grid');
});

test('bad option values and unknown option keys are typed errors naming the valid ones', async () => {
  const out = join(dir, 'bad.onnx');
  const r = await cli('quantize', model, '--method', 'test-grid', '--step', '2', '--out', out);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /\[INVALID_ARGUMENT\]/);
  assert.equal(existsSync(out), false);
  await assert.rejects(quantize(loadModel(model), { method: 'test-grid', options: { stepp: 0.1 }, measure: false }),
    /unknown option 'stepp' for method 'test-grid' \(valid: step\)/);
  await assert.rejects(quantize(loadModel(model), { method: 'test-gridd', measure: false }),
    /unknown quantization method 'test-gridd' \(registered: int8, .*test-grid\)/);
  assert.throws(() => registerQuantizationMethod(gridMethod), /quantization method 'test-grid' is registered twice/);
});

test('a pruning method registered from a test file runs through slimnet prune; its options are checked', async () => {
  const help = await cli('prune', '--help');
  assert.match(help.out, /test-prune +magnitude pruning with a boolean scope/);
  assert.match(help.out, /perLayer=true\|false +prune each layer to the target \(default true\)/);
  const out = join(dir, 'pruned.onnx');
  const r = await cli('prune', model, '--method', 'test-prune', '--target', '0.5', '--options', 'perLayer=false',
    '--finetune-epochs', '0', '--limit', '64', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { settings: { options: Record<string, unknown> }; stats: { sparsity: number } };
  assert.deepEqual(j.settings.options, { perLayer: false });
  assert.ok(Math.abs(j.stats.sparsity - 0.5) < 0.01);
  const bad = await cli('prune', model, '--method', 'test-prune', '--options', 'perlayer=false', '--out', out);
  assert.match(bad.err, /\[INVALID_ARGUMENT\].*unknown option 'perlayer' for pruning method 'test-prune' /);
  assert.match(bad.err, /\(valid: perLayer\)/);
});

test('structured and unstructured pruning share one namespace: a clashing name is refused', () => {
  assert.throws(() => registerCriterion({ name: 'test-prune', summary: 'clash', options: {}, importance: () => {
    throw new Error('never scored');
  } }), /pruning method name 'test-prune' is already an unstructured method/);
});
