import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attr } from './attributes.js';
import { GraphBuilder } from './builder.js';
import { VerifyError } from './errors.js';
import { Graph } from './graph.js';
import { Tensor } from './tensor.js';
import { Value } from './value.js';
import { checkModel, collectProblems, verify } from './verify.js';

function chain(): { b: GraphBuilder; x: Value; a: Value; c: Value } {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', ['N', 4]);
  const w = b.initializer('w', Tensor.f32([4], [1, 2, 3, 4]));
  const a = b.op('Mul', [x, w]);
  const c = b.op('Relu', [a]);
  b.output(c, 'y');
  return { b, x, a, c };
}

function expectProblem(g: Graph, pattern: RegExp): void {
  assert.throws(() => verify(g), (e: unknown) => {
    assert.ok(e instanceof VerifyError);
    assert.ok(e.problems.some((p) => pattern.test(p)), `no problem matches ${pattern}: ${e.problems.join(' | ')}`);
    return true;
  });
}

test('a well-formed graph verifies', () => {
  const { b } = chain();
  verify(b.graph);
  checkModel(b.build());
  assert.deepEqual(collectProblems(b.graph), []);
});

test('single assignment: a name defined twice', () => {
  const { b, a, c } = chain();
  c.name = a.name;
  expectProblem(b.graph, /defined twice/);
});

test('unnamed optional outputs are exempt from single assignment', () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', [4]);
  const [y, m1] = b.opN('Dropout', [x], 2);
  const [z, m2] = b.opN('Dropout', [y as Value], 2);
  (m1 as Value).name = '';
  (m2 as Value).name = '';
  b.output(z as Value);
  verify(b.graph);
});

test('topological order: a node reading a later node', () => {
  const { b } = chain();
  const g = b.graph;
  const first = g.nodes[0];
  assert.ok(first);
  const inputs = [...first.inputs];
  g.removeNode(first, true);
  g.addNode(first);
  first.setInputs(inputs);
  expectProblem(g, /later node .*not topological/);
});

test('dangling: a node input from nowhere and an undefined graph output', () => {
  const { b, a } = chain();
  const relu = b.graph.nodes[1];
  assert.ok(relu);
  relu.setInput(0, new Value('ghost', 'float32', [4]));
  expectProblem(b.graph, /'ghost' is dangling/);
  relu.setInput(0, a);
  b.graph.addOutput(new Value('nowhere'));
  expectProblem(b.graph, /output 'nowhere' is dangling/);
});

test('links: uses out of sync with node inputs', () => {
  const { b, x, a } = chain();
  x.uses.length = 0;
  expectProblem(b.graph, /does not list this node among its uses/);
  const { b: b2, a: a2 } = chain();
  const mul = a2.producer;
  assert.ok(mul);
  a2.uses.push({ node: mul, index: 0 });
  expectProblem(b2.graph, /lists a use by node/);
  assert.ok(a);
});

test('links: producer / producerIndex mismatch', () => {
  const { b, a } = chain();
  a.producerIndex = 3;
  expectProblem(b.graph, /output #0 .* slot 3/);
});

test('initializer dtype and shape must match its tensor', () => {
  const { b } = chain();
  const w = b.graph.initializers.get('w');
  assert.ok(w);
  w.dtype = 'int64';
  expectProblem(b.graph, /declared int64 but its tensor is float32/);
  w.dtype = 'float32';
  w.shape = [2, 2];
  expectProblem(b.graph, /declared \[2,2\] but its tensor has dims \[4\]/);
});

test('subgraphs are verified recursively; outer values and captures are fine', () => {
  const { b, a } = chain();
  const body = new Graph('then');
  body.captures.set(a.name, a);
  const inner = body.createNode('Neg', [a]);
  body.addOutput(inner.output());
  const cond = b.initializer('cond', new Tensor('bool', [], new Uint8Array([1])));
  const ifNode = b.graph.createNode('If', [cond], 1);
  ifNode.attributes.set('then_branch', attr.graph(body));
  ifNode.attributes.set('else_branch', attr.graph(body));
  verify(b.graph);
  body.createNode('Neg', [new Value('lost')]);
  expectProblem(b.graph, /graph 'then'.*'lost' is dangling/);
  assert.deepEqual(collectProblems(b.graph, { subgraphs: false }), []);
});
