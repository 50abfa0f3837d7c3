/**
 * Checks every standard-domain node of a ModelProto (subgraphs included) against its operator's arity at
 * the model's ai.onnx opset, counting inputs and outputs as ONNX does: an optional input or output given
 * as '' counts as given. Ops the table does not know, and model-local functions, are not checked.
 */
import type { GraphProto, ModelProto, NodeProto } from 'onnx-buf';
import { describeRange, opArity } from './op-arity.js';

function isStandardDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** The model's ai.onnx opset (the first import of '' or 'ai.onnx'), or undefined when it imports none. */
export function standardOpset(mp: ModelProto): number | undefined {
  const imp = mp.opsetImport.find((o) => isStandardDomain(o.domain));
  return imp === undefined ? undefined : Number(imp.version);
}

function nodeLabel(np: NodeProto, index: number): string {
  return np.name !== '' ? `node '${np.name}' (${np.opType})` : `node #${index} (${np.opType})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The arity problem of one node, or undefined. */
export function nodeArityProblem(np: NodeProto, opset: number): string | undefined {
  const a = opArity(np.opType, opset);
  if (a === undefined) return undefined;
  const nIn = np.input.length;
  const nOut = np.output.length;
  if (nIn < a.minInputs || nIn > a.maxInputs) {
    return `has ${plural(nIn, 'input')}, but ${np.opType} at opset ${opset} takes ` +
      describeRange(a.minInputs, a.maxInputs);
  }
  if (nOut < a.minOutputs || nOut > a.maxOutputs) {
    return `has ${plural(nOut, 'output')}, but ${np.opType} at opset ${opset} gives ` +
      describeRange(a.minOutputs, a.maxOutputs);
  }
  return undefined;
}

interface Scope {
  readonly opset: number;
  readonly localFunctions: ReadonlySet<string>;
}

/** Names a graph: the main graph by its name, a subgraph by the attribute holding it (`parent`) too. */
function graphLabel(gp: GraphProto, parent: string | undefined): string {
  const named = gp.name !== '' ? `graph '${gp.name}'` : undefined;
  if (parent === undefined) return named ?? 'main graph';
  return named === undefined ? parent : `${parent} (${named})`;
}

function graphProblem(gp: GraphProto, parent: string | undefined, scope: Scope): string | undefined {
  const label = graphLabel(gp, parent);
  for (const [index, np] of gp.node.entries()) {
    const where = `${label} ${nodeLabel(np, index)}`;
    if (isStandardDomain(np.domain) && !scope.localFunctions.has(`${np.domain}\n${np.opType}`)) {
      const problem = nodeArityProblem(np, scope.opset);
      if (problem !== undefined) return `${where} ${problem}`;
    }
    for (const ap of np.attribute) {
      const subs = ap.g === undefined ? ap.graphs : [ap.g, ...ap.graphs];
      for (const sub of subs) {
        const problem = graphProblem(sub, `${where} attribute '${ap.name}'`, scope);
        if (problem !== undefined) return problem;
      }
    }
  }
  return undefined;
}

/**
 * The first node of `mp` whose input or output count is outside its operator's range, described with
 * the graph, the node, the op and the expected range; undefined when all fit (or no ai.onnx opset).
 */
export function findArityProblem(mp: ModelProto): string | undefined {
  const opset = standardOpset(mp);
  if (opset === undefined || mp.graph === undefined) return undefined;
  const localFunctions = new Set(mp.functions.map((f) => `${f.domain}\n${f.name}`));
  return graphProblem(mp.graph, undefined, { opset, localFunctions });
}
