import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { batchInputShapes, specializeShapes, staticShapes } from './specialize-shapes.js';

function convNet(): Model {
  const b = new GraphBuilder('net');
  const x = b.input('x', 'float32', ['N', 3, 8, 8]);
  b.input('mask', 'float32', [null, 'T']);
  const w = b.initializer('w', Tensor.f32([4, 3, 3, 3]));
  const y = b.op('Conv', [x, w], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: 'conv' });
  b.output(b.op('Flatten', [y], { axis: 1 }), 'y');
  return b.build();
}

test('batchInputShapes fixes every non-numeric leading dim; named shapes win', () => {
  const m = convNet();
  assert.deepEqual(batchInputShapes(m), { x: [1, 3, 8, 8], mask: [1, 'T'] });
  assert.deepEqual(batchInputShapes(m, { batch: 5, inputShapes: { mask: [5, 7] } }), { x: [5, 3, 8, 8], mask: [5, 7] });
  const refused = (e: unknown): boolean => e instanceof SlimnetError && /batch must be a positive integer/.test(e.message);
  assert.throws(() => batchInputShapes(m, { batch: 0 }), refused);
});

test('staticShapes answers at batch 1 and leaves the model as it was', () => {
  const m = convNet();
  const shapeOf = staticShapes(m);
  const conv = m.graph.findNode('conv');
  assert.deepEqual(shapeOf(conv?.output()), [1, 4, 4, 4]);
  assert.deepEqual(shapeOf(m.graph.outputs[0]), [1, 64]);
  assert.equal(shapeOf(m.graph.inputs[1]), undefined, 'a symbol other than the batch stays unknown');
  assert.equal(conv?.output().shape, undefined, 'nothing written');
  assert.deepEqual(m.graph.inputs[0]?.shape, ['N', 3, 8, 8]);
  assert.deepEqual(staticShapes(m, { batch: 3 })(m.graph.outputs[0]), [3, 64]);
});

test('specializeShapes writes the batch into inputs and every inferred value; a second run changes nothing', () => {
  const m = convNet();
  assert.equal(specializeShapes(m, { batch: 2, inputShapes: { mask: [2, 5] } }).modified, true);
  assert.deepEqual(m.graph.inputs.map((v) => v.shape), [[2, 3, 8, 8], [2, 5]]);
  assert.deepEqual(m.graph.findNode('conv')?.output().shape, [2, 4, 4, 4]);
  assert.deepEqual(m.graph.outputs[0]?.shape, [2, 64]);
  assert.equal(specializeShapes(m, { batch: 2 }).modified, false);
});
