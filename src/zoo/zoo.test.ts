import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../ir/graph.js';
import { checkModel } from '../ir/verify.js';
import { buildZooModel, zooModelNames } from './index.js';

function paramCount(m: Model, includeStats = false): number {
  let n = 0;
  for (const [name, v] of m.graph.initializers) {
    if (!includeStats && /running_(mean|var)$/.test(name)) continue;
    n += v.initializer?.size ?? 0;
  }
  return n;
}

test('LeNet-5 has exactly 431,080 parameters and LeNet-300-100 266,610', () => {
  assert.equal(paramCount(buildZooModel('lenet5')), 431_080);
  assert.equal(paramCount(buildZooModel('lenet-300-100')), 266_610);
});

test('every zoo model verifies and ends in logits [N, classes]', () => {
  for (const name of zooModelNames()) {
    const m = buildZooModel(name, { numClasses: 7 });
    checkModel(m);
    assert.equal(m.opset(), 17);
    assert.deepEqual(m.graph.inputs.map((v) => [v.name, v.shape]), [['input', ['N', 1, 28, 28]]], name);
    const out = m.graph.outputs[0];
    assert.equal(out?.name, 'logits', name);
    assert.deepEqual(out?.shape, ['N', 7], name);
  }
});

test('input shape and width are configurable', () => {
  const m = buildZooModel('resnet20', { inputShape: [3, 32, 32], width: 0.5 });
  assert.deepEqual(m.graph.inputs[0]?.shape, ['N', 3, 32, 32]);
  assert.deepEqual(m.graph.initializers.get('conv1.weight')?.initializer?.dims, [8, 3, 3, 3]);
  const mb = buildZooModel('mobilenet', { width: 0.25 });
  assert.deepEqual(mb.graph.initializers.get('conv1.weight')?.initializer?.dims, [8, 1, 3, 3]);
});

test('the same seed gives identical weights, another seed different ones', () => {
  const data = (seed: number): Float32Array => buildZooModel('lenet5', { seed }).graph.initializers.get('conv2.weight')?.initializer?.data as Float32Array;
  assert.deepEqual(data(3), data(3));
  assert.notDeepEqual(data(3), data(4));
});

test('an unknown name lists the available models', () => {
  assert.throws(() => buildZooModel('alexnet'), (e: Error) => /unknown zoo model 'alexnet'.*lenet5.*resnet20/.test(e.message));
});
