import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeModel } from '../onnx/index.js';
import { GraphBuilder } from './builder.js';
import { Graph } from './graph.js';
import { Tensor } from './tensor.js';
import { buildZooModel } from '../zoo/index.js';

test('a cloned model encodes to the same bytes and shares nothing with the original', () => {
  const m = buildZooModel('lenet5', { seed: 2 });
  const before = encodeModel(m);
  const c = m.clone();
  assert.deepEqual(encodeModel(c), before);
  const w = [...c.graph.initializers.values()][0]?.initializer as Tensor;
  (w.data as Float32Array)[0] = 123;
  c.graph.nodes[0]?.setAttr('group', 1);
  c.graph.removeNode(c.graph.nodes[c.graph.nodes.length - 1] as never, true);
  c.metadataProps.set('k', 'v');
  assert.deepEqual(encodeModel(m), before, 'the original is unchanged');
  const originals = m.graph.valuesByName();
  for (const n of c.graph.nodes) {
    for (const v of n.inputs) {
      if (v !== undefined) assert.ok(!originals.get(v.name)?.uses.some((u) => u.node === n), 'no shared values');
    }
  }
});

test('subgraphs are copied and their captures point at the copied outer values', () => {
  const g = new GraphBuilder('outer');
  const x = g.input('x', 'float32', [2]);
  const cond = g.input('cond', 'bool', []);
  const body = new Graph('then');
  body.captures.set('x', x);
  const neg = body.createNode('Neg', [x]);
  body.addOutput(neg.output());
  const elseBody = new Graph('else');
  elseBody.captures.set('x', x);
  elseBody.addOutput(elseBody.createNode('Identity', [x]).output());
  const branches = { then_branch: { type: 'graph', value: body }, else_branch: { type: 'graph', value: elseBody } } as const;
  const y = g.op('If', [cond], branches);
  g.output(y, 'y');
  const m = g.build();
  const c = m.clone();
  assert.deepEqual(encodeModel(c), encodeModel(m));
  const ifNode = c.graph.nodes[0];
  const then = ifNode?.attributes.get('then_branch');
  assert.ok(then?.type === 'graph' && then.value !== body);
  const captured = then.value.captures.get('x');
  assert.equal(captured, c.graph.inputs[0], 'the copied subgraph captures the copied outer input');
  assert.notEqual(captured, x);
});
