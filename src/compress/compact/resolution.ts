/**
 * Resolution multiplier: the model's image input gets a new spatial size and everything downstream is
 * adapted, node by node in order while shapes are inferred: constant Reshape targets that spell out the old
 * spatial size (a flatten to [N, C·H·W], a channel shuffle's [N, g, C/g, H, W]) are recomputed, window pools
 * that covered the whole old map cover the new one, and fc layers (Gemm / MatMul) whose input features
 * changed get a new weight (He, or Xavier for the classifier). Convolutions need nothing: their MACs scale.
 * A constant that depends on the spatial size in another way fails shape inference naming its node.
 * Replaced weights and shape constants are left unused; rewrite() removes them (dead-code pass).
 */
import { ShapeError, SlimnetError, UnsupportedOpError } from '../../ir/errors.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import { constantTensor } from '../../metrics/params.js';
import { inferValueInfo } from '../../passes/infer-shapes.js';
import type { ValueInfo } from '../../passes/shape-rules/index.js';
import { batchInputShapes, numericShape, staticShapes } from '../../passes/specialize-shapes.js';
import { isClassifier } from './graph-util.js';
import { defineRewrite, type RawChange, type RewriteContext } from './rule.js';

type InfoOf = (v: Value) => ValueInfo | undefined;

const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);
const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The new target of a constant Reshape whose input changed from `oldIn` to `newIn`, or undefined to keep it. */
function newTarget(node: Node, target: readonly number[], oldIn: readonly number[], newIn: readonly number[]): number[] | undefined {
  if (target.length === 2 && target[1] !== -1 && target[1] === prod(oldIn.slice(1))) return [target[0] as number, prod(newIn.slice(1))];
  const first = oldIn.findIndex((d, i) => d !== newIn[i]);
  const tail = oldIn.length - first;
  if (target.length >= tail && same(target.slice(target.length - tail), oldIn.slice(first))) {
    return [...target.slice(0, target.length - tail), ...newIn.slice(first)];
  }
  if (target.includes(-1)) return undefined; // left to inference, which names the node if the -1 cannot absorb the change
  throw new UnsupportedOpError('Reshape', node.name, `a resolution change (target [${target.join(',')}] spells out the old size [${oldIn.join(',')}])`);
}

function fixReshape(ctx: RewriteContext, node: Node, infoOf: InfoOf, changes: RawChange[]): void {
  const shapeValue = node.inputs[1];
  const t = shapeValue === undefined ? undefined : constantTensor(shapeValue);
  const oldIn = ctx.shapeOf(node.inputs[0]);
  const newIn = numericShape(infoOf(node.input(0))?.shape);
  if (shapeValue === undefined || t === undefined || oldIn === undefined || newIn === undefined || same(oldIn, newIn)) return;
  const target = t.toNumbers();
  const next = newTarget(node, target, oldIn, newIn);
  if (next === undefined) return;
  const graph = ctx.model.graph;
  node.setInput(1, graph.addInitializer(graph.uniqueName(`${shapeValue.name}_resized`), Tensor.i64([next.length], next)));
  changes.push({ layers: [node.name], into: [node.name], detail: `reshape target [${target.join(',')}] => [${next.join(',')}]` });
}

function fixDense(ctx: RewriteContext, node: Node, infoOf: InfoOf, changes: RawChange[]): void {
  const wv = node.inputs[1];
  const w = wv?.initializer;
  const x = numericShape(infoOf(node.input(0))?.shape);
  if (wv === undefined || w === undefined || w.rank !== 2 || x === undefined || x.length !== 2) return;
  if (node.opType === 'Gemm' && node.attrInt('transA', 0) !== 0) throw new UnsupportedOpError('Gemm', node.name, 'a resolution change with transA = 1');
  const transB = node.opType === 'Gemm' && node.attrInt('transB', 0) === 1;
  const [r, c] = w.dims as [number, number];
  const k = transB ? c : r;
  const units = transB ? r : c;
  const k2 = x[1] as number;
  if (k2 === k) return;
  const dims = transB ? [units, k2] : [k2, units];
  const fresh = isClassifier(ctx.model.graph, node) ? ctx.make.xavier(dims, k2, units) : ctx.make.he(dims, k2);
  const graph = ctx.model.graph;
  node.setInput(1, graph.addInitializer(graph.uniqueName(`${wv.name}_resized`), fresh));
  changes.push({ layers: [node.name], into: [node.name], detail: `fc ${k}->${units} => ${k2}->${units} (new weights)` });
}

