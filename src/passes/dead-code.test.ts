import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { Graph } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { verify } from '../ir/verify.js';
import { eliminateDeadCode } from './dead-code.js';

test('dead chains, Constant nodes and unused initializers go; graph inputs and live nodes stay', () => {
  const b = new GraphBuilder('dce');
  const x = b.input('x', 'float32', ['N', 4]);
  const unusedInput = b.input('spare', 'float32', [4]);
  const w = b.initializer('w', Tensor.f32([4], [1, 2, 3, 4]));
  const overridable = b.initializer('bias', Tensor.f32([4]));
  b.graph.addInput(overridable);
  b.initializer('orphan', Tensor.f32([2]));
  const c = b.op('Constant', [], { value: Tensor.f32([4]) });
  const dead = b.op('Relu', [b.op('Add', [x, c])]);
  b.op('Mul', [dead, w], {}, { name: 'dead_mul' });
  b.output(b.op('Mul', [x, w], {}, { name: 'live' }), 'y');
  const m = b.build();
  assert.equal(eliminateDeadCode(m).modified, true);
  assert.deepEqual(m.graph.nodes.map((n) => n.name), ['live']);
  assert.deepEqual([...m.graph.initializers.keys()], ['w', 'bias']);
  assert.deepEqual(m.graph.inputs, [x, unusedInput, overridable]);
  verify(m.graph);
  assert.equal(eliminateDeadCode(m).modified, false, 'a second run finds nothing');
});

test('nodes out of topological order are still removed', () => {
  const b = new GraphBuilder('order');
  const x = b.input('x', 'float32', [2]);
  const a = b.op('Neg', [x], {}, { name: 'first' });
  b.op('Abs', [a], {}, { name: 'second' });
  const g = b.graph;
  const second = g.findNode('second');
  assert.ok(second !== undefined);
  g.removeNode(second);
  g.addNode(second, 0);
  b.output(b.op('Relu', [x]), 'y');
  eliminateDeadCode(b.build());
  assert.deepEqual(g.nodes.map((n) => n.opType), ['Relu']);
});

test('a dead If node releases the outer values its branches read; live subgraphs are cleaned', () => {
  const b = new GraphBuilder('outer');
  const x = b.input('x', 'float32', [2]);
  const cond = b.input('cond', 'bool', []);
  const hidden = b.op('Neg', [x], {}, { name: 'only_read_by_branch' });
  const branch = (name: string, from: typeof x): Graph => {
    const g = new Graph(name);
    g.captures.set(from.name, from);
    g.createNode('Abs', [from], 1, `${name}_dead`);
    g.addOutput(g.createNode('Identity', [from], 1, `${name}_id`).output());
    return g;
  };
  const attrs = (p: string) => ({
    then_branch: { type: 'graph', value: branch(`${p}_then`, hidden) },
    else_branch: { type: 'graph', value: branch(`${p}_else`, x) },
  } as const);
  b.op('If', [cond], attrs('dead'), { name: 'dead_if' });
  const liveIf = b.op('If', [cond], attrs('live'), { name: 'live_if' });
  b.output(liveIf, 'y');
  const m = b.build();
  eliminateDeadCode(m);
  assert.deepEqual(m.graph.nodes.map((n) => n.name), ['only_read_by_branch', 'live_if']);
  const then = m.graph.findNode('live_if')?.attributes.get('then_branch');
  assert.ok(then?.type === 'graph');
  assert.deepEqual(then.value.nodes.map((n) => n.name), ['live_then_id']);
  assert.equal(hidden.uses.length, 1, 'only the live branch still reads the outer value');
});
