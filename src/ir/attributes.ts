/** Node attributes: a tagged union mirroring ONNX AttributeProto. */
import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';

/** A node attribute, tagged with its ONNX attribute type (`float`, `int`, `ints`, `tensor`, `graph`...). */
export type Attribute =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: Tensor }
  | { readonly type: 'graph'; readonly value: Graph }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensors'; readonly value: readonly Tensor[] }
  | { readonly type: 'graphs'; readonly value: readonly Graph[] }
  /** Attribute kinds slimnet does not model (sparse tensors, type protos): kept as the decoded proto. */
  | { readonly type: 'opaque'; readonly value: unknown };

/**
 * The tag of an `Attribute` (`'float'`, `'int'`, `'string'`, `'tensor'`, `'graph'`, their plural lists, `'opaque'`).
 */
export type AttributeType = Attribute['type'];

/** Constructors of `Attribute` values: `attr.int(1)`, `attr.floats([0.5])`, `attr.graph(body)`... */
export const attr = {
  float: (value: number): Attribute => ({ type: 'float', value }),
  int: (value: number): Attribute => ({ type: 'int', value }),
  string: (value: string): Attribute => ({ type: 'string', value }),
  floats: (value: readonly number[]): Attribute => ({ type: 'floats', value }),
  ints: (value: readonly number[]): Attribute => ({ type: 'ints', value }),
  strings: (value: readonly string[]): Attribute => ({ type: 'strings', value }),
  tensor: (value: Tensor): Attribute => ({ type: 'tensor', value }),
  graph: (value: Graph): Attribute => ({ type: 'graph', value }),
};

/**
 * Attribute names that ONNX types as float even when the value written is a whole number (e.g. Gemm
 * `alpha: 1`). Used by the builder when it converts plain JS numbers.
 */
const FLOAT_ATTRIBUTE_NAMES = new Set([
  'alpha', 'beta', 'gamma', 'epsilon', 'momentum', 'ratio', 'bias', 'lambd', 'seed', 'value_float',
  'mean', 'scale', 'high', 'low', 'spatial_scale', 'threshold', 'fmod_float', 'cubic_coeff_a',
  'extrapolation_value', 'min', 'max', 'label_smoothing',
]);

/** Plain JS values the builder accepts for attributes. */
export type AttributeInput = number | string | readonly number[] | readonly string[] | Tensor | Attribute;

function isAttribute(v: unknown): v is Attribute {
  return typeof v === 'object' && v !== null && 'type' in v && 'value' in v && !Array.isArray(v);
}

/** Converts a plain JS value to an Attribute, using the attribute's name to pick int vs float. */
export function toAttribute(name: string, v: AttributeInput): Attribute {
  if (isAttribute(v)) return v;
  const wantsFloat = FLOAT_ATTRIBUTE_NAMES.has(name);
  if (typeof v === 'number') {
    return wantsFloat || !Number.isInteger(v) ? attr.float(v) : attr.int(v);
  }
  if (typeof v === 'string') return attr.string(v);
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return attr.strings(v as string[]);
    const nums = v as readonly number[];
    return wantsFloat || nums.some((x) => !Number.isInteger(x)) ? attr.floats(nums) : attr.ints(nums);
  }
  return attr.tensor(v as Tensor);
}