/** A pooling window that covered the whole old map (a global pool in disguise) covers the whole new one. */
function fixWindow(ctx: RewriteContext, node: Node, infoOf: InfoOf, changes: RawChange[]): void {
  const kernel = node.attrInts('kernel_shape');
  const oldIn = ctx.shapeOf(node.inputs[0]);
  const newIn = numericShape(infoOf(node.input(0))?.shape);
  if (kernel === undefined || oldIn === undefined || newIn === undefined || same(oldIn, newIn)) return;
  if (!same(kernel, oldIn.slice(2)) || node.attrInts('pads', []).some((p) => p !== 0)) return;
  node.setAttr('kernel_shape', newIn.slice(2));
  if (node.attributes.has('strides')) node.setAttr('strides', newIn.slice(2).map(() => 1));
  changes.push({ layers: [node.name], into: [node.name], detail: `whole-map ${node.opType} ${kernel.join('x')} => ${newIn.slice(2).join('x')}` });
}

/** 'H' or 'HxW' as [H, W]. */
function parseSize(text: string): number[] {
  const m = /^(\d+)(?:x(\d+))?$/.exec(text);
  if (m === null) {
    throw new SlimnetError('INVALID_ARGUMENT', `resolution: --size expects H or HxW (e.g. 20x20), got '${text}'`);
  }
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

function newSize(opts: { size?: string | undefined; resolutionMult?: number | undefined }, h: number, w: number,
): [number, number] {
  const { size: text, resolutionMult: f } = opts;
  if ((text === undefined) === (f === undefined)) {
    throw new SlimnetError('INVALID_ARGUMENT', 'resolution: give exactly one of size (HxW) and resolutionMult');
  }
  const size = text !== undefined ? parseSize(text) : [Math.round(h * (f ?? 1)), Math.round(w * (f ?? 1))];
  if (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1)) throw new SlimnetError('INVALID_ARGUMENT', `resolution: the new size must be two positive integers, got [${size.join(',')}]`);
  return [size[0] as number, size[1] as number];
}

export const resolutionRewrite = defineRewrite({
  options: {
    size: { type: 'string', placeholder: 'HxW', description: 'new input size, H or HxW (or give resolutionMult)' },
    resolutionMult: { type: 'number', placeholder: 'F', description: 'input size multiplier (rounded)' },
  },
  name: 'resolution',
  summary: 'resolution multiplier: new input size; flatten → fc sizes, reshapes and global windows follow',
  fits: false,
  needsChange: false,
  apply(ctx, opts) {
    if (ctx.layers !== undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', 'resolution changes the whole model; it takes no layer list');
    }
    const graph = ctx.model.graph;
    const input = graph.inputs.find((v) => v.shape?.length === 4 && v.shape.slice(1).every((d) => typeof d === 'number'));
    if (input === undefined || input.shape === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'resolution: the model has no image input [N, C, H, W] with static C, H, W');
    const [n, ch, h, w] = input.shape as [string | number | null, number, number, number];
    const [h2, w2] = newSize(opts, h, w);
    if (h2 === h && w2 === w) return { changes: [], skipped: [] };
    input.shape = [n, ch, h2, w2];
    const changes: RawChange[] = [{ layers: [], into: [], detail: `input '${input.name}' ${h}x${w} => ${h2}x${w2}` }];
    const fixers: Readonly<Record<string, typeof fixReshape>> = {
      Reshape: fixReshape, Gemm: fixDense, MatMul: fixDense, AveragePool: fixWindow, MaxPool: fixWindow, LpPool: fixWindow,
    };
    try {
      inferValueInfo(ctx.model, { inputShapes: batchInputShapes(ctx.model), beforeNode: (node, infoOf) => fixers[node.opType]?.(ctx, node, infoOf, changes) });
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`resolution ${h2}x${w2}: ${e.message}`);
      throw e;
    }
    const now = staticShapes(ctx.model);
    for (const node of graph.nodes) {
      if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') continue;
      const [a, b] = [ctx.shapeOf(node.outputs[0]), now(node.outputs[0])];
      if (a !== undefined && b !== undefined && !same(a, b)) {
        changes.push({ layers: [node.name], into: [node.name], detail: `output map ${a.slice(2).join('x')} => ${b.slice(2).join('x')}` });
      }
    }
    const order = new Map(graph.nodes.map((node, i) => [node.name, i]));
    const at = (c: RawChange): number => (c.layers.length === 0 ? -1 : (order.get(c.layers[0] as string) ?? -1));
    return { changes: [...changes].sort((a, b) => at(a) - at(b)), skipped: [] };
  },
});
