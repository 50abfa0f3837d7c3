import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../ir/builder.js';
import { isSlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import { expectClose } from '../../testing/expect-close.js';
import { evaluate, uniform } from '../../testing/grad-models.js';
import { Rng } from '../../util/rng.js';
import { teacherLogitsName } from './kd.js';
import { resolveLayer } from './layers.js';
import { checkCompatible, embedTeacher, prepareTeacher } from './teacher.js';

function random(dims: number[], seed: number, scale = 0.5, offset = 0): Tensor {
  const rng = new Rng(seed);
  return Tensor.f32(dims, Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => offset + scale * rng.normal()));
}

/** conv(3x3) → BatchNorm (non-trivial running stats) → Relu → Dropout → GAP → fc; names clash with `student()`. */
function teacher(opts: { batch?: number | string; opset?: number; softmax?: boolean } = {}): Model {
  const b = new GraphBuilder('teacher');
  const x = b.input('input', 'float32', [opts.batch ?? 'N', 1, 6, 6]);
  const conv = b.op('Conv', [x, b.initializer('conv.weight', random([4, 1, 3, 3], 1)), b.initializer('conv.bias', random([4], 2))], { pads: [1, 1, 1, 1] }, { name: 'conv' });
  const bn = b.op('BatchNormalization', [
    conv, b.initializer('bn.weight', random([4], 3, 0.2, 1)), b.initializer('bn.bias', random([4], 4)),
    b.initializer('bn.running_mean', random([4], 5)), b.initializer('bn.running_var', random([4], 6, 0.1, 1)),
  ], { epsilon: 1e-5 }, { name: 'bn' });
  const relu = b.op('Relu', [bn], {}, { name: 'relu' });
  const drop = b.op('Dropout', [relu, b.constant(0.5, [], 'ratio')], {}, { name: 'drop' });
  const pooled = b.op('Flatten', [b.op('GlobalAveragePool', [drop])], { axis: 1 });
  let y = b.op('Gemm', [pooled, b.initializer('fc.weight', random([3, 4], 7)), b.initializer('fc.bias', random([3], 8))], { transB: 1 }, { name: 'fc' });
  if (opts.softmax === true) y = b.op('Softmax', [y], { axis: 1 });
  b.output(y, 'logits');
  return b.build(opts.opset ?? 17);
}

/** A student with the same input, initializer names and output name as the teacher. */
function student(inputShape: Array<number | string> = ['N', 1, 6, 6], classes = 3): Model {
  const b = new GraphBuilder('student');
  const x = b.input('input', 'float32', inputShape);
  const flat = b.op('Flatten', [x], { axis: 1 });
  const d = inputShape.slice(1).reduce<number>((a, v) => a * (v as number), 1);
  b.output(b.op('Gemm', [flat, b.initializer('conv.weight', random([classes, d], 9)), b.initializer('fc.bias', random([classes], 10))], { transB: 1 }, { name: 'fc' }), 'logits');
  return b.build(17);
}

/** The student graph with the embedded teacher's values as extra outputs. */
function withEmbedded(t: Model, s: Model, names: readonly string[], opset = 17): { model: Model; embeddedNames: string[] } {
  const m = s.clone();
  m.opsetImports.set('', opset);
  const b = new GraphBuilder(m.graph);
  const values = embedTeacher(b, prepareTeacher(t), m.graph.inputs[0]!, names, opset);
  const embeddedNames = values.map((v: Value) => v.name);
  values.forEach((v, i) => b.output(v, `embedded${i}`));
  return { model: m, embeddedNames };
}

test('the embedded teacher computes what the teacher computes (BatchNorm in inference mode, Dropout off)', async () => {
  const t = teacher();
  const s = student();
  const { model, embeddedNames } = withEmbedded(t, s, ['logits', 'relu_out']);
  const x = uniform([5, 1, 6, 6], -2, 2, 3, 'float32');
  const got = await evaluate(model, { input: x });
  const want = await evaluate(t, { input: x });
  const tIn = prepareTeacher(t);
  const reluName = tIn.graph.findNode('relu')?.outputs[0]?.name as string;
  assert.equal(reluName, 'relu_out');
  expectClose(got['embedded0']!.toNumbers(), want['logits']!.toNumbers(), { rtol: 1e-5, atol: 1e-6 });
  // The student's own output is untouched and its initializers are not replaced by the teacher's.
  expectClose(got['logits']!.toNumbers(), (await evaluate(s, { input: x }))['logits']!.toNumbers(), { rtol: 1e-6 });
  assert.deepEqual(embeddedNames, ['teacher/logits', 'teacher/relu_out']);
  const inits = [...model.graph.initializers.keys()];
  assert.ok(inits.includes('conv.weight') && inits.includes('teacher/conv.weight'), inits.join(','));
  assert.ok(!model.graph.nodes.some((n) => n.opType === 'Dropout'), 'Dropout removed');
  const bn = model.graph.nodes.find((n) => n.opType === 'BatchNormalization');
  assert.equal(bn?.attrInt('training_mode', 0), 0);
  assert.equal(bn?.outputs.length, 1);
});

test('only the nodes needed for the requested values are embedded', () => {
  const { model } = withEmbedded(teacher(), student(), ['relu_out']);
  const ops = model.graph.nodes.filter((n) => n.name.startsWith('teacher/')).map((n) => n.opType);
  assert.deepEqual(ops, ['Conv', 'BatchNormalization', 'Relu']);
});

test('teacher and student must read the same images and predict the same classes', () => {
  const t = prepareTeacher(teacher());
  assert.throws(() => checkCompatible(t, prepareTeacher(student(['N', 1, 8, 8])), false), (e: unknown) => isSlimnetError(e, 'SHAPE_MISMATCH') && /\[N,1,6,6\].*\[N,1,8,8\]/.test(e.message));
  assert.throws(() => checkCompatible(t, prepareTeacher(student(['N', 1, 6, 6], 4)), true), /same number of classes/);
  checkCompatible(t, prepareTeacher(student(['N', 1, 6, 6], 4)), false);
});

test('a teacher with a fixed batch size or an op that changed between opsets is refused with a clear error', () => {
  assert.throws(() => withEmbedded(teacher({ batch: 1 }), student(), ['logits']), /fixed batch size 1/);
  assert.throws(() => withEmbedded(teacher({ opset: 13, softmax: true }), student(), ['logits']), /Softmax changed between opsets/);
  // Only opset-stable ops: embedding across opsets is fine.
  withEmbedded(teacher({ opset: 13 }), student(), ['logits']);
});

test('an unknown layer name lists the candidates with their shapes', () => {
  const t = prepareTeacher(teacher());
  assert.throws(
    () => resolveLayer(t, 'nope', 'hint layer (teacher)', 4),
    (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /hint layer \(teacher\): 'nope'/.test(e.message) && /conv \(Conv\) → conv_out \[N,4,6,6\]/.test(e.message) && !/Gemm/.test(e.message),
  );
  assert.equal(resolveLayer(t, 'bn', 'x').value, 'bn_out');
  assert.equal(resolveLayer(t, 'relu_out', 'x').value, 'relu_out');
  assert.throws(() => resolveLayer(t, 'fc', 'x', 4), /rank-4/);
});

test('soft targets read the scores before a final Softmax of the teacher', () => {
  assert.equal(teacherLogitsName(prepareTeacher(teacher({ softmax: true }))), 'fc_out');
  assert.equal(teacherLogitsName(prepareTeacher(teacher())), 'logits');
});
