/**
 * Picking intermediate layers of a teacher or a student by name (FitNets hint / guided layers, attention
 * transfer pairs): a value name, or a node name standing for the node's first output. An unknown name is an
 * INVALID_ARGUMENT error that lists the candidate activations with their shapes.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { shapeToString, type Shape } from '../../ir/shape.js';
import type { Value } from '../../ir/value.js';

/** A chosen activation of a model. */
export interface LayerRef {
  /** The value's name in the model. */
  readonly value: string;
  /** Its inferred shape (batch dimension first). */
  readonly shape: Shape;
}

const MAX_CANDIDATES = 40;

/**
 * Resolves `spec` (a node or value name) to an activation of `model`, whose shapes must have been
 * inferred. `role` names the option in messages (e.g. 'hint layer of the teacher'); `rank` restricts the
 * candidates (4 for feature maps).
 */
export function resolveLayer(model: Model, spec: string, role: string, rank?: number): LayerRef {
  const g = model.graph;
  const byName = g.valuesByName();
  const direct = byName.get(spec);
  const v = direct !== undefined && direct.producer !== undefined ? direct : g.findNode(spec)?.outputs[0];
  if (v === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `${role}: '${spec}' is neither a node nor an activation of the model; ${candidateList(model, rank)}`);
  }
  const shape = v.shape;
  if (shape === undefined) throw new SlimnetError('SHAPE_MISMATCH', `${role}: the shape of '${v.name}' could not be inferred`);
  if (rank !== undefined && shape.length !== rank) {
    throw new SlimnetError('SHAPE_MISMATCH', `${role}: '${spec}' is ${shapeToString(shape)}, a rank-${rank} activation is needed; ${candidateList(model, rank)}`);
  }
  return { value: v.name, shape };
}

/** "candidates: node (Op) → value [shape], ..." for the activations of `model` (of the given rank). */
export function candidateList(model: Model, rank?: number): string {
  const rows: string[] = [];
  for (const node of model.graph.nodes) {
    const o: Value | undefined = node.outputs[0];
    if (o === undefined || o.shape === undefined || (rank !== undefined && o.shape.length !== rank)) continue;
    if (o.dtype !== undefined && o.dtype !== 'float32' && o.dtype !== 'float64') continue;
    rows.push(o.name === node.name ? `${node.name} (${node.opType}) ${shapeToString(o.shape)}` : `${node.name} (${node.opType}) → ${o.name} ${shapeToString(o.shape)}`);
  }
  if (rows.length === 0) return `the model has no ${rank === undefined ? '' : `rank-${rank} `}activations`;
  const shown = rows.length > MAX_CANDIDATES ? [...rows.slice(0, MAX_CANDIDATES), `... ${rows.length - MAX_CANDIDATES} more`] : rows;
  return `candidates${rank === undefined ? '' : ` (rank ${rank})`}: ${shown.join(', ')}`;
}

/** Same spatial size (the dims after the channel axis) of two rank-4 activations. */
export function sameSpatial(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.slice(2).every((d, i) => typeof d === 'number' && d === b[i + 2]);
}

/** A (student, teacher) pair of activations. */
export interface LayerPair {
  readonly student: LayerRef;
  readonly teacher: LayerRef;
}

/**
 * Default layer pairs: for every spatial size (H×W > 1) that both models have, the last feature map of
 * that size in each (the end of a stage, as the attention-transfer paper pairs ResNet groups), from the
 * largest size to the smallest. Models must be shape-inferred.
 */
export function pairBySpatialSize(student: Model, teacher: Model): LayerPair[] {
  const s = lastBySize(student);
  const pairs: LayerPair[] = [];
  for (const [size, t] of lastBySize(teacher)) {
    const sv = s.get(size);
    if (sv !== undefined) pairs.push({ student: sv, teacher: t });
  }
  return pairs;
}

function lastBySize(model: Model): Map<string, LayerRef> {
  const m = new Map<string, LayerRef>();
  for (const node of model.graph.nodes) {
    const o = node.outputs[0];
    const s = o?.shape;
    if (o === undefined || s === undefined || s.length !== 4 || (o.dtype !== undefined && o.dtype !== 'float32')) continue;
    const [h, w] = [s[2], s[3]];
    if (typeof h !== 'number' || typeof w !== 'number' || h * w <= 1) continue;
    const key = `${h}x${w}`;
    m.delete(key);
    m.set(key, { value: o.name, shape: s });
  }
  // Largest maps first (the input side of a CNN).
  return new Map([...m].sort((a, b) => area(b[0]) - area(a[0])));
}

function area(key: string): number {
  const [h, w] = key.split('x').map(Number);
  return (h ?? 0) * (w ?? 0);
}
